// Deny-list versions: strictly increasing across processes, the broker's retained list ends at the newest, clearing refreshes it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import { ManualClock } from '#common';
import { decodeObject, topics } from '#protocol';
import { BackOffice } from './backoffice.js';
import { ClearingService, connectBroker, publishDenylist } from './service.js';
const { denylist: DENYLIST_TOPIC, trust: TRUST_TOPIC } = topics;
import { startMosquitto } from '../test/support/mosquitto.js';
import { ledgerBackends } from '../test/support/postgres.js';

/** One PostgreSQL server for the file (a fresh database per test). */
const backends = ledgerBackends(t);

const versionOf = (p: Uint8Array): number => {
  const d = decodeObject('FLEET_MESSAGE', p);
  if (!d.ok) throw new Error(d.detail);
  return d.value.value.version;
};

/** What a terminal subscribing now gets: the retained message of a topic. */
async function retained(url: string, topic: string): Promise<Uint8Array> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    const got = new Promise<Uint8Array>((resolve) => c.on('message', (tp, p) => tp === topic && resolve(new Uint8Array(p))));
    await c.subscribeAsync(topic, { qos: 1 });
    return await Promise.race([got, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no retained ${topic}`)), 10_000).unref())]);
  } finally {
    await c.endAsync(true);
  }
}

/**
 * Another process is slower at times: its publish reaches the broker after a later-signed one. A
 * publisher held back by a seeded random delay stands in for that (one process here signs in order).
 */
function unevenly(c: MqttClient, seed: number): MqttClient {
  let s = seed;
  const next = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 15;
  return {
    publishAsync: async (...args: Parameters<MqttClient['publishAsync']>) => {
      await new Promise((r) => setTimeout(r, next()));
      return c.publishAsync(...args);
    },
  } as unknown as MqttClient;
}

for (const backend of backends) t.test(`${backend.name}: two back-office instances on one ledger publishing at once (uneven delays): every version new, the retained one the newest`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-deny-'));
  const broker = await startMosquitto({ persistence: false });
  const db = await backend.db();
  const a = await BackOffice.init(join(dir, 'bo'), { db });
  const b = await BackOffice.open(join(dir, 'bo'), { db });
  const ca = await connectBroker(broker.url, { reconnectPeriod: 0 });
  const cb = await connectBroker(broker.url, { reconnectPeriod: 0 });
  t.teardown(async () => {
    await ca.endAsync(true);
    await cb.endAsync(true);
    await a.close();
    await b.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const seen: number[] = [];
  const purse = (i: number) => i.toString(16).padStart(32, '0');
  for (let round = 0; round < 25; round++) {
    // Denials interleave with publications, from either process.
    await (round % 2 ? a : b).denyPurse(purse(round));
    const versions = await Promise.all([publishDenylist(a, unevenly(ca, round)), publishDenylist(b, unevenly(cb, round + 100)), publishDenylist(a, unevenly(ca, round + 200))]);
    seen.push(...versions);
    const newest = await a.ledger.newestSigned('denylist');
    const msg = await retained(broker.url, DENYLIST_TOPIC);
    t.equal(versionOf(msg), newest?.version, `round ${round}: the retained list is the newest signed (${newest?.version})`);
    const d = decodeObject('FLEET_MESSAGE', msg);
    t.equal(d.ok && d.value.value.denylist?.length, round + 1, `round ${round}: and it names every denied purse`);
  }
  t.equal(new Set(seen).size, seen.length, `${seen.length} signed lists, no version twice`);
  const bundled = await a.signDenylist();
  t.ok(bundled.version > Math.max(...seen), 'a list signed for a bundle is newer than every published one');
});

for (const backend of backends) t.test(`${backend.name}: clearing re-signs and publishes on schedule and at once after an unpublished deny`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-refresh-'));
  const broker = await startMosquitto({ persistence: false });
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const bo = await BackOffice.init(join(dir, 'bo'), { clock, db: await backend.db() });
  const svc = new ClearingService(bo, { url: broker.url, refreshEverySeconds: 3_600, refreshCheckMs: 20 });
  const refreshed: { trust: number; denylist: number }[] = [];
  svc.events.on('refreshed', (r) => refreshed.push(r));
  t.teardown(async () => {
    await svc.stop();
    await bo.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await svc.start();
  t.equal(refreshed.length, 1, 'one refresh at start');
  const first = versionOf(await retained(broker.url, DENYLIST_TOPIC));
  const tl = decodeObject('TRUST_LIST', await retained(broker.url, TRUST_TOPIC));
  t.equal(tl.ok && tl.value.value.version, 1, 'and the trust list in force is published too');
  const wait = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (refreshed.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${refreshed.length} refreshes`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  clock.advance(30 * 60_000);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(refreshed.length, 1, 'not due after half the period');
  clock.advance(31 * 60_000);
  await wait(2);
  const second = versionOf(await retained(broker.url, DENYLIST_TOPIC));
  t.ok(second > first, `due after the period: version ${second} > ${first}`);
  const issuedAt = (m: Uint8Array) => {
    const d = decodeObject('FLEET_MESSAGE', m);
    return d.ok ? d.value.value.issuedAt : -1;
  };
  t.equal(issuedAt(await retained(broker.url, DENYLIST_TOPIC)), bo.now(), 'issued at the back office clock');
  await bo.denyPurse('ab'.repeat(16));
  await wait(3);
  const third = await retained(broker.url, DENYLIST_TOPIC);
  const d = decodeObject('FLEET_MESSAGE', third);
  t.same(d.ok && d.value.value.denylist?.length, 1, 'an unpublished deny goes out at the next check, not the next period');
  t.equal((await bo.ledger.denyList()).unpublished, 0);
});

for (const backend of backends) t.test(`${backend.name}: separate processes: concurrent publish-denylist runs leave the newest version retained`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-deny-procs-'));
  const broker = await startMosquitto({ persistence: false });
  const home = join(dir, 'bo');
  const db = await backend.db();
  const bo = await BackOffice.init(home, { db });
  await bo.close();
  t.teardown(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = join(dirname(fileURLToPath(import.meta.url)), 'cli', 'main.js');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_')) env[k] = v;
  // Each process finds the ledger as an operator's would: PostgreSQL through the environment.
  if (db !== undefined) env.TESSERA_BACKOFFICE_DB = db;
  else delete env.TESSERA_BACKOFFICE_DB;
  const publish = () =>
    new Promise<number>((resolve, reject) => {
      execFile(process.execPath, [cli, '--home', home, '--json', 'publish-denylist', '--broker', broker.url], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message} ${stderr}`));
        else resolve((JSON.parse(stdout) as { version: number }).version);
      });
    });
  const versions: number[] = [];
  for (let round = 0; round < 4; round++) {
    versions.push(...(await Promise.all([publish(), publish(), publish()])));
    const check = await BackOffice.open(home, { db });
    const newest = (await check.ledger.newestSigned('denylist'))?.version;
    await check.close();
    t.equal(versionOf(await retained(broker.url, DENYLIST_TOPIC)), newest, `round ${round}: retained = newest signed (${newest})`);
  }
  t.equal(new Set(versions).size, versions.length, `${versions.length} processes, ${versions.length} distinct versions`);
});
