import t, { type Test } from 'tap';
import { Sqlite as Database } from '#common/node';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTesseraError, ManualClock } from '#common';
import { KeySigner } from '#protocol';
import { seededBytes, seededSecret } from '#protocol/testkit';
import { Store, verifyJournal, openDatabase, SCHEMA_VERSION, type CheckpointTimers } from './index.js';
import { MIGRATIONS } from './migrations.js';
import { TrustedClock } from '../time.js';

const signer = new KeySigner(seededSecret('store-test/terminal'));

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function newStore(t: Test, path = join(tempDir(t), 'terminal.db')): Store {
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  t.teardown(() => s.stop());
  return s;
}

const purseA = seededBytes('purse-a', 16);
const approved = (seq: number, amount = 100) => ({
  txId: seededBytes(`tx-${seq}`, 32),
  payment: seededBytes(`pay-${seq}`, 32),
  approved: true,
  reason: 0,
  amountCharged: amount,
  currency: 'EUR',
  purseId: purseA,
  seq,
  cumulative: seq * amount,
  timeMs: 1_800_000_000_000 + seq,
});

t.test('appends a signed hash chain that verifies, across a reopen', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  await s.appendDecision(approved(1));
  await s.appendDecision({ ...approved(2), approved: false, reason: 13 });
  s.stop();
  const s2 = new Store({ path, terminalId: 'T-1', signer });
  s2.start();
  t.teardown(() => s2.stop());
  t.equal(s2.journalHead, 2);
  const row = await s2.appendDecision(approved(3));
  t.equal(row.idx, 3);
  const check = verifyJournal(s2.handle, signer.publicKey, { terminalId: 'T-1' });
  t.same({ ok: check.ok, records: check.records }, { ok: true, records: 3 });
  t.same(s2.purseState(purseA), { lastSeq: 3, lastCumulative: 300 }, 'declines do not move purse state');
  t.same(s2.purseTotals(purseA), { totalCharged: 200, payments: 2 });
  t.same(s2.purseTotals(seededBytes('purse-never-seen', 16)), { totalCharged: 0, payments: 0 });
  t.equal(s2.findApproved(approved(1).txId)?.idx, 1);
  t.equal(s2.findApproved(approved(2).txId), undefined, 'a declined payment is not an approval');
});

t.test('the replay guard refuses the same purse sequence twice; the journal refuses UPDATE and DELETE', async (t) => {
  const s = newStore(t);
  await s.appendDecision(approved(1));
  await t.rejects(s.appendDecision({ ...approved(1), txId: seededBytes('other', 32) }), { code: 'DB_WRITE_FAILED', details: { replay: true } });
  t.equal(s.journalHead, 1, 'the failed append left no record and no chain gap');
  t.throws(() => s.handle.prepare('UPDATE journal SET amount = 1').run(), /append-only/);
  t.throws(() => s.handle.prepare('DELETE FROM journal').run(), /append-only/);
  const next = await s.appendDecision(approved(2));
  t.equal(next.idx, 2);
  t.ok(verifyJournal(s.handle, signer.publicKey).ok);
});

t.test('the purse state kept in memory always equals the journal query, through replays, declines, lower sequences and a reopen', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const purses = [purseA, seededBytes('purse-b', 16), seededBytes('purse-c', 16)];
  const fromJournal = (s: Store, p: Uint8Array) => {
    const r = s.handle.prepare('SELECT seq, cumulative FROM journal WHERE purse_id = ? AND decision = 0 ORDER BY seq DESC LIMIT 1').get(Buffer.from(p)) as
      | { seq: number; cumulative: number }
      | undefined;
    return r ? { lastSeq: r.seq, lastCumulative: r.cumulative } : undefined;
  };
  let s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  let rnd = 7;
  const next = (n: number) => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) >>> 16) % n;
  let refused = 0;
  for (let i = 0; i < 120; i++) {
    const purseId = purses[next(3)] as Uint8Array;
    if (i % 3 === 0) s.purseState(purseId); // some purses cached before their append, some not
    const seq = 1 + next(12); // repeats (refused as replays) and sequences below the last one
    const d = { ...approved(seq, 10 + next(5)), txId: seededBytes(`tx-${i}`, 32), purseId, approved: next(4) !== 0 };
    try {
      await s.appendDecision(d.approved ? d : { ...d, reason: 13 });
    } catch {
      refused++;
    }
    for (const p of purses) if (JSON.stringify(s.purseState(p)) !== JSON.stringify(fromJournal(s, p))) t.fail(`after append ${i}: purse state differs from the journal`);
    if (i === 60) {
      s.stop();
      s = new Store({ path, terminalId: 'T-1', signer });
      s.start();
    }
  }
  t.ok(refused > 0, 'some appends were refused as replays');
  for (const p of purses) t.same(s.purseState(p), fromJournal(s, p));
  s.stop();
});

