// Key files: PKCS#8 PEM with mode 0600; anything readable by others, or not a P-256 key, is refused.
import t from 'tap';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError } from '#common';
import { createKeyFile, loadKeyFile, pemToSecret, secretToPem } from './keyfile.js';
import { seededSecret } from '../testkit.js';
import { toHex } from '../bytes.js';
import { NodeBackend } from '../crypto/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const code = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof TesseraError ? e.code : `foreign ${(e as Error).name}`;
  }
};

t.test('create then load gives the same key; the file is 0600 PKCS#8 PEM', async (t) => {
  const p = join(dir, 'terminal.pem');
  const created = createKeyFile(p);
  const loaded = loadKeyFile(p);
  t.equal(toHex(loaded.publicKey), toHex(created.publicKey));
  t.match(readFileSync(p, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  const sig = await loaded.sign(new Uint8Array([1, 2, 3]));
  t.ok(new NodeBackend().verify(created.publicKey, new Uint8Array([1, 2, 3]), sig), 'the loaded key signs verifiably');
  t.equal(code(() => createKeyFile(p)), 'FILE_WRITE_FAILED', 'refuses to overwrite an existing key');
  t.equal(toHex(loadKeyFile(p).publicKey), toHex(created.publicKey), 'the original key is intact');
});

t.test('a key readable by group or others is refused with KEY_PERMISSIONS', async (t) => {
  const p = join(dir, 'open.pem');
  writeFileSync(p, secretToPem(seededSecret('open')), { mode: 0o600 });
  t.equal(code(() => loadKeyFile(p)), 'no error', '0600 loads');
  chmodSync(p, 0o644);
  t.equal(code(() => loadKeyFile(p)), 'KEY_PERMISSIONS', '0644 is refused');
  chmodSync(p, 0o640);
  t.equal(code(() => loadKeyFile(p)), 'KEY_PERMISSIONS', '0640 is refused');
  chmodSync(p, 0o400);
  t.equal(code(() => loadKeyFile(p)), 'no error', '0400 loads');
});

t.test('garbage, a missing file or another key type is KEY_INVALID', async (t) => {
  const p = join(dir, 'garbage.pem');
  writeFileSync(p, 'not a key\n', { mode: 0o600 });
  t.equal(code(() => loadKeyFile(p)), 'KEY_INVALID');
  t.equal(code(() => loadKeyFile(join(dir, 'missing.pem'))), 'KEY_INVALID');
  const { generateKeyPairSync } = await import('node:crypto');
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const q = join(dir, 'ed25519.pem');
  writeFileSync(q, ed, { mode: 0o600 });
  t.equal(code(() => loadKeyFile(q)), 'KEY_INVALID', 'an Ed25519 key');
});

t.test('PEM conversion round-trips the secret', async (t) => {
  const s = seededSecret('pem');
  t.same(pemToSecret(secretToPem(s)), s);
});
