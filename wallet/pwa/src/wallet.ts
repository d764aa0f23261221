// The web wallet: the shared wallet core over a WebCrypto key and IndexedDB, committing every payment before it can be shown.
import { TesseraError } from '../../../common/errors.js';
import { decodeObject, fromHex, fromQrText, getDefaultBackend, toHex, verifyReceipt } from '../../../protocol/portable.js';
import {
  balanceOf,
  checkRequest,
  choosePurse,
  merchantPayment,
  purseCertOf,
  sealNote,
  signNext,
  transitPayment,
  verifyPurseFile,
  type CheckedRequest,
  type PurseBalance,
} from '../../core.js';
import { WebCryptoSigner, generateWalletKey } from './keys.js';
import * as store from './store.js';
import type { PaymentRecord, PurseRecord, WalletDb } from './store.js';

export interface WalletClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface PurseView extends PurseBalance {
  state: store.PurseState;
  settled?: number;
}

export class WebWallet {
  private constructor(
    readonly db: WalletDb,
    private readonly signer: WebCryptoSigner,
    private readonly clock: WalletClock,
  ) {}

  /** Opens (or creates, on first run) the wallet: one non-extractable key per browser profile. */
  static async open(o: { db?: WalletDb; clock?: WalletClock } = {}): Promise<WebWallet> {
    const db = o.db ?? (await store.openWalletDb());
    const key = (await store.getKey(db)) ?? (await store.putKeyOnce(db, await generateWalletKey()));
    return new WebWallet(db, new WebCryptoSigner(key), o.clock ?? Date);
  }

  get publicKey(): string {
    return toHex(this.signer.publicKey);
  }

  /** Proof of possession for onboarding: the wallet key signs the back office's challenge. */
  async signChallenge(message: Uint8Array): Promise<Uint8Array> {
    return this.signer.sign(message);
  }

  now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Verifies a purse file for this wallet's key (root → trust list → issuer → certificate) and stores it. */
  async importPurse(fileText: string): Promise<PurseView> {
    const p = verifyPurseFile(fileText, this.signer.publicKey, this.now());
    await store.addPurse(this.db, { ...p, state: 'active' });
    return this.view({ ...p, state: 'active' });
  }

  private view(p: PurseRecord): PurseView {
    return { ...balanceOf(p, this.now()), state: p.state, ...(p.settled !== undefined ? { settled: p.settled } : {}) };
  }

  async purses(): Promise<PurseView[]> {
    return (await store.listPurses(this.db)).map((p) => this.view(p));
  }

  async purseRecords(): Promise<PurseRecord[]> {
    return store.listPurses(this.db);
  }

  async history(): Promise<PaymentRecord[]> {
    return store.listPayments(this.db);
  }

  /** Offline: verifies a terminal's request against the stored trust lists and picks the purse. Signs nothing. */
  async check(requestText: string): Promise<CheckedRequest> {
    const purses = await store.listPurses(this.db);
    const revoked = new Set(purses.filter((p) => p.state !== 'active').map((p) => p.purseId));
    return checkRequest(purses, requestText, this.now(), { isRevoked: (id) => revoked.has(id) });
  }

  /**
   * Signs the payment the person confirmed, commits counter + payment (one strict transaction),
   * and only then returns it for display. A failed commit returns nothing: that signature is dropped.
   */
  async pay(c: CheckedRequest, note?: string): Promise<PaymentRecord> {
    const sealed = note ? sealNote(note, c.purse, this.now()) : undefined;
    const s = await signNext(c.purse, merchantPayment(c, sealed), this.signer, this.now(), { payeeName: c.displayName });
    const rec: PaymentRecord = { ...s.entry, text: s.out.text, terminalKey: c.terminalKey, merchantId: c.merchantId, ...(note ? { note } : {}) };
    performance.mark('tessera:signed');
    await store.commitPayment(this.db, c.purse.seq, s.purse, rec);
    performance.mark('tessera:committed');
    return rec;
  }

  /** Transit: authorises up to `max` to an operator (and line) for a short window, committed before display. */
  async payTransit(o: { operator: string; line?: string; max: number; windowSeconds?: number }): Promise<PaymentRecord> {
    const purses = await store.listPurses(this.db);
    const first = purses[0];
    if (!first) throw new TesseraError('NOT_FOUND', 'this wallet has no purse yet');
    const currency = purseCertOf(first).currency;
    const fields = transitPayment({ ...o, currency }, this.now());
    const revoked = new Set(purses.filter((p) => p.state !== 'active').map((p) => p.purseId));
    const purse = choosePurse(purses, o.max, currency, this.now(), { isRevoked: (id) => revoked.has(id) });
    const s = await signNext(purse, fields, this.signer, this.now(), { payeeName: o.line && o.line !== '*' ? `${o.operator} ${o.line}` : o.operator });
    const rec: PaymentRecord = { ...s.entry, text: s.out.text };
    await store.commitPayment(this.db, purse.seq, s.purse, rec);
    return rec;
  }

  /** A terminal's receipt QR: verified with the key of the certified terminal this wallet paid, then remembered. */
  async verifyReceipt(text: string): Promise<PaymentRecord> {
    const b = fromQrText('RECEIPT', text.trim());
    const d = b.ok ? decodeObject('RECEIPT', b.value) : b;
    if (!d.ok) throw new TesseraError('VERIFICATION_FAILED', `not a Tessera receipt (${d.detail})`);
    const paid = await store.getPayment(this.db, toHex(d.value.value.txId));
    if (!paid?.terminalKey) throw new TesseraError('NOT_FOUND', 'a receipt for a payment this wallet did not make');
    const r = verifyReceipt(b.ok ? b.value : text, { terminalPublicKey: fromHex(paid.terminalKey), trust: { backend: getDefaultBackend() } });
    if (!r.ok) throw new TesseraError('VERIFICATION_FAILED', `the receipt is not signed by ${paid.payeeName ?? paid.payee} (${r.reason})`);
    const rc = r.value.value;
    const receipt = { amount: rc.amount, journalIndex: rc.journalIndex, time: rc.time };
    await store.patchPayment(this.db, paid.txId, { receipt });
    return { ...paid, receipt };
  }
}