t.test('a schema 1 database (separate replay guard and purse tables) migrates to the journal guard with nothing lost', async (t) => {
  const dir = tempDir(t);
  // Real signed records, written by this version, copied into a schema 1 file the way schema 1 stored them.
  const src = newStore(t, join(dir, 'src.db'));
  await src.appendDecision(approved(1));
  await src.appendDecision({ ...approved(2), approved: false, reason: 13 });
  await src.appendDecision(approved(3));
  const rows = src.handle.prepare('SELECT * FROM journal ORDER BY idx').all() as Record<string, unknown>[];
  const path = join(dir, 'v1.db');
  const v1 = new Database(path);
  v1.exec(MIGRATIONS[0] as string);
  v1.pragma('user_version = 1');
  const cols = 'idx, tx_id, record, hash, decision, reason, amount, currency, purse_id, seq, time_ms, latency_us, reference';
  const ins = v1.prepare(`INSERT INTO journal (${cols}) VALUES (${cols.replace(/(\w+)/g, '@$1')})`);
  for (const r of rows) {
    ins.run(r);
    if (r.decision !== 0) continue;
    v1.prepare('INSERT INTO payments (purse_id, seq, tx_id, journal_idx, amount, cumulative) VALUES (?, ?, ?, ?, ?, ?)').run(r.purse_id, r.seq, r.tx_id, r.idx, r.amount, r.cumulative);
    v1.prepare(
      `INSERT INTO purses (purse_id, last_seq, last_cumulative, total_charged, payments) VALUES (?, ?, ?, ?, 1)
       ON CONFLICT(purse_id) DO UPDATE SET last_seq = excluded.last_seq, last_cumulative = excluded.last_cumulative, total_charged = total_charged + excluded.total_charged, payments = payments + 1`,
    ).run(r.purse_id, r.seq, r.cumulative, r.amount);
  }
  v1.close();

  const s = newStore(t, path);
  t.equal(Number(s.handle.pragma('user_version', { simple: true })), SCHEMA_VERSION);
  t.same(
    (s.handle.prepare("SELECT name FROM sqlite_master WHERE name IN ('payments', 'purses')").all() as unknown[]).length,
    0,
    'the old guard tables are gone',
  );
  t.same(
    s.handle.prepare('SELECT idx, cumulative FROM journal ORDER BY idx').all(),
    [
      { idx: 1, cumulative: 100 },
      { idx: 2, cumulative: null },
      { idx: 3, cumulative: 300 },
    ],
    'approved rows carry their cumulative amount, declines none',
  );
  t.match(verifyJournal(s.handle, signer.publicKey, { terminalId: 'T-1' }), { ok: true, records: 3 }, 'every record and the chain are untouched');
  t.same(s.purseState(purseA), { lastSeq: 3, lastCumulative: 300 });
  t.same(s.purseTotals(purseA), { totalCharged: 200, payments: 2 });
  t.equal(s.findApproved(approved(3).txId)?.idx, 3);
  t.equal(s.findApproved(approved(2).txId), undefined, 'the decline is not an approval');
  await t.rejects(s.appendDecision({ ...approved(3), txId: seededBytes('other', 32) }), { code: 'DB_WRITE_FAILED', details: { replay: true } }, 'the guard holds for migrated approvals');
  t.throws(() => s.handle.prepare('UPDATE journal SET cumulative = 1').run(), /append-only/, 'the journal is append-only again');
  t.equal((await s.appendDecision(approved(4))).idx, 4, 'the chain goes on');
});

