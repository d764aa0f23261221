// The reference wallet: a key, imported purses, and payments whose sequence is stored durably before they are shown.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TesseraError, systemClock, type Clock } from '#common';
import {
  MAX_TRANSIT_WINDOW,
  PAYEE,
  TrustStore,
  createKeyFile,
  decodeObject,
  equalBytes,
  fromHex,
  fromQrText,
  loadKeyFile,
  signObject,
  signWalletProof,
  toHex,
  toQrText,
  transactionId,
  verifyPaymentRequest,
  verifyPurseCert,
  verifyTrustList,
  utf8,
  type CryptoBackend,
  type KeySigner,
  type Payment,
  type PurseCert,
} from '#protocol';
import { writeDurably, type DurableFs } from './durable.js';

export interface WalletPurse {
  purseId: string;
  /** TK1 text. */
  purseCert: string;
  /** TL1 text of the trust list the purse came with. */
  trustList: string;
  rootPublicKey: string;
  /** Last sequence number used (0 before the first payment). */
  seq: number;
  /** Total authorised so far. */
  cumulative: number;
}

export interface PaymentLogEntry {
  purseId: string;
  seq: number;
  cumulative: number;
  amount: number;
  currency: string;
  payeeKind: 'merchant' | 'transit';
  payee: string;
  payeeName?: string;
  txId: string;
  time: number;
}

export interface WalletState {
  format: 'tessera-wallet/1';
  purses: WalletPurse[];
  payments: PaymentLogEntry[];
}

export interface PurseBalance {
  purseId: string;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  cumulative: number;
  /** cap − cumulative authorised. */
  available: number;
  seq: number;
  notAfter: number;
  expired: boolean;
}

export interface PaymentOutput {
  /** TP1 text to show as a QR code. */
  text: string;
  bytes: Uint8Array;
  txId: string;
  purseId: string;
  seq: number;
  cumulative: number;
  amount: number;
  currency: string;
  payeeKind: 'merchant' | 'transit';
  payee: string;
  /** Merchant mode: who the certified terminal belongs to. */
  merchant?: { terminalId: string; merchantId: string; displayName: string; reference?: string };
  validUntil?: number;
}

export interface WalletOptions {
  clock?: Clock;
  fs?: DurableFs;
  backend?: CryptoBackend;
}

/** What a purse file holds (docs/protocol.md §10.1). */
interface PurseFileJson {
  format: string;
  purseCert: string;
  trustList: string;
  rootPublicKey: string;
}

export function defaultWalletHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESSERA_WALLET_HOME ?? join(homedir(), '.tessera-wallet');
}

const keyPath = (home: string) => join(home, 'wallet.key');
const statePath = (home: string) => join(home, 'wallet.json');

export class Wallet {
  private constructor(
    readonly home: string,
    private readonly key: KeySigner,
    private state: WalletState,
    private readonly clock: Clock,
    private readonly fs: DurableFs | undefined,
    private readonly backend: CryptoBackend | undefined,
  ) {}

  /** Creates the wallet key (0600) and an empty state; refuses to replace an existing wallet. */
  static create(home: string, opts: WalletOptions = {}): Wallet {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    if (existsSync(statePath(home)) || existsSync(keyPath(home))) throw new TesseraError('ALREADY_EXISTS', `a wallet already exists in ${home}`);
    const key = createKeyFile(keyPath(home), opts.backend);
    const w = new Wallet(home, key, { format: 'tessera-wallet/1', purses: [], payments: [] }, opts.clock ?? systemClock, opts.fs, opts.backend);
    w.persist(w.state);
    return w;
  }

  static open(home: string, opts: WalletOptions = {}): Wallet {
    if (!existsSync(statePath(home))) throw new TesseraError('CONFIG_NOT_FOUND', `no wallet in ${home} (run: tessera-wallet create)`);
    const key = loadKeyFile(keyPath(home), opts.backend);
    let state: WalletState;
    try {
      state = JSON.parse(readFileSync(statePath(home), 'utf8')) as WalletState;
      if (state.format !== 'tessera-wallet/1' || !Array.isArray(state.purses)) throw new Error('not a tessera-wallet/1 file');
    } catch (e) {
      throw new TesseraError('CONFIG_INVALID', `${statePath(home)}: ${(e as Error).message}`, { cause: e });
    }
    return new Wallet(home, key, state, opts.clock ?? systemClock, opts.fs, opts.backend);
  }

  get publicKey(): string {
    return toHex(this.key.publicKey);
  }

  /** Hex of this key's signature over a back office's challenge (its ASCII text): the wallet API's proof of key possession. */
  async proveKey(challenge: string): Promise<string> {
    return toHex(await signWalletProof(this.key, utf8(challenge)));
  }

