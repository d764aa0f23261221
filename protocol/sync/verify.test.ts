// verifyAck and verifyResync beyond the vectors: acks never enter the issued-signature cache; head + 1 and replays.
import t from 'tap';
import { recordHash, signObject } from '../codec.js';
import { createTestWorld } from '../testkit.js';
import { buildAck } from './ack.js';
import { verifyAck, verifyResync } from './verify.js';

t.test('a verified ack is not cached (it would push purse certificates out of the bounded LRU)', async (t) => {
  const w = await createTestWorld({ seed: 'sync-verify' });
  const rec = new Uint8Array([1, 2, 3]);
  const ack = await signObject('ACK', buildAck('T-1', 1, recordHash(rec), w.now, []), w.clearing);
  const ctx = { trust: w.trust, now: w.now, terminalId: 'T-1', head: 1, hashAt: (i: number) => (i === 1 ? recordHash(rec) : undefined) };
  t.ok(verifyAck(ack, ctx).ok);
  t.equal(w.trust.cachedIssued('CLEARING', ack), undefined, 'nothing remembered for the ack bytes');
  t.match(verifyAck(ack, { ...ctx, hashAt: () => undefined }), { ok: false, reason: 'CHAIN_MISMATCH' }, 'a terminal without the record refuses it');
});

t.test('resync: from = head + 1 is accepted, a replay of the same request is refused', async (t) => {
  const w = await createTestWorld({ seed: 'sync-verify' });
  const r = await signObject('RESYNC', { terminalId: 'T-1', from: 6, time: w.now }, w.clearing);
  const ctx = { trust: w.trust, now: w.now, terminalId: 'T-1', head: 5 };
  t.ok(verifyResync(r, ctx).ok, 'from 6 at head 5');
  t.match(verifyResync(r, { ...ctx, head: 4 }), { ok: false, reason: 'BEYOND_HEAD' });
  t.match(verifyResync(r, { ...ctx, lastTime: w.now }), { ok: false, reason: 'ROLLBACK' });
  t.ok(verifyResync(r, { ...ctx, now: null }).ok, 'without trusted time the key window is not checked, as for fleet messages');
});