t.test('storage full: the append fails with DB_WRITE_FAILED and nothing recorded is lost', async (t) => {
  const s = newStore(t);
  for (let i = 1; i <= 5; i++) await s.appendDecision(approved(i));
  const pages = Number(s.handle.pragma('page_count', { simple: true }));
  s.handle.pragma(`max_page_count = ${pages}`);
  let failed = 0;
  for (let i = 6; i <= 200 && failed === 0; i++) {
    try {
      await s.appendDecision({ ...approved(i), payment: seededBytes(`big-${i}`, 32).fill(i % 256) });
    } catch (e) {
      t.ok(isTesseraError(e, 'DB_WRITE_FAILED'), 'a storage error, not a crash');
      failed = i;
    }
  }
  t.ok(failed > 0, 'the database filled up');
  const check = verifyJournal(s.handle, signer.publicKey);
  t.ok(check.ok, 'the chain still verifies');
  t.equal(check.records, failed - 1, 'every record committed before the failure is there');
});

t.test('a corrupt file is refused with DB_CORRUPT and left byte-for-byte untouched', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  for (let i = 1; i <= 20; i++) await s.appendDecision(approved(i));
  s.stop();
  const buf = readFileSync(path);
  buf.fill(0x5a, 4096, 8192); // overwrite the second page
  writeFileSync(path, buf);
  const before = createHash('sha256').update(readFileSync(path)).digest('hex');
  t.throws(() => openDatabase(path), { code: 'DB_CORRUPT' });
  t.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), before);

  const garbage = join(tempDir(t), 'garbage.db');
  writeFileSync(garbage, 'this is not a database, but someone put it here');
  t.throws(() => openDatabase(garbage), { code: 'DB_CORRUPT' });
  t.equal(readFileSync(garbage, 'utf8'), 'this is not a database, but someone put it here');
});

t.test('a database from a newer Tessera is refused with DB_TOO_NEW', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  t.throws(() => openDatabase(path), { code: 'DB_TOO_NEW' });
  const again = new Database(path, { readonly: true });
  t.equal(Number(again.pragma('user_version', { simple: true })), SCHEMA_VERSION + 1);
  again.close();
});

t.test('verifyJournal finds the first tampered, reordered or missing record', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  for (let i = 1; i <= 5; i++) await s.appendDecision(approved(i));
  s.stop();
  const raw = new Database(path);
  t.teardown(() => raw.close());
  raw.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;');
  raw.prepare('UPDATE journal SET amount = 1 WHERE idx = 3').run();
  let r = verifyJournal(raw, signer.publicKey);
  t.match(r, { ok: false, firstBadIndex: 3 });
  raw.prepare('UPDATE journal SET amount = 100 WHERE idx = 3').run();
  t.ok(verifyJournal(raw, signer.publicKey).ok, 'restored');
  const rec = raw.prepare('SELECT record FROM journal WHERE idx = 4').get() as { record: Buffer };
  rec.record.writeUInt8(rec.record.readUInt8(rec.record.length - 1) ^ 1, rec.record.length - 1);
  raw.prepare('UPDATE journal SET record = ? WHERE idx = 4').run(rec.record);
  r = verifyJournal(raw, signer.publicKey);
  t.match(r, { ok: false, firstBadIndex: 4, problem: /BAD_SIGNATURE/ });
  raw.pragma('foreign_keys = OFF');
  raw.prepare('DELETE FROM journal WHERE idx = 2').run();
  t.match(verifyJournal(raw, signer.publicKey), { ok: false, firstBadIndex: 2, problem: /missing/ });
  raw.prepare('DELETE FROM journal WHERE idx > 2').run();
  t.ok(verifyJournal(raw, signer.publicKey).ok, 'a truncated tail is still a valid prefix');
  const other = new KeySigner(seededSecret('someone-else'));
  t.match(verifyJournal(raw, other.publicKey), { ok: false, firstBadIndex: 1, problem: /UNKNOWN_KEY/ });
});