  get purses(): readonly WalletPurse[] {
    return this.state.purses;
  }

  get payments(): readonly PaymentLogEntry[] {
    return this.state.payments;
  }

  private now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private persist(next: WalletState): void {
    writeDurably(statePath(this.home), JSON.stringify(next, null, 2) + '\n', 0o600, this.fs);
  }

  private trustOf(p: Pick<WalletPurse, 'trustList' | 'rootPublicKey'>): TrustStore {
    const b = fromQrText('TRUST_LIST', p.trustList);
    if (!b.ok) throw new TesseraError('VERIFICATION_FAILED', `trust list: ${b.detail}`);
    const tl = verifyTrustList(b.value, { rootPublicKey: fromHex(p.rootPublicKey), ...(this.backend ? { backend: this.backend } : {}) });
    if (!tl.ok) throw new TesseraError('VERIFICATION_FAILED', `trust list: ${tl.reason} (${tl.detail})`);
    return new TrustStore(tl.value.value, this.backend);
  }

  private certOf(p: WalletPurse): PurseCert {
    const b = fromQrText('PURSE_CERT', p.purseCert);
    const d = b.ok ? decodeObject('PURSE_CERT', b.value) : b;
    if (!d.ok) throw new TesseraError('CONFIG_INVALID', `stored purse ${p.purseId}: ${d.detail}`);
    return d.value.value;
  }

  /** Verifies a purse file (root → trust list → issuer → purse certificate, bound to this wallet's key) and stores it. */
  importPurse(fileText: string): PurseBalance {
    let f: PurseFileJson;
    try {
      f = JSON.parse(fileText) as PurseFileJson;
    } catch (e) {
      throw new TesseraError('USAGE', `purse file is not JSON: ${(e as Error).message}`);
    }
    if (f.format !== 'tessera-purse/1' || typeof f.purseCert !== 'string' || typeof f.trustList !== 'string' || typeof f.rootPublicKey !== 'string') {
      throw new TesseraError('USAGE', 'not a tessera-purse/1 file');
    }
    const trust = this.trustOf(f);
    const v = verifyPurseCert(f.purseCert.trim(), { trust, now: this.now() });
    if (!v.ok) throw new TesseraError('VERIFICATION_FAILED', `purse certificate refused: ${v.reason} (${v.detail})`);
    const cert = v.value.value;
    if (!equalBytes(cert.walletKey, this.key.publicKey)) throw new TesseraError('VERIFICATION_FAILED', 'the purse was issued to another wallet key');
    const purseId = toHex(cert.purseId);
    if (this.state.purses.some((p) => p.purseId === purseId)) throw new TesseraError('ALREADY_EXISTS', `purse ${purseId} is already imported`);
    const entry: WalletPurse = { purseId, purseCert: f.purseCert.trim(), trustList: f.trustList.trim(), rootPublicKey: f.rootPublicKey, seq: 0, cumulative: 0 };
    const next = { ...this.state, purses: [...this.state.purses, entry] };
    this.persist(next);
    this.state = next;
    return this.balanceOf(entry);
  }

  private balanceOf(p: WalletPurse): PurseBalance {
    const c = this.certOf(p);
    return {
      purseId: p.purseId,
      currency: c.currency,
      cap: c.cap,
      perPaymentLimit: c.perPaymentLimit,
      cumulative: p.cumulative,
      available: c.cap - p.cumulative,
      seq: p.seq,
      notAfter: c.notAfter,
      expired: this.now() > c.notAfter,
    };
  }

  balances(): PurseBalance[] {
    return this.state.purses.map((p) => this.balanceOf(p));
  }

  private choosePurse(amount: number, currency: string, purseId?: string, candidates = this.state.purses): WalletPurse {
    const list = purseId ? candidates.filter((p) => p.purseId === purseId) : candidates;
    if (list.length === 0) throw new TesseraError('NOT_FOUND', purseId ? `no purse ${purseId} for this payment` : 'no purse imported (run: tessera-wallet import-purse FILE)');
    const why: string[] = [];
    for (const p of list) {
      const b = this.balanceOf(p);
      if (b.currency !== currency) why.push(`${p.purseId}: holds ${b.currency}`);
      else if (b.expired) why.push(`${p.purseId}: expired`);
      else if (amount > b.perPaymentLimit) why.push(`${p.purseId}: ${amount} is over the per-payment limit ${b.perPaymentLimit}`);
      else if (amount > b.available) why.push(`${p.purseId}: only ${b.available} left`);
      else return p;
    }
    throw new TesseraError('INSUFFICIENT_FUNDS', `no purse can pay ${amount} ${currency}: ${why.join('; ')}`);
  }

