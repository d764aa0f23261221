// `tessera-backoffice serve` as a process: prints where it listens (and the dev users with --json), answers, warns about plain HTTP off loopback, stops cleanly on SIGTERM.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devIdpLogin } from '../../backoffice/api/testkit/index.js';

const BIN = join(process.cwd(), 'dist/backoffice/cli/main.js');

interface Started {
  running: boolean;
  url: string;
  issuer: string;
  devUsers: { username: string; password: string; roles: string[] }[];
}

t.test('serve --dev-idp --json on 0.0.0.0: one JSON line, a plain-HTTP warning, a working sign-in, exit 0 on SIGTERM', { timeout: 60_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  execFileSync(process.execPath, [BIN, '--home', home, 'init', '--json'], { stdio: 'ignore' });
  const child = spawn(process.execPath, [BIN, '--home', home, 'serve', '--listen', '0.0.0.0:0', '--dev-idp', '--rate-limit', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_LOG_LEVEL: 'warn' } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const started = await new Promise<Started>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"running"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Started);
      }
    });
  });
  t.match(started, { running: true, url: /^http:\/\/127\.0\.0\.1:\d+$/ });
  t.equal(started.issuer, `${started.url}/dev-idp`);
  t.same(started.devUsers.map((u) => u.username), ['operator', 'merchant', 'customer']);
  t.match(stderr, /WARNING: serving PLAIN HTTP on 0\.0\.0\.0/);

  const customer = started.devUsers.find((u) => u.username === 'customer');
  const tokens = await devIdpLogin({ base: started.url, username: 'customer', password: customer?.password ?? '', client: 'tessera-wallet' });
  const account = await fetch(`${started.url}/v1/accounts/acct-ana`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
  t.equal(account.status, 200, "the seeded customer's account exists and is theirs");
  t.match(await account.json(), { id: 'acct-ana', balance: 0 });

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'a clean stop');
});