t.test('fleet state: newer versions apply atomically, older ones are refused', async (t) => {
  const s = newStore(t);
  const p1 = seededBytes('p1', 16);
  const p2 = seededBytes('p2', 16);
  t.ok(s.applyFleet('denylist', { version: 2, bytes: new Uint8Array([1]), issuedAt: 1_800_000_000, denylist: [p1] }, 5));
  t.ok(s.isDenied(p1));
  t.notOk(s.applyFleet('denylist', { version: 2, bytes: new Uint8Array([2]), issuedAt: 1_800_000_001, denylist: [p2] }, 6), 'same version');
  t.notOk(s.applyFleet('denylist', { version: 1, bytes: new Uint8Array([2]), issuedAt: 1_800_000_001, denylist: [p2] }, 6), 'rollback');
  t.notOk(s.isDenied(p2));
  t.ok(s.applyFleet('denylist', { version: 3, bytes: new Uint8Array([3]), issuedAt: 1_800_000_002, denylist: [p2] }, 7));
  t.notOk(s.isDenied(p1), 'a new list replaces the old one');
  t.ok(s.isDenied(p2));
  t.equal(s.fleet('denylist')?.version, 3);
  t.equal(s.timeHighWaterMark(), 1_800_000_002_000, 'a signed message advances the time mark');
});

t.test('outbox: acks move forward only and never past the head', async (t) => {
  const s = newStore(t);
  for (let i = 1; i <= 4; i++) await s.appendDecision(approved(i));
  t.equal(s.backlog(), 4);
  t.same(s.unacked(2).map((r) => r.idx), [1, 2]);
  t.equal(await s.ack(2, 1000), 2);
  t.equal(await s.ack(1, 2000), 2, 'an old ack does not move the cursor back');
  t.same(s.unacked(10).map((r) => r.idx), [3, 4]);
  t.equal(await s.ack(99, 3000), 4, 'capped at the journal head');
  t.equal(s.backlog(), 0);
  t.equal(s.lastSyncMs(), 3000);
  t.same(s.unsyncedApproved(), { count: 0, amount: 0 });
});

t.test('trusted time: a clock set back by a day is untrusted; a clock ahead moves the mark', async (t) => {
  const s = newStore(t);
  const clock = new ManualClock(1_800_000_000_000);
  const tc = new TrustedClock(clock, s);
  t.equal(tc.now().ms, 1_800_000_000_000);
  tc.checkpoint();
  clock.setWall(1_800_000_000_000 - 86_400_000);
  t.equal(tc.now().ms, null, 'a day behind the mark');
  t.equal(tc.now().seconds, null);
  clock.setWall(1_800_000_000_000 - 60_000);
  t.equal(tc.now().ms, 1_800_000_000_000, 'within the slack: never earlier than the mark');
  clock.setWall(1_800_000_100_000);
  t.equal(tc.now().ms, 1_800_000_100_000);
  clock.setWall(Date.UTC(1970, 0, 2));
  const fresh = new TrustedClock(clock, { timeHighWaterMark: () => 0, advanceTimeHwm: () => {}, resetTimeHwm: (ms) => ms });
  t.equal(fresh.now().ms, null, 'a clock reset to 1970 is never trusted');
});

