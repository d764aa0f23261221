// `tessera backup` while a daemon child takes payments, then `tessera restore`: the restored journal verifies and holds every payment approved before the backup.
import t from 'tap';
import { Sqlite as Database } from '#common/node';
import { execFile, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '#protocol';
import { ApiClient, type Decision, type PaymentState } from '#terminal';
import { createTerminalWorld } from '#terminal/testkit';

const CLI = join(process.cwd(), 'dist/terminal/cli/main.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

t.test('backup during payments → restore → verify-journal passes and every payment is there', { timeout: 180_000 }, async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const tw = await createTerminalWorld({ now, config: { api: { allowScanInjection: true } } });
  t.teardown(() => tw.cleanup());
  const cfg = ['--config', tw.configPath];
  const daemon = spawn(process.execPath, [CLI, 'daemon', ...cfg], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, NODE_OPTIONS: '', TESSERA_LOG_LEVEL: 'warn' } });
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  t.teardown(() => void (daemon.exitCode === null && daemon.kill('SIGKILL')));
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  for (let i = 0; i < 200 && !(await api.call('GET', '/v1/status').then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));

  const purse = await tw.world.purse();
  const approved: string[] = [];
  let seq = 0;
  const payOnce = async (): Promise<void> => {
    const p = await api.call<PaymentState>('POST', '/v1/payments', { amount: 10, currency: 'EUR' });
    seq += 1;
    const code = (await tw.world.payment(purse, { payee: 'T-0001', amount: 10, cumulative: 10 * seq, seq, time: Math.floor(Date.now() / 1000), requestNonce: fromHex(p.id) })).text;
    const d = await api.call<Decision>('POST', '/v1/scan', { code });
    if (d.outcome !== 'approved') throw new Error(`payment ${seq} ${d.outcome} ${d.reason ?? ''}`);
    approved.push(d.txId!);
  };
  for (let i = 0; i < 5; i++) await payOnce();
  // The daemon signs its head checkpoint once the store is idle; verify-journal needs one (it may lag the head).
  const hasCheckpoint = (): boolean => {
    const db = new Database(tw.config.database.path, { readonly: true });
    try {
      return db.prepare("SELECT 1 FROM kv WHERE key = 'head_checkpoint'").get() !== undefined;
    } finally {
      db.close();
    }
  };
  for (let i = 0; i < 200 && !hasCheckpoint(); i++) await new Promise((r) => setTimeout(r, 50));

  // Payments go on while the backup runs; those approved before it started must all be in it.
  const out = join(tw.dir, 'terminal-backup.tar.gz');
  const before = approved.length;
  let backupDone = false;
  const backup = cli(['backup', '--out', out, '--json', ...cfg]).finally(() => void (backupDone = true));
  const paying = (async () => {
    while (!backupDone) await payOnce();
    await payOnce();
  })();
  const b = await backup;
  await paying;
  t.equal(b.code, 0, b.stderr);
  t.match(JSON.parse(b.stdout), { ok: true, out, files: [{ name: 'config' }, { name: 'identity.keyFile' }] });
  t.equal(statSync(out).mode & 0o777, 0o600, 'the archive holds the private key: owner only');
  t.ok(approved.length > before, `payments went on during the backup (${approved.length - before})`);

  // While the daemon runs, a restore over the live files is refused.
  const busy = await cli(['restore', out, '--json', ...cfg]);
  t.equal(busy.code, 1);
  t.match(JSON.parse(busy.stdout), { error: { code: 'RESTORE_REFUSED' } });
  daemon.kill('SIGTERM');
  t.equal(await exited, 0);

  const root = join(tw.dir, 'restored');
  const r = await cli(['restore', out, '--root', root, '--json']);
  t.equal(r.code, 0, r.stderr);
  const at = (p: string) => join(root, p);
  t.equal(statSync(at(tw.config.identity.keyFile)).mode & 0o777, statSync(tw.config.identity.keyFile).mode & 0o777, 'the key keeps its mode');
  const v = await cli(['verify-journal', '--json', '--db', at(tw.config.database.path), '--cert', at(tw.config.identity.certFile), '--root-key', at(tw.config.identity.rootKeyFile)]);
  t.equal(v.code, 0, v.stderr);
  const verified = JSON.parse(v.stdout) as { ok: boolean; records: number };
  t.ok(verified.ok);

  const ids = (file: string): string[] => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT tx_id FROM journal ORDER BY idx').all() as Array<{ tx_id: Buffer }>).map((row) => toHex(new Uint8Array(row.tx_id)));
    } finally {
      db.close();
    }
  };
  const restored = ids(at(tw.config.database.path));
  t.equal(restored.length, verified.records);
  t.same(approved.slice(0, before).filter((id) => !restored.includes(id)), [], 'every payment approved before the backup is in it');
  t.same(ids(tw.config.database.path).slice(0, restored.length), restored, 'the backup is a consistent prefix of the live journal');

  // A second restore would replace that journal: refused without --force, and --force keeps it aside.
  const again = await cli(['restore', out, '--root', root, '--json']);
  t.equal(again.code, 1);
  t.match(JSON.parse(again.stdout), { error: { code: 'RESTORE_REFUSED' } });
  t.equal((await cli(['restore', out, '--root', root, '--force'])).code, 0);

  // A damaged archive is refused with its own code.
  writeFileSync(join(tw.dir, 'junk.tar.gz'), 'not an archive');
  t.match(JSON.parse((await cli(['restore', join(tw.dir, 'junk.tar.gz'), '--root', root, '--json'])).stdout), { error: { code: 'BACKUP_INVALID' } });
});
