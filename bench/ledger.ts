// Bench: the ledger alone (no crypto): settlements per second on PostgreSQL against pgbench's TPC-B rate on the same server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PgLedger } from '../backoffice/ledger-pg/pg-ledger.js';
import type { JournalEntry } from '../backoffice/ledger.js';
import { PG_BIN, startPostgres } from '../test/support/postgres.js';
import { Chain, pay } from '../test/ledger/ledger-suite.js';
import { ratioRow, type BenchRow } from './types.js';

const run$ = promisify(execFile);
const RECORDS = Number(process.env.BENCH_LEDGER_RECORDS ?? 4_000);
const PURSES = 20;
const BATCH = 200;
const PGBENCH_SECONDS = Number(process.env.BENCH_PGBENCH_SECONDS ?? 8);
const NOW = 1_800_000_000;

/** pgbench's standard TPC-B-like script, one client, no vacuum: its tps (fsync on, like the ledger). */
async function pgbenchTps(url: string): Promise<number> {
  const bin = join(PG_BIN, 'pgbench');
  await run$(bin, ['-i', '-q', '-s', '1', url]);
  const { stdout } = await run$(bin, ['-n', '-c', '1', '-j', '1', '-T', String(PGBENCH_SECONDS), url]);
  const m = /tps = ([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(m[1]);
}

export async function run(): Promise<BenchRow[]> {
  const server = await startPostgres();
  try {
    const ledger = await PgLedger.open(await server.createDatabase('bench_ledger'));
    try {
      await ledger.registerTerminal({ terminalId: 'T-BENCH', merchantId: 'M-BENCH', displayName: 'Bench', mode: 'merchant', publicKey: new Uint8Array(33).fill(1), cert: 'TC1', notAfter: NOW + 86_400, operatorId: null, line: null }, NOW);
      for (let p = 0; p < PURSES; p++) {
        await ledger.createAccount({ id: `a${p}`, kind: 'customer', currency: 'EUR' }, NOW);
        await ledger.fund(`a${p}`, 10_000_000, 'bench', NOW);
        await ledger.createPurse({ purseId: `P${p}`, account: `a${p}`, currency: 'EUR', cap: 10_000_000, perPaymentLimit: 1_000, walletKey: 'wk', notBefore: NOW, notAfter: NOW + 86_400, cert: 'TK1' }, NOW);
      }
      // Verified records as clearing hands them to the ledger: the crypto is done, only storage is timed.
      const chain = new Chain('T-BENCH');
      const entries: JournalEntry[] = [];
      for (let i = 0; i < RECORDS; i++) {
        const seq = Math.floor(i / PURSES) + 1;
        entries.push(chain.entry(i + 1, pay(`P${i % PURSES}`, seq, seq * 100, 100)));
      }
      const t0 = performance.now();
      let settled = 0;
      for (let i = 0; i < entries.length; i += BATCH) {
        const r = await ledger.applyJournal('T-BENCH', entries.slice(i, i + BATCH), NOW);
        settled += r.outcomes.filter((o) => o.status === 'settled').length;
      }
      const rate = settled / ((performance.now() - t0) / 1000);
      if (settled !== RECORDS) throw new Error(`bench: settled ${settled} of ${RECORDS}`);
      const audit = await ledger.audit();
      if (!audit.ok) throw new Error(`bench: the ledger does not audit: ${audit.problems.join('; ')}`);

      const tps = await pgbenchTps(await server.createDatabase('bench_pgbench'));
      return [ratioRow(`ledger only, PostgreSQL (${RECORDS} settlements, batches of ${BATCH}, 1 worker)`, rate, 'settlements/s', tps, `pgbench TPC-B, 1 client, same server: transactions/s`)];
    } finally {
      await ledger.close();
    }
  } finally {
    await server.close();
  }
}