t.test('trusted time: a newly applied signed message brings a mark that ran ahead back, only when the clock is untrusted and agrees with it', async (t) => {
  const DAY = 86_400_000;
  const s = newStore(t);
  const clock = new ManualClock(1_800_000_000_000);
  const tc = new TrustedClock(clock, s);
  s.onSignedTime = (ms) => void tc.signedTime(ms);
  const deny = (version: number, issuedAtMs: number) => s.applyFleet('denylist', { version, bytes: new Uint8Array([version]), issuedAt: issuedAtMs / 1000, denylist: [] }, clock.now());
  t.ok(deny(1, 1_800_000_000_000));
  clock.setWall(1_800_000_000_000 + 365 * DAY);
  tc.checkpoint();
  clock.setWall(1_800_000_060_000);
  t.equal(tc.now().ms, null, 'a clock corrected after a jump is behind the mark');
  t.equal(tc.signedTime(1_800_000_000_000 + 30 * DAY), undefined, 'a proof the wall clock is behind changes nothing');
  t.ok(deny(2, 1_800_000_000_000 + 30_000));
  t.equal(tc.now().ms, 1_800_000_060_000, 'the new message proved the present: trusted again');
  t.equal(tc.signedTime(1_800_000_000_000 + 40_000), undefined, 'a trusted clock is never moved back');
  t.equal(s.timeHighWaterMark(), 1_800_000_030_000);
  tc.checkpoint();
  clock.setWall(1_800_000_000_000 - DAY);
  t.equal(tc.now().ms, null);
  t.equal(tc.signedTime(1_800_000_000_000 - DAY), 1_800_000_030_000, 'never below the latest signed issue time seen');
  t.equal(tc.now().ms, null, 'so a clock set back stays untrusted');
});

t.test('decisions move the time mark through the journal head, with no key/value write, and it survives a reopen', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  s.advanceTimeHwm(1_700_000_000_000);
  await s.appendDecision(approved(1));
  await s.appendDecision(approved(2));
  t.equal(s.timeHighWaterMark(), approved(2).timeMs, 'the latest decision is the mark');
  const kv = s.handle.prepare("SELECT value FROM kv WHERE key = 'time_hwm'").get() as { value: string };
  t.equal(kv.value, '1700000000000', 'no time_hwm row written per decision');
  s.stop();
  const again = newStore(t, path);
  t.equal(again.timeHighWaterMark(), approved(2).timeMs, 'after a reopen, from the journal head');
  again.advanceTimeHwm(approved(2).timeMs + 60_000);
  t.equal(again.timeHighWaterMark(), approved(2).timeMs + 60_000, 'a checkpoint ahead of the head still moves it');
  const clock = new ManualClock(approved(2).timeMs - 86_400_000);
  t.equal(new TrustedClock(clock, again).now().ms, null, 'a clock a day behind the last decision is untrusted after a restart');
});

t.test('unsynced totals kept in step with appends, declines, acks, a replay and a reopen match a journal scan', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const purseB = seededBytes('purse-b', 16);
  const scan = (s: Store, purse?: Uint8Array) =>
    s.handle
      .prepare(`SELECT count(*) AS count, coalesce(sum(amount), 0) AS amount FROM journal WHERE idx > ? AND decision = 0${purse ? ' AND purse_id = ?' : ''}`)
      .get(...(purse ? [s.ackedUpTo(), Buffer.from(purse)] : [s.ackedUpTo()])) as { count: number; amount: number };
  const same = (s: Store, what: string) => {
    t.same(s.unsyncedApproved(), scan(s), `${what}: terminal totals`);
    t.equal(s.unsyncedForPurse(purseA), scan(s, purseA).amount, `${what}: purse A`);
    t.equal(s.unsyncedForPurse(purseB), scan(s, purseB).amount, `${what}: purse B`);
  };
  const s = new Store({ path, terminalId: 'T-1', signer });
  s.start();
  for (let i = 1; i <= 5; i++) await s.appendDecision(approved(i, 100 + i));
  await s.appendDecision({ ...approved(6), approved: false, reason: 13 });
  for (let i = 1; i <= 3; i++) await s.appendDecision({ ...approved(i, 7), txId: seededBytes(`b-${i}`, 32), purseId: purseB });
  same(s, 'after appends');
  t.equal(s.unsyncedForPurse(purseA), 101 + 102 + 103 + 104 + 105);
  await t.rejects(s.appendDecision(approved(2)), 'a replayed sequence is refused');
  same(s, 'after a refused append');
  await s.ack(3, 1000);
  same(s, 'after a partial ack');
  await s.ack(2, 1001);
  same(s, 'after an old ack');
  s.stop();
  const s2 = new Store({ path, terminalId: 'T-1', signer });
  s2.start();
  t.teardown(() => s2.stop());
  same(s2, 'after a reopen');
  await s2.ack(s2.journalHead, 2000);
  same(s2, 'after a full ack');
  t.same(s2.unsyncedApproved(), { count: 0, amount: 0 });
  t.equal(s2.unsyncedForPurse(purseA), 0);
});

