import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySigner, createTestWorld, decodeObject, seededSecret, transactionId } from '#protocol';
import { Store, verifyJournal, verifyJournalHead, type DecisionInput, type JournalCheck } from './index.js';

const signer = new KeySigner(seededSecret('verify-test/terminal'));

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-verify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A journal of real signed payments: approvals with references, and one decline, acked up to 3. */
async function journal(t: Test): Promise<string> {
  const world = await createTestWorld();
  const purse = await world.purse();
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-0001', signer });
  s.start();
  for (let seq = 1; seq <= 6; seq++) {
    const p = await world.payment(purse, { seq, amount: 100, cumulative: 100 * seq });
    const d = decodeObject('PAYMENT', p.bytes);
    if (!d.ok) throw new Error('test payment does not decode');
    const approved = seq !== 4;
    const input: DecisionInput = {
      txId: transactionId(d.value.sign1),
      payment: p.bytes,
      approved,
      reason: approved ? 0 : 13,
      amountCharged: approved ? 100 : 0,
      purseId: purse.cert.purseId,
      seq,
      timeMs: 1_800_000_000_000 + seq * 1_000 + 500,
      ...(approved ? { currency: 'EUR', cumulative: 100 * seq, reference: `R-${seq}` } : {}),
    };
    await s.appendDecision(input);
  }
  await s.ack(3, 1_800_000_100_000);
  await s.checkpointHead();
  s.stop();
  return path;
}

function check(path: string): JournalCheck {
  const db = new Database(path, { readonly: true });
  try {
    const chain = verifyJournal(db, signer.publicKey, { terminalId: 'T-0001' });
    return chain.ok ? verifyJournalHead(db, signer.publicKey, chain, { terminalId: 'T-0001' }) : chain;
  } finally {
    db.close();
  }
}

/** A copy of the journal with `sql` run on it (append-only triggers lifted, as an attacker would). */
function tampered(t: Test, path: string, sql: string): string {
  const copy = join(tempDir(t), 'copy.db');
  copyFileSync(path, copy);
  const db = new Database(copy);
  db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;');
  db.exec(sql);
  db.close();
  return copy;
}

t.test('an untouched journal verifies, head and cursor included', async (t) => {
  const path = await journal(t);
  t.match(check(path), { ok: true, records: 6 });
});

t.test('every column the signature does not cover directly is checked against the signed record', async (t) => {
  const path = await journal(t);
  const edits: [string, string][] = [
    ['seq', 'UPDATE journal SET seq = 99 WHERE idx = 2'],
    ['cumulative', 'UPDATE journal SET cumulative = 1 WHERE idx = 2'],
    ['purse_id', "UPDATE journal SET purse_id = x'00112233445566778899aabbccddeeff' WHERE idx = 2"],
    ['currency', "UPDATE journal SET currency = 'USD' WHERE idx = 2"],
    ['reference', "UPDATE journal SET reference = 'R-forged' WHERE idx = 2"],
    ['reference', 'UPDATE journal SET reference = NULL WHERE idx = 2'],
    ['time_ms', 'UPDATE journal SET time_ms = time_ms + 3600000 WHERE idx = 2'],
    ['reason', 'UPDATE journal SET reason = 1 WHERE idx = 4'],
    ['seq', 'UPDATE journal SET seq = 7 WHERE idx = 4'],
    ['amount', 'UPDATE journal SET amount = 1 WHERE idx = 2'],
  ];
  for (const [column, sql] of edits) {
    t.match(check(tampered(t, path, sql)), { ok: false, firstBadIndex: sql.includes('idx = 4') ? 4 : 2, problem: `row columns differ from the signed record (${column})` }, sql);
  }
});

t.test('the head is anchored: deleted tail rows and an edited acked_upto are found', async (t) => {
  const path = await journal(t);
  t.match(check(tampered(t, path, 'DELETE FROM journal WHERE idx > 4')), { ok: false, problem: /ends at 4 but its signed head checkpoint says 6/ }, 'last two rows deleted');
  t.match(check(tampered(t, path, 'DELETE FROM journal WHERE idx = 6')), { ok: false, problem: /deleted from the end/ }, 'last row deleted');
  t.match(check(tampered(t, path, "UPDATE kv SET value = '6' WHERE key = 'acked_upto'")), { ok: false, problem: /acked_upto is 6 but the signed head checkpoint says 3/ }, 'cursor moved forward');
  t.match(check(tampered(t, path, "UPDATE kv SET value = '1' WHERE key = 'acked_upto'")), { ok: false, problem: /acked_upto is 1/ }, 'cursor moved back');
  t.match(check(tampered(t, path, "DELETE FROM kv WHERE key = 'head_checkpoint'")), { ok: false, problem: /checkpoint is missing/ }, 'checkpoint removed');
  t.match(check(tampered(t, path, "UPDATE kv SET value = replace(value, '\"idx\":6', '\"idx\":4') WHERE key = 'head_checkpoint'")), { ok: false, problem: /signature does not verify/ }, 'checkpoint edited');
});

t.test('a store opened over a contradicted checkpoint does not sign a new one over it', async (t) => {
  const path = tampered(t, await journal(t), 'DELETE FROM journal WHERE idx > 4');
  const s = new Store({ path, terminalId: 'T-0001', signer });
  s.start();
  await s.checkpointHead();
  await s.ack(4, 1_800_000_200_000);
  s.stop();
  t.match(check(path), { ok: false, problem: /ends at 4 but its signed head checkpoint says 6/ }, 'the evidence stays');
});
