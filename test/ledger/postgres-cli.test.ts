// tessera-backoffice on PostgreSQL: --db / TESSERA_BACKOFFICE_DB selects it, data lands there, bad URLs and dead servers fail clearly.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import t from 'tap';
import { KeySigner, toHex } from '#protocol';
import { MIGRATIONS } from '../../backoffice/ledger-pg/migrations.js';
import { freePort } from '../../scripts/broker.js';
import { startPostgres } from '../support/postgres.js';

const BO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backoffice', 'cli', 'main.js');

/** Runs the compiled CLI as an operator would (without tap's coverage hooks in its environment). */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_')));
  return new Promise((resolve) =>
    execFile(process.execPath, [BO, ...args], { env: { ...base, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

t.test('the ledger lives in PostgreSQL when a URL is given', async (t) => {
  const server = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bo-pg-'));
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = await server.createDatabase();
  const env = { TESSERA_BACKOFFICE_HOME: join(dir, 'bo'), TESSERA_BACKOFFICE_DB: url };
  const ok = async (...args: string[]) => {
    const r = await cli([...args, '--json'], env);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  await ok('init', '--currency', 'EUR');
  await ok('account', 'create', 'dora');
  t.match(await ok('account', 'fund', 'dora', '2500', '--id', 'bank-7'), { id: 'dora', balance: 2_500 });
  t.match(await ok('account', 'fund', 'dora', '2500', '--id', 'bank-7'), { balance: 2_500 }, 'run again with its id, it credits once');
  // issue-purse with the caller's id: run again, the same purse (id and certificate); another request, a clear refusal.
  const walletKey = toHex(KeySigner.generate().publicKey);
  const issue = (cap: string) => ['issue-purse', '--account', 'dora', '--wallet-key', walletKey, '--cap', cap, '--limit', '100', '--id', 'app-req-1'];
  const first = (await ok(...issue('1000'))) as { purse: { purseId: string; cert: string } };
  const again = (await ok(...issue('1000'))) as { purse: { purseId: string; cert: string } };
  t.same([again.purse.purseId, again.purse.cert], [first.purse.purseId, first.purse.cert], 'the same purse, not a second one');
  const other = await cli([...issue('900'), '--json'], env);
  t.equal(other.code, 1, 'the id with another cap is refused');
  t.match(other.stderr, /purse id app-req-1 was used .*\[ALREADY_EXISTS\]/);
  t.match(await ok('account', 'show', 'dora'), { balance: 1_500, purses: [{ purseId: first.purse.purseId, reserved: 1_000 }] });
  // --db on the command line does the same as the environment variable.
  const flag = await cli(['--db', url, 'account', 'show', 'dora', '--json'], { TESSERA_BACKOFFICE_HOME: join(dir, 'bo') });
  t.equal(flag.code, 0, flag.stderr);
  t.match(JSON.parse(flag.stdout), { id: 'dora', balance: 1_500 });
  t.match(await ok('report'), { trialBalance: 0 });
  t.notOk(existsSync(join(dir, 'bo', 'ledger.db')), 'no SQLite ledger was created');

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.teardown(() => c.end());
  const rows = (await c.query("SELECT a.id, sum(p.amount)::int AS balance FROM accounts a JOIN postings p ON p.account = a.id WHERE a.id = 'dora' GROUP BY a.id")).rows;
  t.same(rows, [{ id: 'dora', balance: 1_500 }], 'the postings are in PostgreSQL');
  const versions = MIGRATIONS.map((_m, i) => ({ version: i + 1 }));
  t.same((await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows, versions, 'each migration applied once, however many commands opened it');

  t.match(await ok('audit'), { ok: true, postingsSum: 0, problems: [] });
  await c.query("INSERT INTO postings (transfer_id, account, amount) SELECT min(id), 'dora', 1 FROM transfers");
  const broken = await cli(['audit'], env);
  t.equal(broken.code, 1, 'an inconsistent ledger fails the audit');
  t.match(broken.stdout, /LEDGER INCONSISTENT\n {2}all postings sum to 1, not 0/);
});

t.test('a URL that is not PostgreSQL, or a server that is not there, fails with a clear code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bo-pg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const home = { TESSERA_BACKOFFICE_HOME: join(dir, 'bo') };
  const init = await cli(['init'], home);
  t.equal(init.code, 0, init.stderr);
  const audit = await cli(['audit'], home);
  t.equal(audit.code, 0, audit.stderr);
  t.match(audit.stdout, /^0 settlement\(s\), postings sum EUR 0\.00: ledger consistent\n$/, 'the SQLite default audits too');

  const wrong = await cli(['report'], { ...home, TESSERA_BACKOFFICE_DB: 'mysql://ops:s3cret@db.example/ledger' });
  t.not(wrong.code, 0);
  t.match(wrong.stderr, /postgres:\/\/.*\[USAGE\]/);
  t.notMatch(wrong.stderr, /s3cret/, 'the password in the URL is not echoed');

  const port = await freePort();
  const dead = await cli(['--db', `postgres://ops:s3cret@127.0.0.1:${port}/ledger`, 'report'], home);
  t.not(dead.code, 0);
  t.match(dead.stderr, /\[DB_UNREACHABLE\]/);
  t.notMatch(dead.stderr, /s3cret/);

  const elsewhere = join(dir, 'bo2');
  const deadInit = await cli(['--db', `postgres://ops:s3cret@127.0.0.1:${port}/ledger`, 'init'], { TESSERA_BACKOFFICE_HOME: elsewhere });
  t.match(deadInit.stderr, /\[DB_UNREACHABLE\]/);
  t.notOk(existsSync(elsewhere), 'init against a server that is not there leaves no home behind');
});
