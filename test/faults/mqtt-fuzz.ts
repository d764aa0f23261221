// Inbound-MQTT fuzzing: mutated, random and hostile payloads on every topic a terminal and the back office read; none may throw or move state.
import fc from 'fast-check';
import { join } from 'node:path';
import { FLEET_KIND, buildAck, encodeBatch, recordHash, signObject, topics, decodeBatch } from '#protocol';
import { BackOffice, ClearingService } from '#backoffice';
import { SyncService } from '../../terminal/sync/index.js';
import type { Store } from '../../terminal/store/index.js';
import { fastConfig, openSyncStore, seedJournal, tempDir } from '../sync/helpers.js';
import { byteMutations, fuzzInputArb, truncations } from '../support/fuzz-protocol.js';
import { SYNC_CLEARING, SYNC_FLEET, SYNC_ROOT } from '../support/sync-trust.js';
import { seededRng } from './harness.js';

export interface MqttFuzz {
  /** Delivers input i to the terminal and the back office; throws when an invariant breaks. */
  step(i: number): void;
  /** Ignored inbound messages by `channel:REASON` (terminal) and reason (back office). */
  counts(): { terminal: Record<string, number>; backoffice: Record<string, number> };
  close(): Promise<void>;
}

const ID = 'T-FUZZ';
const ACKED = 10;
const HOSTILE = ['null', '[]', '[1,2]', '{}', '{"upTo":1000000}', '{"upTo":1e6,"results":null}', '"x"', 'true', '{"state":"online"}', '\u0000', '{"upTo":-1}'];

/**
 * A terminal (real store with a 30-record journal acked to 10, its SyncService started against a
 * closed port so only fuzz input reaches it) and a back-office ClearingService. Inputs: every
 * deterministic mutation of a valid signed ack (for the acked index, so even a valid one moves
 * nothing), resync request and deny list; hostile JSON; a payload over every bound; then
 * fast-check strings, bytes and CBOR from a seeded stream, on a seeded choice of topics.
 */
export async function createMqttFuzz(seed: number): Promise<MqttFuzz> {
  const tmp = tempDir('tessera-mqtt-fuzz-');
  const store: Store = await openSyncStore(join(tmp.dir, 't.db'), ID);
  store.handle.pragma('synchronous = OFF');
  await seedJournal(store, 30);
  store.ack(ACKED, Date.now());
  const sync = new SyncService({ store, terminalId: ID, rootPublicKey: SYNC_ROOT.publicKey, config: fastConfig('mqtt://127.0.0.1:9', { reconnectMinMs: 60_000, reconnectMaxMs: 60_000 }) });
  sync.start();
  const bo = await BackOffice.init(join(tmp.dir, 'bo'));
  const clearing = new ClearingService(bo, { url: 'mqtt://127.0.0.1:9' });

  const row = store.getRow(ACKED);
  if (!row) throw new Error('no record at the acked index');
  const ack = await signObject('ACK', buildAck(ID, ACKED, recordHash(row.record), 1_700_000_000, [{ index: 3, status: 'rejected', reason: 'x' }]), SYNC_CLEARING);
  const resync = await signObject('RESYNC', { terminalId: ID, from: 5, time: 1_700_000_000 }, SYNC_CLEARING);
  const deny = await signObject('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version: 1, issuedAt: 1_700_000_000, denylist: [] }, SYNC_FLEET);
  const fixed: Uint8Array[] = [];
  for (const v of [ack, resync, deny]) fixed.push(...byteMutations(v, [0x01, 0x80, 0xff]), ...truncations(v));
  const encode = (s: string) => new TextEncoder().encode(s);
  fixed.push(...HOSTILE.map(encode), encodeBatch([ack, resync]), new Uint8Array(3_000_000).fill(0x5b));

  const terminalTopics = [topics.ack(ID), topics.resync(ID), topics.config(ID), topics.denylist, topics.trust, topics.ack('T-OTHER'), 'tessera/v1/x'];
  const boTopics = [topics.status(ID), topics.status('T-OTHER'), `tessera/v1/terminals/${'x'.repeat(40)}/status`, 'tessera/v1/terminals/T-1/ack', '$SYS/x'];
  const rng = seededRng(seed);
  let chunk: Uint8Array[] = [];
  let chunkSeed = seed;
  const next = (i: number): Uint8Array => {
    if (i % 3 === 0) return fixed[Math.floor(i / 3) % fixed.length] as Uint8Array;
    if (chunk.length === 0) chunk = fc.sample(fuzzInputArb, { numRuns: 2_000, seed: chunkSeed++ }).map((x) => (typeof x === 'string' ? encode(x) : x));
    return chunk.pop() as Uint8Array;
  };
  const unsynced = store.unsyncedApproved();
  const head = store.journalHead;

  return {
    step(i) {
      const payload = next(i);
      const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      const topic = terminalTopics[Math.floor(rng() * terminalTopics.length)] as string;
      sync.receive(topic, buf);
      const s = sync.status();
      if (s.ignored['other:INTERNAL']) throw new Error(`input ${i} on ${topic} threw inside the terminal: ${buf.subarray(0, 60).toString('hex')}`);
      if (s.ackedUpTo !== ACKED || store.ackedUpTo() !== ACKED) throw new Error(`input ${i} on ${topic} moved the acked index to ${s.ackedUpTo}`);
      if (store.journalHead !== head || store.unsyncedApproved().count !== unsynced.count) throw new Error(`input ${i} changed the journal or the offline counters`);
      // The back office: statuses go through receive(); journal payloads through the batch codec clearing uses.
      clearing.receive(boTopics[Math.floor(rng() * boTopics.length)] as string, buf);
      decodeBatch(payload);
    },
    counts() {
      return { terminal: sync.status().ignored, backoffice: clearing.ignored() };
    },
    async close() {
      await sync.stop();
      await clearing.stop();
      await bo.close();
      store.stop();
      tmp.remove();
    },
  };
}
