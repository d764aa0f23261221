// Old ledger files open at the current schema: schema 1's records become chain 1; schema 3's stored balances go, merchant ids and settle ids become columns; nothing is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sqlite as Database } from '#common/node';
import t, { type Test } from 'tap';
import { SqliteLedger } from './sqlite-ledger.js';

// The tables schema 2 changed, as schema 1 created them.
const V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1');
CREATE TABLE terminals (
  terminal_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, display_name TEXT NOT NULL, mode TEXT NOT NULL,
  public_key BLOB NOT NULL, cert TEXT NOT NULL, not_after INTEGER NOT NULL, operator_id TEXT, line TEXT,
  last_index INTEGER NOT NULL DEFAULT 0, last_hash BLOB NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE records (
  terminal_id TEXT NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, tx_id TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT, record BLOB NOT NULL, time INTEGER NOT NULL, processed_at INTEGER NOT NULL,
  PRIMARY KEY (terminal_id, idx));
CREATE TABLE held (terminal_id TEXT NOT NULL, idx INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (terminal_id, idx));
CREATE TABLE settlements (
  tx_id TEXT PRIMARY KEY, purse_id TEXT NOT NULL, seq INTEGER NOT NULL, cumulative INTEGER NOT NULL,
  authorised INTEGER NOT NULL, amount INTEGER NOT NULL, terminal_id TEXT NOT NULL, merchant_id TEXT NOT NULL,
  idx INTEGER NOT NULL, payment BLOB NOT NULL, transfer_id INTEGER NOT NULL,
  settled_at INTEGER NOT NULL, UNIQUE (purse_id, seq));
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY, terminal_id TEXT NOT NULL, idx INTEGER, kind TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
INSERT INTO terminals VALUES ('T-1', 'M-1', 'Shop', 'merchant', x'02', 'TC1:x', 9, NULL, NULL, 2, x'aa', 1);
INSERT INTO records VALUES ('T-1', 1, x'01', 'tx1', 'settled', NULL, x'a0', 5, 6), ('T-1', 2, x'aa', 'tx2', 'declined-recorded', NULL, x'a1', 7, 8);
INSERT INTO held VALUES ('T-1', 4, '{"terminalId":"T-1","index":4}');
INSERT INTO incidents VALUES (1, 'T-1', 4, 'gap', 'record 4 held', 9);
`;

/** Writes an old ledger file from `sql` in a temp dir and opens it: it must come up at schema 4. */
function openOld(t: Test, sql: string): { path: string; ledger: SqliteLedger } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ledger.db');
  const old = new Database(path);
  old.exec(sql);
  old.close();
  const ledger = new SqliteLedger(path);
  t.equal((ledger.db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string }).value, '5');
  t.ok(ledger.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'fraud_resolutions'").get(), 'the operator tables are added too');
  return { path, ledger };
}

t.test('a schema-1 ledger is upgraded in place', async (t) => {
  const { path, ledger } = openOld(t, V1);
  t.match(await ledger.getTerminal('T-1'), { chain: 1, lastIndex: 2 });
  t.same((await ledger.chainRecords('T-1', 1)).map((r) => [r.index, r.status]), [[1, 'settled'], [2, 'declined-recorded']]);
  t.same(ledger.db.prepare('SELECT chain, idx, json_extract(entry, \'$.chain\') AS c FROM held').all(), [{ chain: 1, idx: 4, c: 1 }]);
  t.match(await ledger.incidents(), [{ terminalId: 'T-1', kind: 'gap', index: 4, lastIndex: 4, count: 1, at: 9, lastAt: 9 }]);
  t.same((await ledger.chains('T-1')).map((c) => [c.chain, c.retiredAt]), [[1, null]]);
  // Schema 3: funding with a transfer id is idempotent; the money tables are append-only.
  await ledger.createAccount({ id: 'acct', kind: 'customer', currency: 'EUR' }, 10);
  await ledger.fund('acct', 50, 'wire', 10, 'ref-1');
  t.equal((await ledger.fund('acct', 50, 'wire', 10, 'ref-1')).balance, 50);
  t.throws(() => ledger.db.exec('DELETE FROM transfers'), /append-only/);
  // Opening again is a no-op.
  await ledger.close();
  const again = new SqliteLedger(path);
  t.equal((await again.chainRecords('T-1', 1)).length, 2);
  await again.close();
});

// The money tables schema 4 changed, as schema 3 created them, with one settled payment of 250 at merchant M-1.
const V3 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '3');
CREATE TABLE accounts (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, currency TEXT NOT NULL,
  balance INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE transfers (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, debit TEXT NOT NULL, credit TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), ref TEXT, created_at INTEGER NOT NULL, idem TEXT);
CREATE TABLE postings (
  id INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL REFERENCES transfers(id),
  account TEXT NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL);
CREATE INDEX postings_account ON postings(account);
CREATE UNIQUE INDEX transfers_idem ON transfers(idem);
CREATE TRIGGER transfers_no_update BEFORE UPDATE ON transfers BEGIN SELECT RAISE(ABORT, 'transfers is append-only'); END;
INSERT INTO accounts VALUES ('purse:P1', 'purse', NULL, 'EUR', -250, 1), ('merchant:M-1', 'merchant', NULL, 'EUR', 999, 1);
INSERT INTO transfers VALUES (1, 'settle', 'purse:P1', 'merchant:M-1', 250, 'tx1', 2, NULL);
INSERT INTO postings VALUES (1, 1, 'purse:P1', -250), (2, 1, 'merchant:M-1', 250);
`;

t.test('a schema-3 ledger is upgraded in place: balances computed, merchant id and settle id columns filled', async (t) => {
  const { ledger } = openOld(t, V3);
  t.teardown(() => ledger.close());
  t.throws(() => ledger.db.prepare('SELECT balance FROM accounts').all(), /balance/, 'the stored balance column is gone');
  t.equal((await ledger.getAccount('merchant:M-1'))?.balance, 250, 'the balance is the postings, not the drifted 999');
  t.same(ledger.db.prepare("SELECT merchant_id FROM accounts WHERE kind = 'merchant'").all(), [{ merchant_id: 'M-1' }]);
  t.same(ledger.db.prepare('SELECT idem FROM transfers').all(), [{ idem: 'settle:tx1' }]);
  t.throws(() => ledger.db.exec("INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) VALUES ('settle', 'purse:P1', 'merchant:M-1', 250, 'tx1', 3, 'settle:tx1')"), /UNIQUE/);
  t.throws(() => ledger.db.exec("UPDATE transfers SET amount = 1"), /append-only/, 'the update trigger is back');
});
