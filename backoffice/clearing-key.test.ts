// The clearing key: created 0600 at init and listed with role CLEARING; a home without it (or a list without it) is refused with what to do.
import t from 'tap';
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTesseraError } from '#common';
import { ROLE, equalBytes, createKeyFile, verifyAck } from '#protocol';
import { BackOffice } from './backoffice.js';

t.test('init creates a 0600 clearing key listed with role CLEARING; acks it signs verify', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-clearing-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bo = await BackOffice.init(join(dir, 'bo'));
  t.teardown(() => bo.close());
  t.equal(statSync(bo.paths.clearingKey).mode & 0o777, 0o600, 'key file mode 0600');
  const listed = bo.trustList.keys.filter((k) => (k.roles & ROLE.CLEARING) !== 0);
  t.equal(listed.length, 1, 'one CLEARING key in the trust list');
  t.ok(listed[0] && equalBytes(listed[0].publicKey, bo.clearingKey.publicKey), 'it is the clearing key');
  t.equal(listed[0]?.roles, ROLE.CLEARING, 'with no other role: the issuer key cannot sign acks and the clearing key cannot issue');
  const ack = await bo.signAck('T-1', { upTo: 0, hash: new Uint8Array(32), results: [{ index: 2, status: 'rejected', reason: 'x' }] });
  const v = verifyAck(ack, { trust: bo.trust, now: bo.now(), terminalId: 'T-1', head: 0, hashAt: () => new Uint8Array(32) });
  t.ok(v.ok, 'the signed ack verifies under the trust list');
});

t.test('a home without a clearing key, or whose trust list does not list it, is refused with what to do', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-clearing-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'bo');
  const bo = await BackOffice.init(home);
  await bo.close();
  renameSync(bo.paths.clearingKey, join(dir, 'moved.key'));
  const missing = await BackOffice.open(home).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isTesseraError(missing) && missing.code === 'CONFIG_INVALID', 'CONFIG_INVALID');
  t.match((missing as Error).message, /no clearing key.*role CLEARING/s, 'the message says what to do');

  // A key file the trust list does not name: terminals would refuse its acks, so the back office refuses to start.
  createKeyFile(bo.paths.clearingKey);
  const unlisted = await BackOffice.open(home).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match((unlisted as Error).message, /does not list the clearing key/);

  // The listed key back in place: the home opens again.
  rmSync(bo.paths.clearingKey);
  renameSync(join(dir, 'moved.key'), bo.paths.clearingKey);
  const reopened = await BackOffice.open(home);
  t.teardown(() => reopened.close());
  t.ok(equalBytes(reopened.clearingKey.publicKey, bo.clearingKey.publicKey), 'with its key back, the home opens');
});
