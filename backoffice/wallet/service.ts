// The wallet API's operations (no HTTP here): challenge, register a proven key for a purse, show, payments, refresh, return.
import { TesseraError } from '#common';
import { fromHex, utf8, verifyWalletProof, type CryptoBackend } from '#protocol';
import type { BackOffice, PurseFile } from '../backoffice.js';
import type { PurseRecord, Settlement } from '../ledger.js';
import { closePurse } from '../ops/close-purse.js';
import { Challenges, loadChallengeKey, type IssuedChallenge } from './challenge.js';

/** What a wallet shows: closed (returned or expired and swept), denied (on the deny list), expired (past notAfter), or active. */
export type PurseState = 'active' | 'denied' | 'expired' | 'closed';

export interface WalletPurse {
  purseId: string;
  state: PurseState;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  /** Sum of the settled payments. */
  spent: number;
  /** Still reserved from the account for it (cap − spent while open, 0 once closed). */
  reserved: number;
  notBefore: number;
  notAfter: number;
  /** Hex of the wallet's 33-byte compressed public key. */
  walletKey: string;
  /** TK1 text of the purse certificate. */
  purseCert: string;
}

export interface IssuedWalletPurse {
  purse: WalletPurse;
  /** The purse file the wallet imports (certificate, trust list, root key). */
  file: PurseFile;
  /** True when this answered a retry of a request already served (nothing new reserved). */
  replayed: boolean;
}

export interface WalletPayment {
  txId: string;
  seq: number;
  amount: number;
  terminalId: string;
  merchantId: string;
  settledAt: number;
}

export interface RegisterRequest {
  /** Hex of the 33-byte compressed P-256 public key (as issue-purse takes it). */
  publicKey: string;
  challenge: string;
  /** Hex of the 64-byte low-S r‖s signature over walletProofMessage(ASCII of challenge). */
  signature: string;
  cap: number;
  perPaymentLimit?: number;
  days?: number;
}

export interface RefreshRequest {
  cap?: number;
  perPaymentLimit?: number;
  days?: number;
  /** The Idempotency-Key: a retry with it names the same new purse (reserved once). */
  idempotencyKey?: string;
}

export interface WalletServiceOptions {
  /** Purse validity when the request names none (days). */
  defaultDays?: number;
  maxDays?: number;
  backend?: CryptoBackend;
  /** Challenge lifetime (s). */
  challengeTtlSeconds?: number;
}

const MAX_PAGE = 500;
/** Most missing sequence numbers a PURSE_UNSETTLED refusal names. */
const MAX_NAMED = 20;

function bytesFromHex(name: string, s: string): Uint8Array {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(s)) throw new TesseraError('USAGE', `${name} must be hex`);
  return fromHex(s.toLowerCase());
}

export class WalletService {
  private readonly challenges: Challenges;
  private readonly defaultDays: number;
  private readonly maxDays: number;

  constructor(
    private readonly bo: BackOffice,
    private readonly opts: WalletServiceOptions = {},
  ) {
    this.challenges = new Challenges(loadChallengeKey(bo.paths.home), opts.challengeTtlSeconds);
    this.defaultDays = opts.defaultDays ?? 30;
    this.maxDays = opts.maxDays ?? 365;
  }

  /** A fresh challenge for the customer's account (the wallet signs it to prove its key). */
  async challenge(account: string): Promise<IssuedChallenge> {
    await this.customerAccount(account);
    return this.challenges.issue(account, this.bo.now());
  }

