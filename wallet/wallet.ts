// The reference wallet: a key, imported purses, and payments whose sequence is stored durably before they are shown.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TesseraError, systemClock, type Clock } from '#common';
import { createKeyFile, loadKeyFile, signWalletProof, toHex, utf8, type CryptoBackend, type KeySigner, type Payment } from '#protocol';
import {
  balanceOf,
  checkRequest,
  choosePurse,
  merchantPayment,
  sealNote,
  purseCertOf,
  signNext,
  transitPayment,
  verifyPurseFile,
  type PaymentLogEntry,
  type PaymentOutput,
  type PurseBalance,
  type WalletPurse,
} from './core.js';
import { writeDurably, type DurableFs } from './durable.js';

export type { PaymentLogEntry, PaymentOutput, PurseBalance, WalletPurse } from './core.js';

export interface WalletState {
  format: 'tessera-wallet/1';
  purses: WalletPurse[];
  payments: PaymentLogEntry[];
}

export interface WalletOptions {
  clock?: Clock;
  fs?: DurableFs;
  backend?: CryptoBackend;
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

  /** Verifies a purse file (root → trust list → issuer → purse certificate, bound to this wallet's key) and stores it. */
  importPurse(fileText: string): PurseBalance {
    const entry = verifyPurseFile(fileText, this.key.publicKey, this.now(), this.backend);
    if (this.state.purses.some((p) => p.purseId === entry.purseId)) throw new TesseraError('ALREADY_EXISTS', `purse ${entry.purseId} is already imported`);
    const next = { ...this.state, purses: [...this.state.purses, entry] };
    this.persist(next);
    this.state = next;
    return balanceOf(entry, this.now());
  }

  balances(): PurseBalance[] {
    return this.state.purses.map((p) => balanceOf(p, this.now()));
  }

  /**
   * Signs the next payment of a purse. The advanced sequence and cumulative are written durably
   * BEFORE the payment is returned: if the write fails, nothing is returned; if the process dies
   * after the write, the sequence is spent unused, never reused.
   */
  private async sign(p: WalletPurse, fields: Omit<Payment, 'purseCert' | 'seq' | 'cumulative' | 'time'>, log: Partial<PaymentLogEntry>): Promise<PaymentOutput> {
    const s = await signNext(p, fields, this.key, this.now(), log);
    const next: WalletState = {
      ...this.state,
      purses: this.state.purses.map((x) => (x.purseId === p.purseId ? s.purse : x)),
      payments: [...this.state.payments, s.entry].slice(-1000),
    };
    this.persist(next);
    this.state = next;
    return s.out;
  }

  /**
   * Merchant mode: verifies the terminal's request and its certificate against the purse's trust list, then pays it;
   * `note` goes sealed to the issuer (only the back office opens it).
   */
  async payMerchant(requestText: string, o: { purseId?: string; note?: string } = {}): Promise<PaymentOutput> {
    const { note, ...pick } = o;
    const c = checkRequest(this.state.purses, requestText, this.now(), { ...pick, ...(this.backend ? { backend: this.backend } : {}) });
    const sealed = note === undefined ? undefined : sealNote(note, c.purse, this.now(), this.backend);
    const out = await this.sign(c.purse, merchantPayment(c, sealed), { payeeName: c.displayName });
    return { ...out, merchant: { terminalId: c.terminalId, merchantId: c.merchantId, displayName: c.displayName, ...(c.reference ? { reference: c.reference } : {}) } };
  }

  /** Transit mode: authorises up to `max` for an operator (and line, "*" for any) for a short window. */
  async payTransit(o: { operator: string; line?: string; max: number; currency?: string; windowSeconds?: number; purseId?: string }): Promise<PaymentOutput> {
    const first = this.state.purses[0];
    const currency = o.currency ?? (first ? purseCertOf(first).currency : 'EUR');
    const fields = transitPayment({ ...o, currency }, this.now());
    const purse = choosePurse(this.state.purses, o.max, currency, this.now(), o.purseId ? { purseId: o.purseId } : {});
    return this.sign(purse, fields, {});
  }
}
