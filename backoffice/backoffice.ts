// The back office as a library: issuer keys, terminal and purse issuance, fleet messages, ledger and clearing.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { TesseraError, systemClock, silentLogger, type Clock, type Logger } from '#common';
import {
  BUNDLE_FORMAT,
  DAY,
  FLEET_KIND,
  ROLE,
  TrustStore,
  buildAck,
  createKeyFile,
  decodeObject,
  fromHex,
  fromQrText,
  isValidPublicKey,
  loadKeyFile,
  signObject,
  toHex,
  toQrText,
  verifyEnrolmentRequest,
  verifyTrustList,
  type AckResult,
  type CryptoBackend,
  type KeySigner,
  type PurseCert,
  type TerminalCert,
  type TerminalConfigBody,
  type TerminalMode,
  type TrustBundle,
  type TrustList,
} from '#protocol';
import { auditTerminal, type ChainAudit } from './chains.js';
import { ClearingEngine } from './clearing.js';
import { loadClearingKey } from './clearing-key.js';
import { backOfficePaths, ensureHome, readSettings, writeNewFile, type BackOfficePaths, type BackOfficeSettings } from './home.js';
import { OFFLINE_README } from './offline-readme.js';
import { clearingTrustList, installedHistory, openingIssuer, pickIssuer } from './trust-admin.js';
import { merchantAccount, type Account, type BatchOutcome, type JournalEntry, type Ledger, type PurseRecord } from './ledger.js';
import { recordSealedDetails } from './ops/sealed.js';
import { openLedger } from './ledger-open.js';
import { buildReport, type Report } from './report.js';

export type { TrustBundle } from '#protocol';

/** Purse file a wallet imports (docs/protocol.md §10.1). */
export interface PurseFile {
  format: 'tessera-purse/1';
  purseCert: string;
  trustList: string;
  rootPublicKey: string;
}

export interface BackOfficeOptions {
  clock?: Clock;
  logger?: Logger;
  backend?: CryptoBackend;
  /** A ledger to use instead of the SQLite file in the home directory. */
  ledger?: Ledger;
  /** A postgres:// URL: the ledger lives in PostgreSQL instead of the SQLite file (see ledger-open.ts). */
  db?: string;
}

export interface InitOptions extends BackOfficeOptions {
  currency?: string;
  /** Validity of the issuer keys in the trust list, in days. */
  keyDays?: number;
}

export interface IssueTerminalOptions {
  mode: TerminalMode;
  merchantId: string;
  displayName: string;
  days?: number;
  /** Transit: the signed fare/route config included in the bundle and published to the terminal. */
  config?: TerminalConfigBody;
  /** Re-enrol a terminal id with a new key (starts a new journal chain). */
  replace?: boolean;
}

export interface IssuePurseOptions {
  account: string;
  /** Hex of the wallet's 33-byte compressed public key. */
  walletKey: string;
  cap: number;
  perPaymentLimit: number;
  days: number;
  /**
   * The caller's id for this issuance (`issue-purse --id`, the API's Idempotency-Key, the wallet API's
   * challenge): a retry with the same id and request answers with the purse issued first (same purse
   * id and certificate, `replayed`); the same id for another request is ALREADY_EXISTS.
   */
  id?: string;
}

const CLOCK_SKEW_ALLOWANCE = 3_600;

function positive(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) throw new TesseraError('USAGE', `${name} must be a positive integer, got ${n}`);
}

export class BackOffice {
  readonly clearing: ClearingEngine;
  // The installed trust list and the issuer key it selects: replaced together when a newer list is installed.
  private current: { list: TrustList; bytes: Uint8Array; trust: TrustStore; issuer: KeySigner };

  constructor(
    readonly paths: BackOfficePaths,
    readonly settings: BackOfficeSettings,
    issuer: KeySigner,
    readonly sealedKey: KeySigner,
    /** Signs acks and resync requests; listed in the trust list with role CLEARING. */
    readonly clearingKey: KeySigner,
    trustList: TrustList,
    trustBytes: Uint8Array,
    readonly ledger: Ledger,
    readonly clock: Clock = systemClock,
    readonly log: Logger = silentLogger(),
    private readonly backend?: CryptoBackend,
  ) {
    this.current = { list: trustList, bytes: trustBytes, trust: new TrustStore(trustList, backend), issuer };
    this.clearing = new ClearingEngine(ledger, this.clearingTrust(), clock, log, (entries, out) => this.openSealed(entries, out));
  }