  /**
   * Signs the next payment of a purse. The advanced sequence and cumulative are written durably
   * BEFORE the payment is returned: if the write fails, nothing is returned; if the process dies
   * after the write, the sequence is spent unused, never reused.
   */
  private async sign(p: WalletPurse, fields: Omit<Payment, 'purseCert' | 'seq' | 'cumulative' | 'time'>, log: Partial<PaymentLogEntry>): Promise<PaymentOutput> {
    const c = this.certOf(p);
    const payment: Payment = {
      purseCert: fromQrTextOrThrow(p.purseCert),
      seq: p.seq + 1,
      cumulative: p.cumulative + fields.amount,
      time: this.now(),
      ...fields,
    };
    const bytes = await signObject('PAYMENT', payment, this.key);
    const d = decodeObject('PAYMENT', bytes);
    if (!d.ok) throw new TesseraError('PROTOCOL_ENCODE', d.detail);
    const txId = toHex(transactionId(d.value.sign1));
    const payeeKind = fields.payeeKind === PAYEE.merchant ? 'merchant' : 'transit';
    const entry: PaymentLogEntry = {
      purseId: p.purseId,
      seq: payment.seq,
      cumulative: payment.cumulative,
      amount: payment.amount,
      currency: c.currency,
      payeeKind,
      payee: payment.payee,
      txId,
      time: payment.time,
      ...log,
    };
    const next: WalletState = {
      ...this.state,
      purses: this.state.purses.map((x) => (x.purseId === p.purseId ? { ...x, seq: payment.seq, cumulative: payment.cumulative } : x)),
      payments: [...this.state.payments, entry].slice(-1000),
    };
    this.persist(next);
    this.state = next;
    return {
      text: toQrText('PAYMENT', bytes),
      bytes,
      txId,
      purseId: p.purseId,
      seq: payment.seq,
      cumulative: payment.cumulative,
      amount: payment.amount,
      currency: payment.currency,
      payeeKind,
      payee: payment.payee,
      ...(payment.validUntil !== undefined ? { validUntil: payment.validUntil } : {}),
    };
  }

  /** Merchant mode: verifies the terminal's request and its certificate against the purse's trust list, then pays it. */
  async payMerchant(requestText: string, o: { purseId?: string } = {}): Promise<PaymentOutput> {
    const now = this.now();
    let last = 'no purse imported';
    for (const p of this.state.purses.filter((x) => !o.purseId || x.purseId === o.purseId)) {
      const r = verifyPaymentRequest(requestText.trim(), { trust: this.trustOf(p), now });
      if (!r.ok) {
        last = `${r.reason} (${r.detail})`;
        continue;
      }
      const req = r.value.request.value;
      const term = r.value.terminal.value;
      const purse = this.choosePurse(req.amount, req.currency, undefined, this.state.purses.filter((x) => x.trustList === p.trustList && (!o.purseId || x.purseId === o.purseId)));
      const out = await this.sign(
        purse,
        { amount: req.amount, currency: req.currency, payeeKind: PAYEE.merchant, payee: term.terminalId, requestNonce: req.nonce },
        { payeeName: term.displayName },
      );
      return { ...out, merchant: { terminalId: term.terminalId, merchantId: term.merchantId, displayName: term.displayName, ...(req.reference ? { reference: req.reference } : {}) } };
    }
    throw new TesseraError('VERIFICATION_FAILED', `payment request refused: ${last}`);
  }

  /** Transit mode: authorises up to `max` for an operator (and line, "*" for any) for a short window. */
  async payTransit(o: { operator: string; line?: string; max: number; currency?: string; windowSeconds?: number; purseId?: string }): Promise<PaymentOutput> {
    if (!Number.isSafeInteger(o.max) || o.max <= 0) throw new TesseraError('USAGE', `max must be a positive integer, got ${o.max}`);
    const window = o.windowSeconds ?? 60;
    if (window <= 0 || window > MAX_TRANSIT_WINDOW) throw new TesseraError('USAGE', `window must be 1..${MAX_TRANSIT_WINDOW} seconds`);
    const first = this.state.purses[0];
    const currency = o.currency ?? (first ? this.certOf(first).currency : 'EUR');
    const purse = this.choosePurse(o.max, currency, o.purseId);
    const now = this.now();
    try {
      return await this.sign(purse, { amount: o.max, currency, payeeKind: PAYEE.transit, payee: o.operator, line: o.line ?? '*', validUntil: now + window }, {});
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError('USAGE', `invalid transit payment: ${(e as Error).message}`, { cause: e });
    }
  }
}

function fromQrTextOrThrow(text: string): Uint8Array {
  const b = fromQrText('PURSE_CERT', text);
  if (!b.ok) throw new TesseraError('CONFIG_INVALID', `stored purse certificate: ${b.detail}`);
  return b.value;
}
