import t from 'tap';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeySigner } from '#protocol';
import { seededSecret } from '#protocol/testkit';
import { Store, createDatabase, openDatabase } from './index.js';

t.test('a zero-length database file is refused as damaged and left at 0 bytes (never started as an empty journal)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-open-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'terminal.db');
  writeFileSync(path, '');
  t.throws(() => openDatabase(path), { code: 'DB_CORRUPT', message: /is damaged \(the file is empty \(0 bytes\)\); it was not modified/ });
  t.throws(() => openDatabase(path, { readonly: true }), { code: 'DB_CORRUPT' }, 'verify-journal refuses it too');
  const store = new Store({ path, terminalId: 'T-1', signer: new KeySigner(seededSecret('open-test')) });
  t.throws(() => store.start(), { code: 'DB_CORRUPT' }, 'the store (and so the daemon) does not start on it');
  t.equal(statSync(path).size, 0, 'the file is untouched');
});

t.test('a missing database is created only when asked (provisioning); the daemon store and verify-journal refuse it with DB_MISSING', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-open-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'terminal.db');
  const store = new Store({ path, terminalId: 'T-1', signer: new KeySigner(seededSecret('open-test')), create: false });
  t.throws(() => store.start(), { code: 'DB_MISSING', message: /tessera provision init/ });
  t.throws(() => openDatabase(path, { readonly: true }), { code: 'DB_MISSING' });
  t.notOk(existsSync(path), 'nothing was created');
  createDatabase(path);
  store.start();
  t.equal(store.journalHead, 0, 'a created database opens as an empty journal');
  store.stop();
});