  /** The current list plus retired keys up to their retirement (trust-admin.ts clearingTrustList). */
  private clearingTrust(): TrustStore {
    const history = installedHistory(this.paths, fromHex(this.settings.rootPublicKey), this.backend);
    return history.length ? new TrustStore(clearingTrustList(this.current.list, history), this.backend) : this.current.trust;
  }

  get trust(): TrustStore {
    return this.current.trust;
  }

  get trustList(): TrustList {
    return this.current.list;
  }

  get trustBytes(): Uint8Array {
    return this.current.bytes;
  }

  /** The issuer key signing now: the newest of this back office's issuer keys the installed list names. */
  get issuer(): KeySigner {
    return this.current.issuer;
  }

  /** Makes a verified, newer trust list the one in force (clearing verifies and the issuer signs under it). */
  adoptTrust(list: TrustList, bytes: Uint8Array, issuer: KeySigner): void {
    const trust = new TrustStore(list, this.backend);
    this.current = { list, bytes, trust, issuer };
    this.clearing.trust = this.clearingTrust();
    this.log.info({ version: list.version, issuerKid: toHex(issuer.kid) }, 'trust list installed');
  }

  /**
   * Picks up a newer trust list that `publish-trust` installed in the home (perhaps from another
   * process) since this one was opened. True when it changed.
   */
  reloadTrust(): boolean {
    const next = readInstalledTrust(this.paths, this.settings, this.backend);
    if (next.list.version <= this.current.list.version) return false;
    this.adoptTrust(next.list, next.bytes, pickIssuer(this.paths, next.list, this.now(), this.backend));
    return true;
  }

  /**
   * Creates the root, issuer, sealed and clearing keys (0600), the root-signed trust list and an empty ledger.
   * The root key goes to <home>/offline/ with a README: it signs only trust lists, on an offline
   * machine, and the online back office never reads it again.
   */
  static async init(home: string, opts: InitOptions = {}): Promise<BackOffice> {
    const paths = backOfficePaths(home);
    if (existsSync(paths.settings)) throw new TesseraError('ALREADY_EXISTS', `a back office already exists in ${home}`);
    const currency = opts.currency ?? 'EUR';
    if (!/^[A-Z]{3}$/.test(currency)) throw new TesseraError('USAGE', `currency must be 3 capital letters, got ${currency}`);
    // A PostgreSQL ledger is reached (and migrated) before anything is written: a wrong URL leaves no half-made home.
    if (opts.db && !opts.ledger) await (await openLedger(paths.ledger, opts.db)).close();
    ensureHome(home);
    const now = Math.floor((opts.clock ?? systemClock).now() / 1000);
    mkdirSync(paths.offlineDir, { recursive: true, mode: 0o700 });
    const root = createKeyFile(paths.rootKey, opts.backend);
    writeNewFile(`${paths.offlineDir}/README.txt`, OFFLINE_README, 0o600);
    const issuer = createKeyFile(paths.issuerKey, opts.backend);
    const sealed = createKeyFile(paths.sealedKey, opts.backend);
    const clearing = createKeyFile(paths.clearingKey, opts.backend);
    const notAfter = now + (opts.keyDays ?? 3 * 365) * DAY;
    const list: TrustList = {
      version: 1,
      issuedAt: now,
      keys: [
        { kid: issuer.kid, publicKey: issuer.publicKey, roles: ROLE.TERMINALS | ROLE.PURSES | ROLE.FLEET, notBefore: now - CLOCK_SKEW_ALLOWANCE, notAfter, name: 'issuer' },
        { kid: sealed.kid, publicKey: sealed.publicKey, roles: ROLE.SEALED, notBefore: now - CLOCK_SKEW_ALLOWANCE, notAfter, name: 'sealed' },
        { kid: clearing.kid, publicKey: clearing.publicKey, roles: ROLE.CLEARING, notBefore: now - CLOCK_SKEW_ALLOWANCE, notAfter, name: 'clearing' },
      ],
    };
    const trustText = toQrText('TRUST_LIST', await signObject('TRUST_LIST', list, root)) + '\n';
    writeNewFile(paths.trustList, trustText);
    // The offline machine's first "current list": the next ceremony starts from it.
    writeNewFile(`${paths.offlineDir}/trust-list.v1.txt`, trustText);
    const settings: BackOfficeSettings = { format: 'tessera-backoffice/1', currency, rootPublicKey: toHex(root.publicKey), createdAt: now };
    writeNewFile(paths.settings, JSON.stringify(settings, null, 2) + '\n');
    return BackOffice.open(home, opts);
  }

