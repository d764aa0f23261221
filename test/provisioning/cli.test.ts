// The compiled standalone bin as a technician's SSH loop runs it: the happy path and refusals, as child processes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { NodeBackend } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { issueBundle, makeRoot, otherKey, snapshot, writeBundle } from './harness.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../provisioning/cli/main.js');

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'provision', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timeout: ${args.join(' ')}`));
    }, 30_000);
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

t.test('init → request → install, repeated, and two refusals through the compiled bin', async (t) => {
  // The child runs on the real clock: a world issued now.
  const world = await createTestWorld({ now: Math.floor(Date.now() / 1000), backend: new NodeBackend() });
  const root = makeRoot();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const R = ['--root', root];

  const init = await cli(['init', ...R, '--terminal-id', 'T-0042', '--merchant-id', 'M-CAFE', '--display-name', 'Café Tessera']);
  t.equal(init.code, 0, init.err);
  t.match(init.out, /✓ key \/var\/lib\/tessera\/terminal\.key created/);

  const req = await cli(['request', ...R, '--json']);
  t.equal(req.code, 0, req.err);
  const te1 = (JSON.parse(req.out) as { request: string }).request;

  // A bundle for another key first: refused.
  const wrongKey = writeBundle(root, 'wrong-key.json', await issueBundle(world, te1, { publicKey: otherKey('stolen').publicKey }));
  const before = snapshot(root);
  const r1 = await cli(['install', ...R, wrongKey]);
  t.equal(r1.code, 1);
  t.match(r1.err, /^tessera provision install: bundle refused: the certificate is for another key/);
  t.same(snapshot(root), before, 'refused bundle changed nothing');

  const good = writeBundle(root, 'bundle.json', await issueBundle(world, te1));
  const inst = await cli(['install', ...R, good, '--json']);
  t.equal(inst.code, 0, inst.err);
  t.match(JSON.parse(inst.out), { ok: true, step: 'install', terminalId: 'T-0042', changed: ['/var/lib/tessera/root.pub', '/var/lib/tessera/trust.list', '/var/lib/tessera/terminal.cert'] });

  const after = snapshot(root);
  const again = await cli(['install', ...R, good]);
  t.equal(again.code, 0);
  t.match(again.out, /= bundle already installed for T-0042/);
  t.same(snapshot(root), after, 'repeating install changed nothing');

  const r2 = await cli(['broker', ...R, '--url', 'http://broker.example:8883', '--json']);
  t.equal(r2.code, 1);
  t.match(JSON.parse(r2.out), { ok: false, step: 'broker', error: { code: 'CONFIG_INVALID', message: /bad broker URL/ } });
  t.equal(r2.err.trim().split('\n').length, 1, 'one line on stderr');

  t.same(snapshot(root), after, 'the refused broker URL changed nothing');
});