/** Timers the test fires by hand: the idle checkpoint runs when the test says the terminal is idle. */
function manualTimers(): { timers: CheckpointTimers; fireIdle(): void; armed(): boolean } {
  let pending: (() => void) | undefined;
  return {
    timers: { setTimeout: (fn) => (pending = fn), clearTimeout: () => (pending = undefined), defer: (fn) => fn() },
    fireIdle: () => {
      const f = pending;
      pending = undefined;
      f?.();
    },
    armed: () => pending !== undefined,
  };
}

const walSize = (path: string): number => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

t.test('the WAL is checkpointed when the store goes idle, not by the commit that crosses a size', async (t) => {
  const path = join(tempDir(t), 'terminal.db');
  const m = manualTimers();
  const s = new Store({ path, terminalId: 'T-1', signer, checkpoint: { timers: m.timers } });
  s.start();
  t.teardown(() => s.stop());
  t.equal(Number(s.handle.pragma('wal_autocheckpoint', { simple: true })), 0, 'SQLite auto-checkpoint is off');
  t.equal(s.handle.pragma('synchronous', { simple: true }), 2, 'commits are still FULL (fsync each)');
  const dbBefore = statSync(path).size;
  for (let i = 1; i <= 300; i++) await s.appendDecision(approved(i));
  t.ok(m.armed(), 'an idle checkpoint is pending after a commit');
  t.equal(statSync(path).size, dbBefore, 'no checkpoint ran during 300 commits (the database file did not change)');
  const walBusy = walSize(path);
  m.fireIdle();
  t.ok(statSync(path).size > dbBefore, 'the idle checkpoint copied the journal into the database file');
  const after = s.handle.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
  t.equal(after[0]?.checkpointed, after[0]?.log, 'nothing left to copy');
  // With every frame copied, the next commits start the WAL over instead of growing it.
  for (let i = 301; i <= 600; i++) await s.appendDecision(approved(i));
  m.fireIdle();
  const walAgain = walSize(path);
  // Without the restart it would be about twice the size.
  t.ok(walAgain < walBusy * 1.5, `the WAL file was reused after the checkpoint (${walAgain} bytes, ${walBusy} before)`);
  t.equal(s.journalHead, 600);
});

t.test('under a stream with no pause, the WAL is checkpointed every maxCommits and stays bounded', async (t) => {
  const dir = tempDir(t);
  const run = async (name: string, maxCommits: number, deferred = true): Promise<number> => {
    const path = join(dir, name);
    const m = manualTimers();
    // Not deferred: a stream that never yields to the event loop; the next append runs the checkpoint.
    const timers = deferred ? m.timers : { ...m.timers, defer: () => {} };
    const s = new Store({ path, terminalId: 'T-1', signer, checkpoint: { timers, maxCommits } });
    s.start();
    t.teardown(() => s.stop());
    let largest = 0;
    for (let i = 1; i <= 400; i++) {
      await s.appendDecision(approved(i));
      largest = Math.max(largest, walSize(path));
    }
    return largest;
  };
  const unbounded = await run('unbounded.db', 1e9);
  const bounded = await run('bounded.db', 40);
  t.ok(bounded * 4 < unbounded, `WAL at most ${bounded} bytes with a bound of 40 commits, ${unbounded} without`);
  const starved = await run('starved.db', 40, false);
  t.ok(starved * 4 < unbounded, `WAL at most ${starved} bytes when the deferred checkpoint never gets to run`);
});