  static async open(home: string, opts: BackOfficeOptions = {}): Promise<BackOffice> {
    const paths = backOfficePaths(home);
    const settings = readSettings(paths);
    const { list, bytes } = readInstalledTrust(paths, settings, opts.backend);
    // Without a logger (the CLI's short commands) the operator still has to see it.
    const warn = (msg: string) => (opts.logger ? opts.logger.warn(msg) : process.stderr.write(`tessera-backoffice: warning: ${msg}\n`));
    const issuer = openingIssuer(paths, list, Math.floor((opts.clock ?? systemClock).now() / 1000), warn, opts.backend);
    const sealed = loadKeyFile(paths.sealedKey, opts.backend);
    const clearing = loadClearingKey(paths, list, opts.backend);
    const ledger = opts.ledger ?? (await openLedger(paths.ledger, opts.db));
    return new BackOffice(paths, settings, issuer, sealed, clearing, list, bytes, ledger, opts.clock, opts.logger, opts.backend);
  }

  async close(): Promise<void> {
    await this.ledger.close();
  }

  now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  get trustText(): string {
    return toQrText('TRUST_LIST', this.trustBytes);
  }

  get rootPublicKey(): string {
    return this.settings.rootPublicKey;
  }

  get currency(): string {
    return this.settings.currency;
  }

  // ---- terminals ----

  /** Verifies a TE1 enrolment request (proof of key possession), certifies the terminal and registers it for clearing. */
  async issueTerminal(request: string | Uint8Array, o: IssueTerminalOptions): Promise<{ cert: TerminalCert; certText: string; bundle: TrustBundle }> {
    const r = verifyEnrolmentRequest(typeof request === 'string' ? request.trim() : request, { trust: this.trust });
    if (!r.ok) throw new TesseraError('VERIFICATION_FAILED', `enrolment request refused: ${r.reason} (${r.detail})`);
    const req = r.value.value;
    const now = this.now();
    const cert: TerminalCert = {
      terminalId: req.terminalId,
      merchantId: o.merchantId,
      displayName: o.displayName,
      mode: o.mode,
      publicKey: req.publicKey,
      notBefore: now - CLOCK_SKEW_ALLOWANCE,
      notAfter: now + (o.days ?? 365) * DAY,
    };
    let certBytes: Uint8Array;
    try {
      certBytes = await signObject('TERMINAL_CERT', cert, this.issuer);
    } catch (e) {
      throw new TesseraError('USAGE', `invalid terminal certificate fields: ${(e as Error).message}`, { cause: e });
    }
    const certText = toQrText('TERMINAL_CERT', certBytes);
    await this.ledger.registerTerminal(
      {
        terminalId: cert.terminalId,
        merchantId: cert.merchantId,
        displayName: cert.displayName,
        mode: cert.mode,
        publicKey: cert.publicKey,
        cert: certText,
        notAfter: cert.notAfter,
        operatorId: o.config?.operatorId ?? null,
        line: o.config?.line ?? null,
      },
      now,
      o.replace,
    );
    const bundle: TrustBundle = { format: BUNDLE_FORMAT, terminalId: cert.terminalId, terminalCert: certText, trustList: this.trustText, rootPublicKey: this.rootPublicKey };
    if (o.config) bundle.config = toQrText('FLEET_MESSAGE', (await this.signConfig(cert.terminalId, o.config)).bytes);
    // Always a fresh deny list: without one the terminal would count the trust list's age instead.
    bundle.denylist = toQrText('FLEET_MESSAGE', (await this.signDenylist()).bytes);
    this.log.info({ terminalId: cert.terminalId, merchantId: cert.merchantId, mode: cert.mode }, 'terminal certified');
    return { cert, certText, bundle };
  }

  /** A signed config fleet message for one terminal, at the next version of that terminal's series; records its route. */
  async signConfig(terminalId: string, config: TerminalConfigBody): Promise<{ version: number; bytes: Uint8Array }> {
    if (!(await this.ledger.getTerminal(terminalId))) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
    const version = await this.ledger.nextVersion(`config:${terminalId}`);
    let bytes: Uint8Array;
    try {
      bytes = await signObject('FLEET_MESSAGE', { kind: FLEET_KIND.config, version, issuedAt: this.now(), target: terminalId, config }, this.issuer);
    } catch (e) {
      throw new TesseraError('USAGE', `invalid terminal config: ${(e as Error).message}`, { cause: e });
    }
    await this.ledger.setTerminalRoute(terminalId, config.operatorId, config.line ?? null);
    return { version, bytes };
  }

