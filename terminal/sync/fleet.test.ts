import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySigner, signObject, type TerminalConfigBody } from '#protocol';
import { createTestWorld, seededBytes, seededSecret } from '#protocol/testkit';
import { Store } from '../store/index.js';
import { applyFleetBytes } from './fleet.js';

const config: TerminalConfigBody = { currency: 'EUR', operatorId: 'OP-METRO', utcOffsetMinutes: 60, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }] };

t.test('fleet messages: valid ones applied atomically, forged, stale and garbage refused', async (t) => {
  const w = await createTestWorld();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-fleet-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new Store({ path: join(dir, 't.db'), terminalId: 'T-1', signer: new KeySigner(seededSecret('fleet-test/t')) });
  store.start();
  t.teardown(() => store.stop());
  const nowMs = w.now * 1000;
  const apply = (kind: 'trust' | 'denylist' | 'config', bytes: Uint8Array) => applyFleetBytes(store, w.root.publicKey, kind, bytes, nowMs, 'T-1');
  const mallory = new KeySigner(seededSecret('mallory'));
  const purse = seededBytes('denied-purse', 16);

  t.match(apply('denylist', await w.fleetDenylist(1, [purse])), { applied: false, reason: 'UNKNOWN_KEY' }, 'no trust list yet: nothing can verify a deny list');

  t.match(apply('trust', seededBytes('garbage', 100)), { applied: false, reason: 'MALFORMED' });
  t.match(apply('trust', await signObject('TRUST_LIST', w.trustList, mallory)), { applied: false, reason: 'UNKNOWN_KEY' }, 'a trust list not signed by the root');
  t.same(apply('trust', w.trustBytes), { applied: true, kind: 'trust', version: 1 });
  t.match(apply('trust', w.trustBytes), { applied: false, reason: 'DUPLICATE' }, 'the same bytes again (retained re-delivery) are not a refusal');
  t.match(apply('trust', await signObject('TRUST_LIST', { ...w.trustList, issuedAt: w.trustList.issuedAt + 1 }, w.root)), { applied: false, reason: 'ROLLBACK' }, 'same version, other bytes');
  t.same(apply('trust', await signObject('TRUST_LIST', { ...w.trustList, version: 2 }, w.root)), { applied: true, kind: 'trust', version: 2 });
  t.match(apply('trust', w.trustBytes), { applied: false, reason: 'ROLLBACK' }, 'an older trust list is a rollback');

  t.match(apply('denylist', await w.fleetDenylist(3, [purse], mallory)), { applied: false, reason: 'UNKNOWN_KEY' }, 'signed by an unknown key');
  t.match(apply('denylist', await w.fleetDenylist(3, [purse], w.root)), { applied: false, reason: 'UNKNOWN_KEY' }, 'the root key is not a FLEET key');
  const good = await w.fleetDenylist(3, [purse]);
  const tampered = good.slice();
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
  t.match(apply('denylist', tampered), { applied: false, reason: 'BAD_SIGNATURE' });
  t.match(apply('denylist', new Uint8Array(0)), { applied: false, reason: 'MALFORMED' });
  t.match(apply('denylist', await w.fleetConfig(9, config)), { applied: false, reason: 'WRONG_TYPE' }, 'a config on the deny-list channel');
  t.equal(store.isDenied(purse), false, 'nothing applied by refusals');
  t.same(apply('denylist', good), { applied: true, kind: 'denylist', version: 3 });
  t.equal(store.isDenied(purse), true, 'the deny list is in force');
  t.match(apply('denylist', await w.fleetDenylist(2, [])), { applied: false, reason: 'ROLLBACK' }, 'a lower version');
  t.equal(store.isDenied(purse), true, 'still in force after the rollback attempt');
  t.equal(store.fleet('denylist')?.version, 3);

  t.match(apply('config', await w.fleetConfig(1, config, 'T-2')), { applied: false, reason: 'WRONG_PAYEE' }, 'a config for another terminal');
  t.same(apply('config', await w.fleetConfig(1, config, 'T-1')), { applied: true, kind: 'config', version: 1 });
  t.equal(store.fleet('config')?.version, 1);

  const untrustedClock = applyFleetBytes(store, w.root.publicKey, 'config', await w.fleetConfig(2, config), null, 'T-1', nowMs);
  t.same(untrustedClock, { applied: true, kind: 'config', version: 2 }, 'with an untrusted clock, signature and version still decide');
});
