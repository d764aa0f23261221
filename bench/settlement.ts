// Bench: clearing throughput (journal records verified and settled per second, SQLite and PostgreSQL ledgers) vs the bare signature checks per record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackOffice } from '#backoffice';
import { SimulatedTerminal } from '#backoffice/testkit';
import { Wallet } from '#wallet';
import { NodeBackend } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { startPostgres } from '../test/support/postgres.js';
import { interleaved, ratioRow, type BenchRow } from './types.js';

const RECORDS = Number(process.env.BENCH_SETTLEMENT_RECORDS ?? 2_000);
const WALLETS = 20;
const BATCH = 200;

export async function run(): Promise<BenchRow[]> {
  const floor = await verifyFloor();
  const sqlite = await settle(undefined);
  // The same clearing with the ledger in PostgreSQL (its own server, fsync on), one worker.
  const server = await startPostgres();
  let postgres: number;
  try {
    postgres = await settle(await server.createDatabase('bench_settlement'));
  } finally {
    await server.close();
  }
  const floorName = '3 × P-256 verify per record (node:crypto)';
  return [
    ratioRow(`settlement (${RECORDS} records, batches of ${BATCH}, SQLite ledger)`, sqlite, 'records/s', floor, floorName, 0.7),
    ratioRow(`settlement (${RECORDS} records, batches of ${BATCH}, PostgreSQL ledger, 1 worker)`, postgres, 'records/s', floor, floorName, 0.5),
  ];
}

/** Records verified and settled per second (wall clock) by one back office on the given ledger (undefined: SQLite). */
async function settle(db: string | undefined): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-settle-'));
  const bo = await BackOffice.init(join(dir, 'bo'), db ? { db } : {});
  try {
    const term = new SimulatedTerminal('T-BENCH', bo.trust);
    const issued = await bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: 'M-BENCH', displayName: 'Bench' });
    term.install(issued.bundle.terminalCert);
    const wallets: Wallet[] = [];
    for (let i = 0; i < WALLETS; i++) {
      const w = Wallet.create(join(dir, `w${i}`));
      await bo.createAccount(`a${i}`);
      await bo.fund(`a${i}`, 1_000_000);
      const p = await bo.issuePurse({ account: `a${i}`, walletKey: w.publicKey, cap: 1_000_000, perPaymentLimit: 1_000, days: 30 });
      w.importPurse(JSON.stringify(p.file));
      wallets.push(w);
    }
    process.stderr.write(`settlement: preparing ${RECORDS} signed records…\n`);
    for (let i = 0; i < RECORDS; i++) {
      const req = await term.requestPayment(100 + (i % 50), 'EUR');
      const pay = await (wallets[i % WALLETS] as Wallet).payMerchant(req);
      const d = await term.accept(pay.text);
      if (!d.approved) throw new Error(`bench setup: payment ${i} declined (${d.reason})`);
    }
    const batches: Uint8Array[] = [];
    for (let i = 0; i < term.journal.length; i += BATCH) batches.push(term.batch(term.journal.slice(i, i + BATCH)));

    // Settlement is fsync-bound as well as CPU-bound, so it is timed by the wall clock.
    const t0 = performance.now();
    let settled = 0;
    for (const b of batches) {
      const r = await bo.clearing.processBatch('T-BENCH', b);
      settled += r.ack.results.filter((x) => x.status === 'settled').length;
    }
    const seconds = (performance.now() - t0) / 1000;
    if (settled !== RECORDS) throw new Error(`bench: settled ${settled} of ${RECORDS}`);
    return settled / seconds;
  } finally {
    await bo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Floor: the three P-256 verifications a record needs (record, payment, purse certificate), node:crypto. */
export async function verifyFloor(): Promise<number> {
  const w = await createTestWorld({ backend: new NodeBackend() });
  const backend = new NodeBackend();
  const key = w.issuer.publicKey;
  const msg = new Uint8Array(200).fill(7);
  const sig = await w.issuer.sign(msg);
  const bare = interleaved(
    () => {
      backend.verify(key, msg, sig);
    },
    () => {},
    2_000,
    3,
  ).a;
  return bare / 3;
}