  // ---- accounts and purses ----

  async createAccount(id: string, name?: string): Promise<Account> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new TesseraError('USAGE', `account id must be 1-64 of A-Z a-z 0-9 . _ -, got ${id}`);
    return this.ledger.createAccount({ id, kind: 'customer', currency: this.currency, ...(name ? { name } : {}) }, this.now());
  }

  /** `transferId`: the caller's id for this funding (a retry with it credits once). */
  async fund(id: string, amount: number, memo = 'funding', transferId?: string): Promise<Account> {
    positive('amount', amount);
    return this.ledger.fund(id, amount, memo, this.now(), transferId);
  }

  async account(id: string): Promise<Account> {
    const a = (await this.ledger.getAccount(id)) ?? (await this.ledger.getAccount(merchantAccount(id)));
    if (!a) throw new TesseraError('NOT_FOUND', `no account ${id}`);
    return a;
  }

  /** Reserves the cap from the account and signs the purse certificate; the reservation and the certificate are one decision. */
  async issuePurse(o: IssuePurseOptions): Promise<{ purse: PurseRecord; cert: PurseCert; file: PurseFile; replayed: boolean }> {
    positive('cap', o.cap);
    positive('limit', o.perPaymentLimit);
    positive('days', o.days);
    if (o.perPaymentLimit > o.cap) throw new TesseraError('USAGE', `per-payment limit ${o.perPaymentLimit} exceeds the cap ${o.cap}`);
    let walletKey: Uint8Array;
    try {
      walletKey = fromHex(o.walletKey.trim());
    } catch {
      throw new TesseraError('USAGE', 'wallet key must be hex');
    }
    if (!isValidPublicKey(walletKey)) throw new TesseraError('USAGE', 'wallet key must be a 33-byte compressed P-256 public key in hex');
    const now = this.now();
    const cert: PurseCert = {
      purseId: new Uint8Array(randomBytes(16)),
      walletKey,
      currency: this.currency,
      cap: o.cap,
      perPaymentLimit: o.perPaymentLimit,
      notBefore: now - CLOCK_SKEW_ALLOWANCE,
      notAfter: now + o.days * DAY,
    };
    const text = toQrText('PURSE_CERT', await signObject('PURSE_CERT', cert, this.issuer));
    // The certificate leaves only if the reservation committed (createPurse throws otherwise).
    const purse = await this.ledger.createPurse(
      {
        purseId: toHex(cert.purseId),
        account: o.account,
        currency: cert.currency,
        cap: cert.cap,
        perPaymentLimit: cert.perPaymentLimit,
        walletKey: toHex(walletKey),
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        cert: text,
      },
      now,
      o.id,
    );
    // A retry of an id gets the purse issued first: the certificate signed just now is dropped.
    const issued = purse.cert === text ? cert : decodeCert('PURSE_CERT', purse.cert, `purse ${purse.purseId}`);
    this.log.info({ purseId: purse.purseId, account: o.account, cap: o.cap, retry: issued !== cert }, 'purse issued');
    return { purse, cert: issued, file: { format: 'tessera-purse/1', purseCert: purse.cert, trustList: this.trustText, rootPublicKey: this.rootPublicKey }, replayed: issued !== cert };
  }

  /** Closes purses past their validity (plus a grace period for late journals) and returns their unspent reservation. */
  async settleExpired(graceSeconds = 7 * DAY): Promise<{ purseId: string; returned: number }[]> {
    return this.ledger.expirePurses(this.now(), graceSeconds);
  }

  // ---- deny list ----

  /** Adds a purse to the deny list; the next signed list (publish, clearing's next check, a bundle) carries it. */
  async denyPurse(purseId: string, reason = 'denied by operator'): Promise<{ added: boolean; unpublished: number }> {
    if (!/^[0-9a-f]{32}$/.test(purseId)) throw new TesseraError('USAGE', 'purse id must be 32 lowercase hex characters');
    const r = await this.ledger.deny(purseId, reason, this.now());
    return { added: r.added, unpublished: r.unpublished };
  }

  /** The signed ack for a terminal: every record 1..upTo recorded, `hash` its record at upTo, with bounded per-record results. */
  async signAck(terminalId: string, a: { upTo: number; hash: Uint8Array; results: readonly AckResult[] }): Promise<Uint8Array> {
    return signObject('ACK', buildAck(terminalId, a.upTo, a.hash, this.now(), a.results), this.clearingKey);
  }

  /** A signed request that `terminalId` re-send its journal from index `from`. */
  async signResync(terminalId: string, from: number): Promise<Uint8Array> {
    return signObject('RESYNC', { terminalId, from, time: this.now() }, this.clearingKey);
  }

  /**
   * The whole current deny list, signed (role FLEET) at a version newly allocated in the ledger:
   * every signed list, published or bundled, by whichever process, is newer than every one before.
   * The signed bytes are recorded so any publisher can re-publish the newest (see publishDenylist).
   */
  async signDenylist(): Promise<{ version: number; issuedAt: number; purseIds: string[]; bytes: Uint8Array }> {
    const d = await this.ledger.nextDenyList();
    const issuedAt = this.now();
    const bytes = await signObject('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version: d.version, issuedAt, denylist: d.purseIds.map(fromHex) }, this.issuer);
    await this.ledger.recordSigned('denylist', d.version, bytes);
    return { version: d.version, issuedAt, purseIds: d.purseIds, bytes };
  }

  async report(): Promise<Report> {
    return buildReport(this.ledger, this.currency);
  }

  /** Opens the sealed details of a batch's settled (or already settled) payments and keeps them with the settlement. */
  private async openSealed(entries: JournalEntry[], out: BatchOutcome): Promise<void> {
    const settled = new Set(out.outcomes.filter((o) => o.status === 'settled' || o.status === 'duplicate').map((o) => o.txId));
    const payments = entries.filter((e) => settled.has(e.txId));
    if (payments.length > 0) await recordSealedDetails(this.ledger, payments, this.sealedKey.secretKey(), this.now());
  }

  /** Writes a JSON file (bundle, purse file) with mode 0644; refuses to overwrite unless asked. */
  static writeJson(path: string, value: unknown, overwrite = false): void {
    if (overwrite) writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
    else writeNewFile(path, JSON.stringify(value, null, 2) + '\n');
  }

  /** Re-verifies the stored journal of a terminal, chain by chain (old chains under their retired keys). */
  async auditJournal(terminalId: string, chain?: number): Promise<ChainAudit[]> {
    const audits = await auditTerminal(this.ledger, this.trust, terminalId, chain);
    if (audits.length === 0) throw new TesseraError('NOT_FOUND', chain === undefined ? `no terminal ${terminalId}` : `terminal ${terminalId} has no chain ${chain}`);
    return audits;
  }

  /** Reads a terminal certificate from the ledger (for a bundle re-issue or display). */
  async terminalCert(terminalId: string): Promise<TerminalCert> {
    const t = await this.ledger.getTerminal(terminalId);
    if (!t) throw new TesseraError('NOT_FOUND', `no terminal ${terminalId}`);
    return decodeCert('TERMINAL_CERT', t.cert, terminalId);
  }
}

