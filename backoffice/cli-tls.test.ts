// The back-office CLI against the production-shaped broker: mutual TLS, its own broker identities, dynamic-security roles.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import mqtt from 'mqtt';
import { decodeObject } from '#protocol';
import { startBroker } from '../scripts/broker.js';
import { waitUntil } from '../test/support/journal-consumer.js';
import { createWorld } from './test-world.js';

const BO = join(dirname(fileURLToPath(import.meta.url)), 'cli', 'main.js');

/** The environment without tap's coverage hooks: child CLIs run as they would in production. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_') && !k.startsWith('TESSERA_BROKER_')) env[k] = v;
  return { ...env, ...extra };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BO, ...args], { env: childEnv(env), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.test('every broker command connects with the back office identity; clearing instances each have their own', async (t) => {
  const w = await createWorld();
  t.teardown(() => w.close());
  const { wallet } = await w.wallet('tls', 5_000, 1_000);
  const term = await w.merchant('T-TLS1');
  for (const amount of [120, 80]) {
    const d = await term.accept((await wallet.payMerchant(await term.requestPayment(amount, 'EUR'))).text);
    if (!d.approved) throw new Error(`declined: ${d.reason}`);
  }

  // The broker starts with no identity at all; the rules come from the ledger through `broker-acl`.
  const broker = await startBroker({ backoffice: [] });
  t.teardown(() => broker.close());
  const home = { TESSERA_BACKOFFICE_HOME: w.bo.paths.home, TESSERA_LOG_LEVEL: 'warn' };
  const ids = ['backoffice-1', 'backoffice-2', 'backoffice-admin'];
  const acl = await run(['broker-acl', '--backoffice', ids.join(','), '--admin', 'broker-admin', '--out', join(broker.dir, 'dynamic-security.json'), '--json'], home);
  t.equal(acl.code, 0, acl.stderr);
  t.same(JSON.parse(acl.stdout), { out: join(broker.dir, 'dynamic-security.json'), terminals: 1, backoffice: ids });
  const excluded = JSON.parse((await run(['broker-acl', '--exclude', 'T-TLS1', '--json'], home)).stdout) as { clients: { username: string }[] };
  t.same(excluded.clients.map((c) => c.username), ['backoffice'], 'an excluded terminal gets no rules');
  await broker.restart();
  const files = Object.fromEntries(ids.map((id) => [id, broker.clientFiles(id)]));
  const flags = (id: string) => ['--ca', files[id]?.ca ?? '', '--cert', files[id]?.cert ?? '', '--key', files[id]?.key ?? ''];
  const envOf = (id: string) => ({ ...home, TESSERA_BROKER_CA: files[id]?.ca, TESSERA_BROKER_CERT: files[id]?.cert, TESSERA_BROKER_KEY: files[id]?.key });

  // A terminal enrolled later joins the running broker through the admin identity, as docs/mqtt.md shows.
  const admin = broker.clientFiles('broker-admin');
  const connection = `-h ${broker.host} -p ${broker.port} --cafile ${admin.ca} --cert ${admin.cert} --key ${admin.key}`;
  const live = await new Promise<number | null>((resolve) => {
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${BO}" broker-acl --live T-LATER | sh -e`], { env: childEnv({ ...home, CONNECTION: connection }), stdio: 'ignore' });
    sh.once('exit', resolve);
  });
  t.equal(live, 0, 'broker-acl --live | sh');
  const later = broker.clientFiles('T-LATER');
  const laterClient = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ca: readFileSync(later.ca), cert: readFileSync(later.cert), key: readFileSync(later.key) });
  t.teardown(() => laterClient.endAsync(true));
  t.same((await laterClient.subscribeAsync('tessera/v1/terminals/T-LATER/ack', { qos: 1 })).map((g) => g.qos), [1], 'the new terminal may subscribe to its own ack');
  t.match(JSON.parse((await run(['broker-acl', '--live', 'T LATER', '--json'], home)).stdout), { error: { code: 'USAGE' } }, 'a terminal id that cannot be a topic level is refused');

  const anonymous = await run(['run', '--broker', broker.url, '--json'], home);
  t.not(anonymous.code, 0, 'without a client certificate `run` fails');
  t.match(JSON.parse(anonymous.stdout), { error: { code: 'BROKER_UNREACHABLE' } });
  const halfIdentity = await run(['publish-trust', '--broker', broker.url, '--cert', files['backoffice-admin']?.cert ?? '', '--json'], home);
  t.match(JSON.parse(halfIdentity.stdout), { error: { code: 'USAGE', message: /certificate and key go together/ } });

  // Two clearing instances, one identity each (from the environment, and from flags).
  const children: ChildProcess[] = [];
  t.teardown(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
  const outputs: string[] = [];
  for (const [id, args, env] of [['backoffice-1', [], envOf('backoffice-1')], ['backoffice-2', flags('backoffice-2'), home]] as const) {
    const c = spawn(process.execPath, [BO, 'run', '--broker', broker.url, ...args], { env: childEnv({ ...env, TESSERA_LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    const i = outputs.push('') - 1;
    c.stdout?.on('data', (d: Buffer) => (outputs[i] += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (outputs[i] += d.toString()));
    await waitUntil(() => outputs[i]?.includes('clearing running') === true || c.exitCode !== null, 15_000, `clearing ${id} to start`);
    t.equal(c.exitCode, null, `clearing as ${id} runs: ${outputs[i]}`);
  }

  // The terminal, by its own certificate, watches its ack and config topics and the fleet topics.
  const tf = broker.clientFiles('T-TLS1');
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, ca: readFileSync(tf.ca), cert: readFileSync(tf.cert), key: readFileSync(tf.key) });
  t.teardown(() => client.endAsync(true));
  // Every fleet message the terminal receives, by topic and signed version.
  const fleet: { topic: string; version: number }[] = [];
  client.on('message', (topic, p) => {
    if (!topic.includes('/fleet/')) return;
    const d = topic.endsWith('/trust') ? decodeObject('TRUST_LIST', new Uint8Array(p)) : decodeObject('FLEET_MESSAGE', new Uint8Array(p));
    fleet.push({ topic, version: d.ok ? d.value.value.version : -1 });
  });
  await client.subscribeAsync({ 'tessera/v1/fleet/trust': { qos: 1 }, 'tessera/v1/fleet/denylist': { qos: 1 }, 'tessera/v1/terminals/T-TLS1/config': { qos: 1 } });
  const ack = await term.sync(client);
  t.same(ack.results.map((r) => r.status), ['settled', 'settled']);

  const publisher = flags('backoffice-admin');
  t.match(JSON.parse((await run(['publish-trust', '--broker', broker.url, ...publisher, '--json'], home)).stdout), { version: 1 });
  const published = JSON.parse((await run(['publish-denylist', '--broker', broker.url, '--json'], envOf('backoffice-admin'))).stdout) as { version: number };
  const purse = (await w.bo.ledger.listPurses())[0]?.purseId ?? '';
  const denied = JSON.parse((await run(['deny', purse, '--broker', broker.url, ...publisher, '--json'], home)).stdout) as { added: boolean; published: boolean; version: number };
  t.match(denied, { added: true, published: true });
  t.ok(denied.version > published.version, 'the deny publishes a newer version than publish-denylist');
  const denylist = 'tessera/v1/fleet/denylist';
  await waitUntil(() => fleet.some((f) => f.topic === denylist && f.version === denied.version), 10_000, 'the new deny list at the terminal');
  t.ok(fleet.some((f) => f.topic === denylist && f.version === published.version), 'publish-denylist reached the terminal');
  t.ok(fleet.some((f) => f.topic === 'tessera/v1/fleet/trust' && f.version === 1), 'publish-trust reached the terminal');
  t.same([...new Set(fleet.map((f) => f.topic))].sort(), [denylist, 'tessera/v1/fleet/trust'], 'only fleet topics, all verified objects');
  t.notOk(fleet.some((f) => f.version < 0), 'every fleet message decodes');

  // Both instances were up throughout, each with its own identity: neither connection was ever closed.
  t.same(children.map((c) => c.exitCode), [null, null], 'both clearing instances still running');
  t.notMatch(outputs.join(''), /broker connection closed/);

  // A third process with backoffice-1's certificate: the broker closes instance 1's connection for it.
  const twin = spawn(process.execPath, [BO, 'run', '--broker', broker.url], { env: childEnv(envOf('backoffice-1')), stdio: 'ignore' });
  t.teardown(() => twin.kill('SIGKILL'));
  await waitUntil(() => outputs[0]?.includes('broker connection closed') === true, 15_000, "the twin to take instance 1's place");
  t.notMatch(outputs[1] ?? '', /broker connection closed/, 'instance 2, with its own identity, is untouched');
  twin.kill('SIGTERM');

  for (const [i, c] of children.entries()) {
    c.kill('SIGTERM');
    const code = await new Promise((resolve) => c.once('exit', resolve));
    t.equal(code, 0, `clearing ${i + 1} stopped cleanly`);
  }
});
