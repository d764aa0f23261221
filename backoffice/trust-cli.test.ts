// The trust ceremonies through the compiled CLI: init moves nothing itself but says where the root key is; sign offline; publish-trust FILE online.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import mqtt from 'mqtt';
import { decodeObject } from '#protocol';
import { startMosquitto } from '../test/support/mosquitto.js';

const BO = join(dirname(fileURLToPath(import.meta.url)), 'cli', 'main.js');

function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_') && k !== 'TESSERA_BACKOFFICE_HOME') clean[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, [BO, ...args], { env: { ...clean, ...env }, timeout: 30_000, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('init → root key off the machine → new issuer key → offline sign → publish-trust FILE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-trust-cli-'));
  const broker = await startMosquitto({ persistence: false });
  t.teardown(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'bo');
  const online = { TESSERA_BACKOFFICE_HOME: home, TESSERA_LOG_LEVEL: 'warn' };
  const json = async (args: string[], env: NodeJS.ProcessEnv = online, cwd?: string) => {
    const r = await run([...args, '--json'], env, cwd);
    t.equal(r.code, 0, `tessera-backoffice ${args.slice(0, 2).join(' ')} ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  const text = await run(['init'], online);
  t.equal(text.code, 0);
  t.match(text.stdout, /THE ROOT KEY IS IN .*offline\/ AND MUST LEAVE THIS MACHINE/, 'init says where the root key is and that it must go');
  t.ok(existsSync(join(home, 'offline', 'root.key')) && existsSync(join(home, 'offline', 'README.txt')));
  const vault = join(dir, 'usb-stick');
  renameSync(join(home, 'offline'), vault);

  const key = await json(['trust', 'new-issuer-key']);
  t.match(key, { currentVersion: 1, roles: 'terminals,purses,fleet', ceremony: /^tessera-backoffice trust sign --root-key root\.key/ });
  const again = await run(['trust', 'new-issuer-key', '--json'], online);
  t.equal(again.code, 1, 'a second pending key is refused');
  t.match(JSON.parse(again.stdout || again.stderr), { error: { code: 'ALREADY_EXISTS' } });

  // The offline machine: no back-office home at all, only the stick and the current list.
  const offline = { TESSERA_BACKOFFICE_HOME: join(dir, 'no-such-home'), TESSERA_LOG_LEVEL: 'warn' };
  const signed = await json(
    ['trust', 'sign', '--root-key', 'root.key', '--current', 'trust-list.v1.txt', '--add-key', key.publicKey as string, '--roles', 'terminals,purses,fleet', '--name', 'issuer-2', '--out', 'trust-list.v2.txt'],
    offline,
    vault,
  );
  t.match(signed, { previousVersion: 1, added: [key.kid], retired: [], list: { version: 2 } });
  t.notOk(existsSync(join(dir, 'no-such-home')), 'signing created no back-office home');
  const shown = await json(['trust', 'show', join(vault, 'trust-list.v2.txt'), '--root', join(vault, 'root.key')], offline);
  t.same((shown.keys as { name: string }[]).map((k) => k.name), ['issuer', 'sealed', 'clearing', 'issuer-2']);
  const overwrite = await run(['trust', 'sign', '--root-key', 'root.key', '--current', 'trust-list.v1.txt', '--out', 'trust-list.v2.txt'], offline, vault);
  t.equal(overwrite.code, 1, 'never overwrites a signed list');
  const missingRoles = await run(['trust', 'sign', '--root-key', 'root.key', '--current', 'trust-list.v1.txt', '--add-key', key.publicKey as string, '--out', 'x.txt'], offline, vault);
  t.equal(missingRoles.code, 1);
  t.match(missingRoles.stderr, /--add-key needs --roles/);

  // Back online: publish-trust FILE installs and publishes; an older file is refused.
  const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  t.teardown(() => watcher.endAsync(true));
  const published = await json(['publish-trust', join(vault, 'trust-list.v2.txt'), '--broker', broker.url]);
  t.match(published, { version: 2, installed: { previousVersion: 1, signingKid: key.kid, added: [key.kid] } });
  const got = new Promise<Buffer>((resolve) => watcher.on('message', (_tp, p) => resolve(p)));
  await watcher.subscribeAsync('tessera/v1/fleet/trust', { qos: 1 });
  const retained = decodeObject('TRUST_LIST', new Uint8Array(await got));
  t.equal(retained.ok && retained.value.value.version, 2, 'the retained trust list is the new one');
  const rollback = await run(['publish-trust', join(vault, 'trust-list.v1.txt'), '--broker', broker.url, '--json'], online);
  t.equal(rollback.code, 1);
  t.match(rollback.stdout + rollback.stderr, /not newer than the installed version 2/);
  writeFileSync(join(dir, 'junk.txt'), 'TL1:garbage\n');
  const junk = await run(['publish-trust', join(dir, 'junk.txt'), '--broker', broker.url], online);
  t.equal(junk.code, 1, 'garbage is refused with a non-zero exit');
  t.equal(readFileSync(join(home, 'trust-list.txt'), 'utf8'), readFileSync(join(vault, 'trust-list.v2.txt'), 'utf8'), 'the installed list is unchanged by refusals');

  for (const cmd of [['trust', 'sign'], ['trust', 'show'], ['trust', 'new-issuer-key'], ['publish-trust']]) {
    const h = await run([...cmd, '--help'], online);
    t.equal(h.code, 0, `${cmd.join(' ')} --help`);
  }
});
