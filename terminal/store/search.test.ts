import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySigner } from '#protocol';
import { seededBytes, seededSecret } from '#protocol/testkit';
import { Store, SCHEMA_VERSION } from './index.js';

const T0 = 1_800_000_000_000;

t.test('journal search: by reference and by time range [from, to), through their indexes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-search-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = new Store({ path: join(dir, 'terminal.db'), terminalId: 'T-1', signer: new KeySigner(seededSecret('search-test')) });
  s.start();
  t.teardown(() => s.stop());
  const purse = seededBytes('purse', 16);
  const refs = ['INV-1', undefined, 'INV-2', 'INV-1', undefined];
  for (const [i, reference] of refs.entries()) {
    const seq = i + 1;
    await s.appendDecision({
      txId: seededBytes(`tx-${seq}`, 32),
      payment: seededBytes(`pay-${seq}`, 32),
      approved: seq !== 4,
      reason: seq !== 4 ? 0 : 13,
      amountCharged: seq !== 4 ? 100 : 0,
      currency: 'EUR',
      purseId: purse,
      seq,
      cumulative: seq * 100,
      timeMs: T0 + seq * 60_000,
      ...(reference ? { reference } : {}),
    });
  }
  const idx = (rows: { idx: number }[]): number[] => rows.map((r) => r.idx);
  t.same(idx(s.listRows({ reference: 'INV-1' })), [1, 4]);
  t.same(idx(s.listRows({ reference: 'INV-1', approvedOnly: true })), [1], 'filters combine with approvals only');
  t.same(idx(s.listRows({ reference: 'INV-1', descending: true, limit: 1 })), [4]);
  t.same(idx(s.listRows({ fromMs: T0 + 2 * 60_000, toMs: T0 + 4 * 60_000 })), [2, 3], 'from inclusive, to exclusive');
  t.same(idx(s.listRows({ fromMs: T0 + 3 * 60_000, afterIdx: 3 })), [4, 5], 'pages forward within a filter');
  t.same(idx([...s.iterateRows({ toMs: T0 + 3 * 60_000 })]), [1, 2]);
  t.same(idx([...s.iterateRows()]), [1, 2, 3, 4, 5], 'no filter: every row');

  t.equal(SCHEMA_VERSION, 5);
  const plan = (sql: string, ...args: unknown[]): string =>
    (s.handle.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
  t.match(plan('SELECT * FROM journal WHERE idx > ? AND reference = ? ORDER BY idx DESC LIMIT ?', 0, 'INV-1', 10), /journal_reference/, 'the reference search uses its index');
  t.match(plan('SELECT * FROM journal WHERE 1=1 AND time_ms >= ? AND time_ms < ? ORDER BY idx', T0, T0 + 1), /journal_time/, 'a day uses the time index');
});
