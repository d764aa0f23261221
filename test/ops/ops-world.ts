// Test fixture for the operator operations: a real back office (SQLite or PostgreSQL), simulated terminals, purses paid with signed payments (sealed details optional), clearing without a broker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '#common';
import { KeySigner, PAYEE, decodeObject, fromQrText, seal, signObject, toHex, toQrText, utf8, type Payment } from '#protocol';
import { BackOffice } from '../../backoffice/backoffice.js';
import { SimulatedTerminal } from '../../backoffice/sim-terminal.js';

/** 2027-01-15 10:00 UTC: a weekday well inside every validity window. */
export const START = 1_800_000_000;

export interface TestPurse {
  purseId: string;
  account: string;
  key: KeySigner;
  cert: Uint8Array;
  seq: number;
  cumulative: number;
}

export interface OpsWorld {
  bo: BackOffice;
  clock: ManualClock;
  now(): number;
  /** The home directory (for the CLI). */
  home: string;
  purse(name: string, cap?: number): Promise<TestPurse>;
  /** Enrols a terminal; `replace` re-enrols the id with a new key (a new journal chain). */
  terminal(id: string, merchantId?: string, replace?: boolean): Promise<SimulatedTerminal>;
  /** Signs a payment of `amount` to the terminal's request and has the terminal accept it; `again` reuses the purse's last sequence (a clone paying twice). */
  pay(t: SimulatedTerminal, p: TestPurse, amount: number, o?: { sealed?: string | Uint8Array; again?: boolean }): Promise<{ txId: string; approved: boolean; index: number }>;
  /** Sends the terminal's backlog through clearing and applies the ack. */
  clear(t: SimulatedTerminal): Promise<void>;
  close(): Promise<void>;
}

/** `start` (Unix seconds, default START): the world's clock; the real time when the CLI, on the real clock, must find every certificate valid. */
export async function opsWorld(db: string | undefined, o: { start?: number } = {}): Promise<OpsWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ops-'));
  const home = join(dir, 'bo');
  const clock = new ManualClock((o.start ?? START) * 1000);
  const now = () => Math.floor(clock.now() / 1000);
  const bo = await BackOffice.init(home, { clock, ...(db ? { db } : {}) });
  return {
    bo,
    clock,
    now,
    home,
    async purse(name, cap = 10_000) {
      const account = `acct-${name}`;
      await bo.createAccount(account, name);
      await bo.fund(account, cap + 5_000);
      const key = KeySigner.generate();
      const r = await bo.issuePurse({ account, walletKey: toHex(key.publicKey), cap, perPaymentLimit: cap, days: 30 });
      const cert = fromQrText('PURSE_CERT', r.file.purseCert);
      if (!cert.ok) throw new Error(cert.detail);
      return { purseId: r.purse.purseId, account, key, cert: cert.value, seq: 0, cumulative: 0 };
    },
    async terminal(id, merchantId = 'M-CAFE', replace = false) {
      const t = new SimulatedTerminal(id, bo.trust, now);
      const r = await bo.issueTerminal(await t.enrolmentRequest(), { mode: 'merchant', merchantId, displayName: 'Shop', replace });
      t.install(r.bundle.terminalCert);
      return t;
    },
    async pay(t, p, amount, o = {}) {
      const req = fromQrText('PAYMENT_REQUEST', await t.requestPayment(amount, bo.currency));
      const d = req.ok ? decodeObject('PAYMENT_REQUEST', req.value) : req;
      if (!d.ok) throw new Error(d.detail);
      if (!o.again) {
        p.seq += 1;
        p.cumulative += amount;
      }
      const payment: Payment = {
        purseCert: p.cert,
        seq: p.seq,
        cumulative: p.cumulative,
        amount,
        currency: bo.currency,
        payeeKind: PAYEE.merchant,
        payee: t.terminalId,
        requestNonce: d.value.value.nonce,
        time: now(),
      };
      if (o.sealed !== undefined) payment.sealed = seal(typeof o.sealed === 'string' ? utf8(o.sealed) : o.sealed, bo.sealedKey.publicKey);
      const r = await t.accept(toQrText('PAYMENT', await signObject('PAYMENT', payment, p.key)));
      if (r.index === undefined || r.txId === undefined) throw new Error(`terminal journalled nothing: ${r.reason ?? ''}`);
      return { txId: r.txId, approved: r.approved, index: r.index };
    },
    async clear(t) {
      const r = await bo.clearing.processBatch(t.terminalId, t.batch());
      t.applyAck(await bo.signAck(t.terminalId, r.ack));
    },
    async close() {
      await bo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
