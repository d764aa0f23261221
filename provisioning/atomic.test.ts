// Atomic writes: same content touches nothing; new content keeps .prev; a refused validation or failure leaves the old file and no temp files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { isTesseraError } from '#common';
import { writeFileAtomic } from './atomic.js';
import { mergeConfig, terminalSection } from './config.js';

function tmp(t: { teardown(f: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-atomic-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('writes, keeps .prev, and skips identical content', async (t) => {
  const d = tmp(t);
  const f = path.join(d, 'sub/c.json');
  t.equal(writeFileAtomic(f, 'one\n', { mode: 0o640 }), true);
  t.equal(fs.statSync(f).mode & 0o777, 0o640);
  t.notOk(fs.existsSync(`${f}.prev`), 'no .prev for a new file');
  const m = fs.statSync(f).mtimeMs;
  t.equal(writeFileAtomic(f, 'one\n', { mode: 0o640 }), false, 'identical content: not rewritten');
  t.equal(fs.statSync(f).mtimeMs, m);
  t.equal(writeFileAtomic(f, 'two\n', { mode: 0o640 }), true);
  t.equal(fs.readFileSync(f, 'utf8'), 'two\n');
  t.equal(fs.readFileSync(`${f}.prev`, 'utf8'), 'one\n');
  t.equal(writeFileAtomic(f, 'two\n', { mode: 0o600 }), true, 'a mode change is a change');
  t.equal(fs.statSync(f).mode & 0o777, 0o600);
  t.same(fs.readdirSync(path.dirname(f)).sort(), ['c.json', 'c.json.prev']);
});

t.test('a failed validation or write changes nothing', async (t) => {
  const d = tmp(t);
  const f = path.join(d, 'c.json');
  writeFileAtomic(f, 'good\n');
  t.throws(() => writeFileAtomic(f, 'bad\n', { validate: () => { throw new Error('nope'); } }), /nope/);
  t.equal(fs.readFileSync(f, 'utf8'), 'good\n');
  t.notOk(fs.existsSync(`${f}.prev`));
  try {
    writeFileAtomic(f, 'x\n', { chown: () => { throw new Error('EPERM'); } });
    t.fail('should throw');
  } catch (e) {
    t.ok(isTesseraError(e, 'FILE_WRITE_FAILED'));
  }
  t.equal(fs.readFileSync(f, 'utf8'), 'good\n', 'old content intact');
  t.same(fs.readdirSync(d), ['c.json'], 'no temp files left');
});

t.test('merge keeps unknown keys; undefined deletes; the terminal section is required after init', async (t) => {
  t.same(mergeConfig({ a: 1, sync: { url: 'x', qos: 1, tls: { ca: '/c' } } }, { sync: { url: 'y', tls: { cert: undefined, key: '/k' } } }), { a: 1, sync: { url: 'y', qos: 1, tls: { ca: '/c', key: '/k' } } });
  t.same(mergeConfig({}, { s: { a: undefined, b: 1 } }), { s: { b: 1 } }, 'a new object drops undefined keys');
  t.same(terminalSection({ terminal: { id: 'T-1', mode: 'merchant', merchantId: 'M', displayName: 'D' } }), { id: 'T-1', mode: 'merchant', merchantId: 'M', displayName: 'D' });
  t.throws(() => terminalSection({ terminalId: 'T-1' }), { code: 'CONFIG_INVALID', details: { path: 'terminal' }, message: /provision init/ });
});
