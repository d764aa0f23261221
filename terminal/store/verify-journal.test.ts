import t, { type Test } from 'tap';
import { Sqlite as Database } from '#common/node';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySigner, buildAck, decodeObject, signObject, transactionId, type Signer } from '#protocol';
import { createTestWorld, seededSecret } from '#protocol/testkit';
import { SYNC_CLEARING, SYNC_FLEET, SYNC_ROOT, installSyncTrust } from '../../test/support/sync-trust.js';
import { ACK_KEY, Store, verifyJournal, verifyJournalAck, verifyJournalHead, type DecisionInput, type JournalCheck } from './index.js';

const signer = new KeySigner(seededSecret('verify-test/terminal'));

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-verify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An ack the back office (or `by`) signs for record `upTo` of a journal at `path`. */
async function signedAck(path: string, upTo: number, opts: { by?: Signer; terminalId?: string } = {}): Promise<Uint8Array> {
  const db = new Database(path, { readonly: true });
  const row = db.prepare('SELECT hash FROM journal WHERE idx = ?').get(upTo) as { hash: Buffer };
  db.close();
  return signObject('ACK', buildAck(opts.terminalId ?? 'T-0001', upTo, new Uint8Array(row.hash), 1_800_000_100, []), opts.by ?? SYNC_CLEARING);
}

/**
 * A journal of real signed payments: approvals with references, and one decline, acked up to 3 by
 * a real CLEARING-signed ack (or `ack`, as whoever rewrites a journal would copy it over).
 */
async function journal(t: Test, opts: { amount?: number; ack?: Uint8Array } = {}): Promise<string> {
  const amount = opts.amount ?? 100;
  const world = await createTestWorld();
  const purse = await world.purse();
  const path = join(tempDir(t), 'terminal.db');
  const s = new Store({ path, terminalId: 'T-0001', signer });
  s.start();
  await installSyncTrust(s);
  for (let seq = 1; seq <= 6; seq++) {
    const p = await world.payment(purse, { seq, amount, cumulative: amount * seq });
    const d = decodeObject('PAYMENT', p.bytes);
    if (!d.ok) throw new Error('test payment does not decode');
    const approved = seq !== 4;
    const input: DecisionInput = {
      txId: transactionId(d.value.sign1),
      payment: p.bytes,
      approved,
      reason: approved ? 0 : 13,
      amountCharged: approved ? amount : 0,
      purseId: purse.cert.purseId,
      seq,
      timeMs: 1_800_000_000_000 + seq * 1_000 + 500,
      ...(approved ? { currency: 'EUR', cumulative: amount * seq, reference: `R-${seq}` } : {}),
    };
    await s.appendDecision(input);
  }
  await s.ack(3, 1_800_000_100_000, opts.ack ?? (await signedAck(path, 3)));
  await s.checkpointHead();
  s.stop();
  return path;
}

function check(path: string): JournalCheck {
  const db = new Database(path, { readonly: true });
  try {
    const chain = verifyJournal(db, signer.publicKey, { terminalId: 'T-0001' });
    const head = chain.ok ? verifyJournalHead(db, signer.publicKey, chain, { terminalId: 'T-0001' }) : chain;
    return head.ok ? verifyJournalAck(db, SYNC_ROOT.publicKey, head, { terminalId: 'T-0001' }) : head;
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
  t.match(check(path), { ok: true, records: 6, ack: { upTo: 3, time: 1_800_000_100 } });
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

t.test('the last signed ack anchors the journal: rewritten or rolled back below what the back office acknowledged', async (t) => {
  const path = await journal(t);
  const ackHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  // Whoever holds the terminal key can build another journal, chain and head checkpoint included,
  // and copy the back office's ack over: only the ack (a CLEARING signature) tells them apart.
  const db = new Database(path, { readonly: true });
  const real = Buffer.from((db.prepare('SELECT value FROM kv WHERE key = ?').get(ACK_KEY) as { value: string }).value, 'hex');
  db.close();
  const rewritten = await journal(t, { amount: 50, ack: real });
  const db2 = new Database(rewritten, { readonly: true });
  const chain = verifyJournal(db2, signer.publicKey, { terminalId: 'T-0001' });
  t.match(chain.ok && verifyJournalHead(db2, signer.publicKey, chain, { terminalId: 'T-0001' }), { ok: true, records: 6 }, 'its chain and terminal-signed head verify');
  db2.close();
  t.match(check(rewritten), { ok: false, firstBadIndex: 3, problem: /^record 3 is not the one the back office acknowledged .*rewritten below what the back office acknowledged/ }, 'a rewritten journal, re-signed with the terminal key');

  // Cut back to 2 records with the cursor and the checkpoint re-signed by the terminal key to match.
  const cut = tampered(t, path, "DELETE FROM journal WHERE idx > 2; UPDATE kv SET value = '2' WHERE key = 'acked_upto'; DELETE FROM kv WHERE key = 'head_checkpoint'");
  const s = new Store({ path: cut, terminalId: 'T-0001', signer });
  s.start();
  await s.checkpointHead();
  s.stop();
  t.match(check(cut), { ok: false, problem: /acknowledged records up to 3 but the journal ends at 2: acknowledged records are gone/ }, 'rolled back below the ack');

  const forged = ackHex(await signedAck(path, 3, { by: SYNC_FLEET }));
  const other = ackHex(await signedAck(path, 3, { terminalId: 'T-0002' }));
  const older = ackHex(await signedAck(path, 2));
  const cases: [string, string, RegExp][] = [
    ['ack removed', `DELETE FROM kv WHERE key = '${ACK_KEY}'`, /^acked_upto is 3 but no ack signed by the back office is stored with it/],
    ['ack not hex', `UPDATE kv SET value = 'zz' WHERE key = '${ACK_KEY}'`, /^the stored ack is not well-formed/],
    ['ack signed by a key without the CLEARING role', `UPDATE kv SET value = '${forged}' WHERE key = '${ACK_KEY}'`, /^the stored ack is not signed by a CLEARING key of the trust list in force: UNKNOWN_KEY/],
    ['ack for another terminal', `UPDATE kv SET value = '${other}' WHERE key = '${ACK_KEY}'`, /^the stored ack is for another terminal/],
    ['an older genuine ack', `UPDATE kv SET value = '${older}' WHERE key = '${ACK_KEY}'`, /^acked_upto is 3 but the stored ack from the back office acknowledges 2/],
    ['trust list removed', "DELETE FROM fleet WHERE kind = 'trust'", /^no trust list is applied/],
    ['trust list replaced', "UPDATE fleet SET bytes = x'00' WHERE kind = 'trust'", /^the applied trust list does not verify against the installed root key/],
  ];
  for (const [what, sql, problem] of cases) t.match(check(tampered(t, path, sql)), { ok: false, problem }, what);
});