  /**
   * Registers a wallet key proven by a signature over a challenge of this account, and issues a purse
   * bound to it with `cap` reserved from the account (BackOffice.issuePurse, as the CLI's issue-purse).
   * The same request again (a retry) answers the same purse; another request with a used challenge
   * is CHALLENGE_USED.
   */
  async register(account: string, r: RegisterRequest): Promise<IssuedWalletPurse> {
    const now = this.bo.now();
    const { nonce } = this.challenges.check(account, r.challenge, now);
    const key = bytesFromHex('publicKey', r.publicKey);
    const proof = verifyWalletProof(key, utf8(r.challenge), bytesFromHex('signature', r.signature), this.opts.backend);
    if (!proof.ok) throw new TesseraError('VERIFICATION_FAILED', `key proof refused: ${proof.reason}`);
    const walletKey = r.publicKey.toLowerCase();
    const id = this.challenges.requestId('register', account, nonce);
    const terms = this.terms(r.cap, r.perPaymentLimit, r.days);
    return this.issue({ account, walletKey, ...terms, id }, 'CHALLENGE_USED', 'this challenge already bought another purse; ask for a new one');
  }

  async purse(account: string, purseId: string): Promise<WalletPurse> {
    const p = await this.owned(account, purseId);
    return this.view(p, await this.deniedSet());
  }

