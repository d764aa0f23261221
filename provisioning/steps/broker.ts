// `provision broker`: broker URL, CA, and either a client certificate (own key + CSR for the broker's CA, or given files) or username/password.
import * as fs from 'node:fs';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { TesseraError } from '#common';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { BROKER_PASSWORD } from '../paths.js';
import { type ConfigObject, brokerUrlProblem, isObject, mergeConfig, terminalSection } from '../config.js';
import { type StepContext, type StepResult, readText, usage } from '../context.js';

export interface BrokerOptions {
  url?: string;
  ca?: string;
  cert?: string;
  key?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
}

function readInput(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TesseraError('CONFIG_NOT_FOUND', `cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
}

function parseCert(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new TesseraError('CONFIG_INVALID', `${what} is not a PEM X.509 certificate: ${(e as Error).message}`, { cause: e });
  }
}

function spkiPem(keyPem: string, what: string): string {
  try {
    return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'pem' }).toString();
  } catch (e) {
    throw new TesseraError('KEY_INVALID', `${what} is not a PEM private key: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether an existing CSR is for this key and this CN (so a re-run keeps it). */
async function csrMatches(ctx: StepContext, csrReal: string, keyPem: string, cn: string): Promise<boolean> {
  if (!fs.existsSync(csrReal)) return false;
  const r = await ctx.deps.run('openssl', ['req', '-in', csrReal, '-noout', '-subject', '-pubkey', '-nameopt', 'RFC2253']);
  if (r.code !== 0) return false;
  const subject = /^subject=(.*)$/m.exec(r.stdout)?.[1]?.trim();
  const pub = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/.exec(r.stdout)?.[0];
  return subject === `CN=${cn}` && pub !== undefined && `${pub.trim()}\n` === spkiPem(keyPem, 'mqtt key');
}

export async function runBroker(ctx: StepContext, o: BrokerOptions): Promise<StepResult> {
  const config = ctx.requireConfig();
  ctx.deps.validateConfig(config);
  const terminalId = terminalSection(config).id;
  const sync = isObject(config.sync) ? config.sync : {};
  const tls = isObject(sync.tls) ? sync.tls : {};
  const flags = [o.url, o.ca, o.cert, o.key, o.username, o.password, o.passwordFile].some((v) => v !== undefined);
  const prompt = ctx.mayPrompt(flags);

  let url = o.url ?? (typeof sync.brokerUrl === 'string' ? sync.brokerUrl : undefined);
  if (prompt) url = (await ctx.deps.io.ask('Broker URL', url)).trim() || url;
  if (url === undefined) throw usage('missing --url (e.g. mqtts://broker.example:8883)');
  const problem = brokerUrlProblem(url);
  if (problem) throw new TesseraError('CONFIG_INVALID', `bad broker URL: ${problem}`);
  const secure = url.startsWith('mqtts:');

  const usePassword = o.username !== undefined || (o.cert === undefined && o.key === undefined && typeof sync.username === 'string');
  let username: string | undefined;
  let password: string | undefined;
  if (usePassword) {
    username = o.username ?? (sync.username as string);
    password = o.passwordFile !== undefined ? readInput(o.passwordFile, 'password file').replace(/\r?\n$/, '') : o.password;
    if (password === undefined && prompt) password = await ctx.deps.io.ask(`Password for ${username}`);
    // A re-run keeps the stored password; an inline one from an older install moves to the credential file.
    password ??= readText(ctx.at(BROKER_PASSWORD.source))?.replace(/\r?\n$/, '') ?? (typeof sync.password === 'string' ? sync.password : undefined);
    if (password === undefined || password === '') throw usage('--username needs --password or --password-file');
  } else if (!secure) {
    throw usage(`client certificates need mqtts://, not ${url}; for a plain connection use --username/--password`);
  }

  // Read and check every given file before anything is written.
  const caPem = o.ca !== undefined ? readInput(o.ca, 'CA file') : undefined;
  if (caPem !== undefined) {
    const ca = parseCert(caPem, `CA file ${o.ca}`);
    if (!ca.ca) throw new TesseraError('CONFIG_INVALID', `CA file ${o.ca} is not a CA certificate (basicConstraints CA:FALSE)`);
  }
  const certPem = o.cert !== undefined ? readInput(o.cert, 'client certificate') : undefined;
  const keyPemGiven = o.key !== undefined ? readInput(o.key, 'client key') : undefined;
  if (keyPemGiven !== undefined) spkiPem(keyPemGiven, `client key ${o.key}`);

  const sd = ctx.stateDir(config);
  const sys = { ca: ctx.filePath(config, 'ca'), key: ctx.filePath(config, 'mqttKey'), csr: ctx.filePath(config, 'mqttCsr'), crt: ctx.filePath(config, 'mqttCert') };
  const existingKey = readText(ctx.at(sys.key));
  if (certPem !== undefined) {
    const cert = parseCert(certPem, `client certificate ${o.cert}`);
    const keyPem = keyPemGiven ?? existingKey;
    if (keyPem === undefined) throw usage(`--cert needs --key (no generated key at ${sys.key})`);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      throw new TesseraError('KEY_INVALID', `client certificate ${o.cert} does not belong to ${o.key ?? sys.key}`);
    }
  } else if (keyPemGiven !== undefined) {
    throw usage('--key needs --cert');
  }
  if (secure && caPem === undefined && typeof tls.ca !== 'string') {
    throw usage(`--ca is needed for ${url} (the broker's CA certificate, PEM)`);
  }

  const changed: string[] = [];
  const lines: string[] = [];
  const put = (p: string, content: string, mode: number): void => {
    if (writeFileAtomic(ctx.at(p), content, { mode, chown: (f) => ctx.chownService(f) })) changed.push(p);
  };
  ctx.ensureStateDir(config);
  if (caPem !== undefined) put(sys.ca, caPem, 0o644);

  let tlsPatch: ConfigObject = { ca: caPem !== undefined ? sys.ca : tls.ca };
  if (!usePassword) {
    if (keyPemGiven !== undefined) put(sys.key, keyPemGiven, 0o600);
    if (certPem !== undefined) put(sys.crt, certPem, 0o644);
    let keyPem = keyPemGiven ?? existingKey;
    if (keyPem === undefined) {
      keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      put(sys.key, keyPem, 0o600);
    }
    const haveCert = certPem !== undefined || fs.existsSync(ctx.at(sys.crt));
    if (!haveCert && !(await csrMatches(ctx, ctx.at(sys.csr), keyPem, terminalId))) {
      const r = await ctx.deps.run('openssl', ['req', '-new', '-key', ctx.at(sys.key), '-subj', `/CN=${terminalId}`, '-sha256']);
      if (r.code !== 0) throw new TesseraError('INTERNAL', `openssl req failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
      put(sys.csr, r.stdout, 0o644);
    }
    // terminal/sync takes tls.cert and tls.key together: the key is named once the certificate is there.
    tlsPatch = { ...tlsPatch, key: haveCert ? sys.key : undefined, cert: haveCert ? sys.crt : undefined };
    if (!haveCert) lines.push(`! no client certificate yet: have the broker's CA sign ${sys.csr} (CN=${terminalId}), then run: tessera provision broker --cert FILE`);
  } else {
    // Root-only (0600 in a 0700 directory): systemd reads it and hands it to the daemon alone.
    const credDir = ctx.at(path.posix.dirname(BROKER_PASSWORD.source));
    if (!fs.existsSync(credDir)) fs.mkdirSync(credDir, { recursive: true, mode: 0o700 });
    if (writeFileAtomic(ctx.at(BROKER_PASSWORD.source), `${password as string}\n`, { mode: 0o600 })) changed.push(BROKER_PASSWORD.source);
    tlsPatch = { ...tlsPatch, ...(certPem === undefined ? { key: undefined, cert: undefined } : {}) };
    if (!secure) lines.push(`! ${url} is not encrypted: the password and the journal travel in clear`);
  }
  const patch: ConfigObject = {
    sync: { brokerUrl: url, tls: tlsPatch, username: usePassword ? username : undefined, password: undefined, passwordFile: usePassword ? BROKER_PASSWORD.credential : undefined },
  };
  const next = mergeConfig(config, patch);
  if (isObject(next.sync) && isObject(next.sync.tls) && Object.keys(next.sync.tls).length === 0) delete next.sync.tls;
  if (ctx.writeConfig(next)) changed.push(ctx.configPath);
  lines.unshift(changed.length === 0 ? `= broker settings unchanged (${url})` : `✓ broker ${url} (${usePassword ? `user ${username}` : 'client certificate'})`);
  lines.push(`state dir ${sd}`);
  return { changed, lines, data: { url, auth: usePassword ? 'password' : 'certificate', csr: usePassword ? undefined : sys.csr, changed } };
}