/** A certificate as the ledger stores it (QR text), decoded; `whose` names it in the error. */
function decodeCert<K extends 'TERMINAL_CERT' | 'PURSE_CERT'>(kind: K, text: string, whose: string): K extends 'TERMINAL_CERT' ? TerminalCert : PurseCert {
  const b = fromQrText(kind, text);
  const d = b.ok ? decodeObject(kind, b.value) : b;
  if (!d.ok) throw new TesseraError('DB_CORRUPT', `stored certificate of ${whose}: ${d.detail}`);
  return d.value.value as K extends 'TERMINAL_CERT' ? TerminalCert : PurseCert;
}

/** The trust list installed in the home, verified against the root public key in the settings. */
function readInstalledTrust(paths: BackOfficePaths, settings: BackOfficeSettings, backend?: CryptoBackend): { list: TrustList; bytes: Uint8Array } {
  const text = readFileSync(paths.trustList, 'utf8').trim();
  const bytes = fromQrText('TRUST_LIST', text);
  if (!bytes.ok) throw new TesseraError('CONFIG_INVALID', `${paths.trustList}: ${bytes.detail}`);
  const tl = verifyTrustList(bytes.value, { rootPublicKey: fromHex(settings.rootPublicKey), ...(backend ? { backend } : {}) });
  if (!tl.ok) throw new TesseraError('CONFIG_INVALID', `${paths.trustList}: ${tl.reason} ${tl.detail}`);
  return { list: tl.value.value, bytes: bytes.value };
}