  /** The purse's settled payments in sequence order; `cursor` is the last sequence of the previous page. */
  async payments(account: string, purseId: string, o: { limit?: number; cursor?: string } = {}): Promise<{ items: WalletPayment[]; nextCursor: string | null }> {
    await this.owned(account, purseId);
    const limit = o.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new TesseraError('USAGE', `limit must be 1..${MAX_PAGE}`);
    const after = o.cursor === undefined ? 0 : /^(0|[1-9][0-9]{0,15})$/.test(o.cursor) ? Number(o.cursor) : NaN;
    if (!Number.isSafeInteger(after)) throw new TesseraError('USAGE', 'cursor is not one this API returned');
    const rows = await this.bo.ledger.purseSettlements(purseId, after, limit + 1);
    const items = rows.slice(0, limit).map(paymentOf);
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.seq) : null };
  }

  /**
   * A new purse for the same wallet key, while the purse named is active (the key was proven for this
   * account when that purse was issued; an expired, denied or closed one needs a new challenge).
   * The new purse's cap (default: the old cap; more is a top-up) is reserved now; the old purse stays
   * valid until it expires or is returned, so payments already made with it still settle.
   */
  async refresh(account: string, purseId: string, r: RefreshRequest = {}): Promise<IssuedWalletPurse & { replaces: string }> {
    const old = await this.owned(account, purseId);
    const state = this.view(old, await this.deniedSet()).state;
    if (state !== 'active') throw new TesseraError('PURSE_NOT_ACTIVE', `purse ${purseId} is ${state}: register the key again with a new challenge`);
    const terms = this.terms(r.cap ?? old.cap, r.perPaymentLimit ?? Math.min(old.perPaymentLimit, r.cap ?? old.cap), r.days);
    const id = r.idempotencyKey === undefined ? undefined : this.challenges.requestId('refresh', account, purseId, r.idempotencyKey);
    const issued = await this.issue({ account, walletKey: old.walletKey, ...terms, ...(id !== undefined ? { id } : {}) }, 'API_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used for another refresh');
    return { ...issued, replaces: purseId };
  }

  /**
   * Hands a purse back. `lastSeq` is the highest payment sequence the wallet ever signed with it (0:
   * none); every sequence up to it must be settled, or PURSE_UNSETTLED names the missing ones: a
   * payment still on its way from an offline terminal would find the purse closed and its merchant
   * unpaid. (A signed payment never shown to a terminal cannot be told from one on its way: such a
   * purse returns what it did not spend at expiry instead.) Then the operator's close-purse op runs:
   * denied first, then the reservation back to the account; a retry answers the same closure.
   */
  async returnPurse(account: string, purseId: string, o: { lastSeq: number }): Promise<{ purse: WalletPurse; returned: number }> {
    if (!Number.isSafeInteger(o.lastSeq) || o.lastSeq < 0 || o.lastSeq > 2 ** 31) throw new TesseraError('USAGE', 'lastSeq must be an integer 0..2^31');
    const before = await this.owned(account, purseId);
    const settled = (await this.bo.ledger.purseSettlements(purseId, 0, o.lastSeq + 1)).map((s) => s.seq);
    const beyond = settled.find((s) => s > o.lastSeq);
    if (beyond !== undefined) throw new TesseraError('USAGE', `payment ${beyond} of this purse is settled: lastSeq ${o.lastSeq} is below what the wallet signed`);
    if (settled.length < o.lastSeq) {
      const have = new Set(settled);
      const missing: number[] = [];
      for (let s = 1; s <= o.lastSeq && missing.length < MAX_NAMED; s++) if (!have.has(s)) missing.push(s);
      const more = o.lastSeq - settled.length > missing.length ? ', …' : '';
      throw new TesseraError('PURSE_UNSETTLED', `payments ${missing.join(', ')}${more} of this purse are not settled yet: return it once the terminals have synced`, { details: { missing } });
    }
    await closePurse(this.bo.ledger, { purseId, reason: 'returned by the wallet', actor: `customer:${account}`, now: this.bo.now() });
    const after = await this.purse(account, purseId);
    return { purse: after, returned: before.status === 'closed' ? 0 : before.reserved - after.reserved };
  }

  private terms(cap: number, perPaymentLimit: number | undefined, days: number | undefined): { cap: number; perPaymentLimit: number; days: number } {
    const d = days ?? this.defaultDays;
    if (!Number.isSafeInteger(d) || d < 1 || d > this.maxDays) throw new TesseraError('USAGE', `days must be 1..${this.maxDays}`);
    return { cap, perPaymentLimit: perPaymentLimit ?? cap, days: d };
  }

  /**
   * BackOffice.issuePurse, as the CLI's issue-purse. With an issuance id the ledger makes it once only,
   * across processes: the same request again answers the purse issued first (`replayed`); the id used
   * for another request (ALREADY_EXISTS) is the caller's misuse, told in the wallet API's terms.
   */
  private async issue(
    o: { account: string; walletKey: string; cap: number; perPaymentLimit: number; days: number; id?: string },
    usedCode: 'CHALLENGE_USED' | 'API_IDEMPOTENCY_MISMATCH',
    usedMessage: string,
  ): Promise<IssuedWalletPurse> {
    try {
      const issued = await this.bo.issuePurse(o);
      return { purse: this.view(issued.purse, issued.replayed ? await this.deniedSet() : new Set()), file: issued.file, replayed: issued.replayed };
    } catch (e) {
      if (e instanceof TesseraError && e.code === 'ALREADY_EXISTS') throw new TesseraError(usedCode, usedMessage);
      throw e;
    }
  }

  private async customerAccount(account: string): Promise<void> {
    const a = await this.bo.ledger.getAccount(account);
    if (!a || a.kind !== 'customer') throw new TesseraError('NOT_FOUND', `no customer account ${account}`);
  }

  /** The purse when it belongs to the account; another account's purse is NOT_FOUND too (its existence is not told). */
  async owned(account: string, purseId: string): Promise<PurseRecord> {
    const p = /^[0-9a-f]{32}$/.test(purseId) ? await this.bo.ledger.getPurse(purseId) : undefined;
    if (!p || p.account !== account) throw new TesseraError('NOT_FOUND', `no purse ${purseId} for this account`);
    return p;
  }

  async deniedSet(): Promise<Set<string>> {
    return new Set((await this.bo.ledger.denyList()).purseIds);
  }

  view(p: PurseRecord, denied: Set<string>): WalletPurse {
    const state: PurseState = p.status === 'closed' ? 'closed' : denied.has(p.purseId) ? 'denied' : this.bo.now() > p.notAfter ? 'expired' : 'active';
    return {
      purseId: p.purseId,
      state,
      currency: p.currency,
      cap: p.cap,
      perPaymentLimit: p.perPaymentLimit,
      spent: p.spent,
      reserved: p.reserved,
      notBefore: p.notBefore,
      notAfter: p.notAfter,
      walletKey: p.walletKey,
      purseCert: p.cert,
    };
  }
}

const paymentOf = (s: Settlement): WalletPayment => ({ txId: s.txId, seq: s.seq, amount: s.amount, terminalId: s.terminalId, merchantId: s.merchantId, settledAt: s.settledAt });
