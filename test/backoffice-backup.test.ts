// `tessera-backoffice backup` of a home whose ledger is being written, then `restore` into a new home: keys and ledger come back, the audit holds.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BO = join(process.cwd(), 'dist/backoffice/cli/main.js');

function bo(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BO, '--home', home, ...args], { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '', TESSERA_BACKOFFICE_DB: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

t.test('back office backup → restore: keys, trust list and ledger come back; the audit holds', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bo-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  t.equal((await bo(home, ['init'])).code, 0);
  t.equal((await bo(home, ['account', 'create', 'alice'])).code, 0);
  t.equal((await bo(home, ['account', 'fund', 'alice', '1000', '--id', 'F-1'])).code, 0);

  // Another writer funds the account while the backup runs: the archive holds a consistent ledger either way.
  const out = join(dir, 'bo.tar.gz');
  const [b] = await Promise.all([bo(home, ['backup', '--out', out, '--json']), bo(home, ['account', 'fund', 'alice', '500', '--id', 'F-2'])]);
  t.equal(b.code, 0, b.stderr);
  t.match(JSON.parse(b.stdout), { ok: true, ledger: 'sqlite', files: ['backoffice.json', 'clearing.key', 'issuer.key'] });
  t.ok((JSON.parse(b.stdout) as { files: string[] }).files.includes('ledger.db'), 'the ledger is in it');
  t.equal(statSync(out).mode & 0o777, 0o600);

  const again = join(dir, 'restored');
  const r = await bo(again, ['restore', out, '--json']);
  t.equal(r.code, 0, r.stderr);
  t.equal(readFileSync(join(again, 'issuer.key'), 'utf8'), readFileSync(join(home, 'issuer.key'), 'utf8'), 'the issuer key is back');
  t.equal(statSync(join(again, 'issuer.key')).mode & 0o777, statSync(join(home, 'issuer.key')).mode & 0o777, 'with its mode');
  const shown = JSON.parse((await bo(again, ['account', 'show', 'alice', '--json'])).stdout) as { balance: number };
  t.ok(shown.balance === 1000 || shown.balance === 1500, `the balance is one the ledger had (${shown.balance})`);
  const audit = await bo(again, ['audit', '--json']);
  t.equal(audit.code, 0, audit.stderr);

  // Restoring over a home that has files is refused without --force.
  const refused = await bo(again, ['restore', out, '--json']);
  t.equal(refused.code, 1);
  t.match(JSON.parse(refused.stdout.trim().split('\n').pop()!), { error: { code: 'RESTORE_REFUSED' } });
});
