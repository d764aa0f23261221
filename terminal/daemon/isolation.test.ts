import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../api/client.js';
import type { TerminalConfigInput } from '../config.js';
import { createTerminalWorld, type TerminalWorld } from './testing.js';
import { syncComponents } from './sync-component.js';

type Status = { ready: boolean; components: Record<string, { state?: string; brokerUrl?: string; error?: { code: string; message: string } }> };

async function started(t: Test, sync: NonNullable<TerminalConfigInput['sync']>, env: Record<string, string> = {}): Promise<{ tw: TerminalWorld; api: ApiClient }> {
  const tw = await createTerminalWorld({ config: { sync: { reconnectMinMs: 60_000, reconnectMaxMs: 60_000, ...sync } } });
  t.teardown(() => tw.cleanup());
  const saved = { ...process.env };
  Object.assign(process.env, env);
  t.teardown(() => {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  });
  const d = tw.daemon({ components: syncComponents });
  await d.start();
  t.teardown(() => d.stop());
  return { tw, api: new ApiClient({ socketPath: tw.config.api.socket }) };
}

t.test('a missing sync TLS file: the daemon starts, status shows sync failed, offline payments go on', async (t) => {
  const { tw, api } = await started(t, { brokerUrl: 'mqtts://127.0.0.1:1', tls: { ca: '/nonexistent/broker-ca.pem' } });
  const status = await api.call<Status>('GET', '/v1/status');
  t.equal(status.ready, true);
  t.match(status.components.sync, { state: 'failed', error: { code: 'CONFIG_INVALID', message: /sync TLS files: .*broker-ca\.pem/ } });
  await t.rejects(api.call('POST', '/v1/sync', { wait: true }), { code: 'BROKER_UNREACHABLE', message: /sync failed to start: CONFIG_INVALID/ });
  const p = await api.call<{ id: string }>('POST', '/v1/payments', { amount: 450 });
  const purse = await tw.world.purse();
  const code = await tw.world.payment(purse, { payee: tw.terminalId, amount: 450, cumulative: 450, currency: purse.cert.currency, time: Math.floor(tw.clock.now() / 1000), requestNonce: Buffer.from(p.id, 'hex') });
  t.match(await scanThroughApi(tw, code.text), { outcome: 'approved' }, 'an offline payment is approved without sync');
  t.match(await api.call('GET', `/v1/payments/${p.id}`), { status: 'approved' });
});

/** Scan injection is off in these worlds; the scanner double is the real path. */
async function scanThroughApi(tw: TerminalWorld, text: string): Promise<unknown> {
  const api = new ApiClient({ socketPath: tw.config.api.socket });
  const ac = new AbortController();
  let decision: unknown;
  const events = api.events((e) => {
    if (e.event === 'status') {
      tw.scanner.present(text);
      return false;
    }
    if (e.event !== 'decision') return false;
    decision = e.data;
    return true;
  }, ac.signal);
  const guard = setTimeout(() => ac.abort(), 10_000);
  await events;
  clearTimeout(guard);
  return decision;
}

t.test('the broker password comes from a systemd credential; a group-readable password file is refused, only sync fails', async (t) => {
  const creds = await createTerminalWorld({ seed: 'creds' });
  t.teardown(() => creds.cleanup());
  const dir = join(creds.dir, 'credentials');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'broker-password'), 'pw-from-credential\n', { mode: 0o400 });
  writeFileSync(join(dir, 'loose'), 'pw-loose\n', { mode: 0o640 });

  const ok = await started(t, { brokerUrl: 'mqtt://till:url-secret-77@127.0.0.1:1', username: 'till', passwordFile: 'broker-password' }, { CREDENTIALS_DIRECTORY: dir });
  const status = await ok.api.call<Status>('GET', '/v1/status');
  t.not(status.components.sync?.state, 'failed', 'sync runs with the credential');
  t.equal(status.components.sync?.brokerUrl, 'mqtt://till:[redacted]@127.0.0.1:1', 'the URL password is redacted in status');
  t.notMatch(JSON.stringify(status), /url-secret-77|pw-from-credential/);

  const loose = await started(t, { brokerUrl: 'mqtt://127.0.0.1:1', username: 'till', passwordFile: join(dir, 'loose') });
  t.match((await loose.api.call<Status>('GET', '/v1/status')).components.sync, { state: 'failed', error: { code: 'KEY_PERMISSIONS', message: /readable by group or others/ } });
});

t.test('`tessera config check --json` never prints sync.password or a password in the broker URL', async (t) => {
  const tw = await createTerminalWorld({ config: { sync: { brokerUrl: 'mqtt://till:url-secret-77@broker.example:1883', username: 'till', password: 'inline-secret-42' } } });
  t.teardown(() => tw.cleanup());
  const cli = join(process.cwd(), 'dist/terminal/cli/main.js');
  const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [cli, 'config', 'check', '--json', '--config', tw.configPath], { env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    ),
  );
  t.equal(r.code, 0);
  const out = JSON.parse(r.stdout) as { ok: boolean; config: { sync: { password: string; brokerUrl: string; username: string } } };
  t.match(out.config.sync, { password: '[redacted]', brokerUrl: 'mqtt://till:[redacted]@broker.example:1883', username: 'till' });
  t.notMatch(r.stdout, /url-secret-77|inline-secret-42/);
});
