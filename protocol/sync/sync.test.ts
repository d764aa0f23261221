// The sync contract's pure parts: topics, the batch codec, ack results and the status schema.
import t from 'tap';
import { decodeCbor, encodeCbor } from '../cbor.js';
import { ACK_STATUS, MAX_ACK_REASON, MAX_ACK_RESULTS } from '../objects.js';
import { ackResults, summarizeAck, buildAck, type AckResult } from './ack.js';
import { MAX_BATCH, decodeBatch, encodeBatch } from './batch.js';
import { MAX_LOCATION_LABEL, MAX_STORAGE_DETAIL, encodeStatus, parseJsonObject, parseLocation, parseStatus } from './status.js';
import { isTopicSafeId, parseTerminalTopic, topics } from './topics.js';

const bytes = (s: string) => new TextEncoder().encode(s);

t.test('topics and ids: one definition, the certificate id syntax', async (t) => {
  t.equal(topics.journal('T-1'), 'tessera/v1/terminals/T-1/journal');
  t.equal(topics.resync('T-1'), 'tessera/v1/terminals/T-1/resync');
  t.equal(topics.clearingShare, '$share/clearing/tessera/v1/terminals/+/journal');
  t.equal(isTopicSafeId('T-1'), true);
  t.equal(isTopicSafeId('x'.repeat(32)), true);
  t.equal(isTopicSafeId('x'.repeat(33)), false, 'ids longer than a certificate id are refused everywhere');
  for (const bad of ['a/b', '+', '#', '$SYS', '']) t.equal(isTopicSafeId(bad), false, bad);
  t.same(parseTerminalTopic('tessera/v1/terminals/T-1/journal'), { terminalId: 'T-1', leaf: 'journal' });
  t.same(parseTerminalTopic('tessera/v1/terminals/T-1/status'), { terminalId: 'T-1', leaf: 'status' });
  for (const bad of ['tessera/v1/terminals/T-1/other', 'tessera/v2/terminals/T-1/journal', 'tessera/v1/terminals/a+b/journal', 'tessera/v1/terminals/T-1/journal/x', `tessera/v1/terminals/${'x'.repeat(33)}/journal`]) {
    t.equal(parseTerminalTopic(bad), undefined, bad);
  }
});

t.test('encodeBatch gives exactly the deterministic CBOR of the protocol encoder; decodeBatch refuses anything else', async (t) => {
  for (const sizes of [[], [0], [1, 23, 24, 255, 256], [65_535, 65_536], Array.from({ length: 300 }, (_, i) => i % 40)]) {
    const records = sizes.map((n, i) => new Uint8Array(n).fill(i % 256));
    const ours = encodeBatch(records);
    t.same(ours, encodeCbor(records), `sizes ${sizes.slice(0, 5).join(',')}`);
    t.same(decodeCbor(ours, 100_000), records);
    const back = decodeBatch(ours);
    t.ok(back.ok && back.value.length === records.length, 'decodes back');
  }
  t.match(decodeBatch(bytes('null')), { ok: false, reason: 'MALFORMED' });
  t.match(decodeBatch(encodeCbor([1, 2])), { ok: false, reason: 'MALFORMED' }, 'items must be byte strings');
  t.match(decodeBatch(encodeCbor(new Map([[1, 2]]))), { ok: false, reason: 'MALFORMED' }, 'a map is not a batch');
  t.match(decodeBatch(encodeBatch(Array.from({ length: MAX_BATCH + 1 }, () => new Uint8Array(0)))), { ok: false });
  t.match(decodeBatch(new Uint8Array(20_000_000)), { ok: false, reason: 'TOO_LARGE' });
});

t.test('ack results are bounded: flagged first, reasons clipped, the rest counted', async (t) => {
  const all: AckResult[] = [];
  for (let i = 1; i <= 200; i++) all.push({ index: i, status: 'settled' });
  all.push({ index: 150, status: 'fraud', reason: 'double-spend' }, { index: 0, status: 'rejected', reason: 'x'.repeat(500) }, { index: 199, status: 'rejected', reason: 'é'.repeat(500) });
  const r = ackResults(all);
  t.equal(r.results.length, MAX_ACK_RESULTS);
  t.equal(r.omitted, all.length - MAX_ACK_RESULTS);
  t.ok(r.results.some((x) => x.index === 150 && x.status === ACK_STATUS.fraud), 'a fraud flag is never crowded out');
  const rej = r.results.find((x) => x.index === 199);
  t.equal([...(rej?.reason ?? '')].length, MAX_ACK_REASON, 'reason clipped to the bound');
  t.same(r.results.map((x) => x.index), [...r.results.map((x) => x.index)].sort((a, b) => a - b), 'index order');
  const ack = buildAck('T-1', 5, new Uint8Array(32), 1, [{ index: 2, status: 'declined-recorded' }]);
  t.same(summarizeAck(ack), { upTo: 5, results: [{ index: 2, status: 'declined-recorded' }], omitted: 0 });
});

t.test('parseJsonObject and parseStatus refuse garbage, null, arrays and huge payloads', async (t) => {
  for (const bad of ['null', '[]', '[1]', '1', '"x"', 'true', '{', '', '\u0000']) t.equal(parseJsonObject(bytes(bad), 100).ok, false, JSON.stringify(bad));
  t.equal(parseJsonObject(Uint8Array.from([0x7b, 0xff, 0x7d]), 100).ok, false, 'invalid UTF-8');
  t.match(parseJsonObject(bytes('{"a":1}'), 3), { ok: false, reason: 'TOO_LARGE' });
  t.same(parseStatus(bytes('{"state":"offline"}')), { ok: true, value: { state: 'offline' } });
  const online = { state: 'online', backlog: 3, lastSyncAt: null, devices: { printer: 'ok' }, version: '1.0', clock: 5, fleet: { trust: 1, denylist: null, config: 2 }, future: 'ignored' };
  const p = parseStatus(bytes(JSON.stringify(online)));
  t.ok(p.ok && p.value.state === 'online' && p.value.backlog === 3 && !('future' in p.value), 'known fields kept, unknown ones dropped');
  for (const bad of [{ ...online, backlog: -1 }, { ...online, fleet: null }, { ...online, state: 'asleep' }, { ...online, ignored: { a: 'x' } }, { ...online, version: 'v'.repeat(65) }]) {
    t.equal(parseStatus(bytes(JSON.stringify(bad))).ok, false, JSON.stringify(bad).slice(0, 60));
  }
});

t.test('parseStatus carries the storage state and refuses a malformed one', async (t) => {
  const online = { state: 'online', backlog: 0, lastSyncAt: null, devices: {}, version: '1.0', clock: 5, fleet: { trust: 1, denylist: null, config: null } };
  const full = { ok: false, error: 'STORAGE_FAILED', detail: 'database or disk is full' };
  t.match(parseStatus(bytes(JSON.stringify({ ...online, storage: full }))), { ok: true, value: { storage: full } }, 'a full disk is reported');
  t.same(parseStatus(bytes(JSON.stringify({ ...online, storage: { ok: true, detail: 'dropped' } }))), { ok: true, value: { ...online, storage: { ok: true } } }, 'writable: nothing else kept');
  const p = parseStatus(bytes(JSON.stringify(online)));
  t.ok(p.ok && p.value.state === 'online' && !('storage' in p.value), 'absent from older terminals');
  const bad = [null, 'full', {}, { ok: 'false' }, { ok: false }, { ok: false, error: 'DISK', detail: 'x' }, { ok: false, error: 'STORAGE_FAILED', detail: 7 }, { ok: false, error: 'STORAGE_FAILED', detail: 'x'.repeat(MAX_STORAGE_DETAIL + 1) }];
  for (const storage of bad) t.match(parseStatus(bytes(JSON.stringify({ ...online, storage }))), { ok: false, reason: 'MALFORMED', detail: 'storage' }, JSON.stringify(storage).slice(0, 40));
});

t.test('parseStatus carries the location, bounded, and refuses a malformed one', async (t) => {
  const online = { state: 'online', backlog: 0, lastSyncAt: null, devices: {}, version: '1.0', clock: 5, fleet: { trust: 1, denylist: null, config: null } };
  const stall = { lat: 48.8566, lon: 2.3522, label: 'Market square, stall 4' };
  t.same(parseStatus(bytes(encodeStatus({ ...online, state: 'online', location: stall }))), { ok: true, value: { ...online, location: stall } }, 'encoded and parsed back');
  const edge = parseStatus(bytes(JSON.stringify({ ...online, location: { lat: -90, lon: 180, extra: 1 } })));
  t.same(edge.ok && edge.value.state === 'online' ? edge.value.location : undefined, { lat: -90, lon: 180 }, 'the edges of the globe; unknown fields dropped');
  t.equal(parseLocation({ lat: Number.NaN, lon: 0 }), undefined, 'not a number is not a place');
  const p = parseStatus(bytes(JSON.stringify(online)));
  t.ok(p.ok && p.value.state === 'online' && !('location' in p.value), 'absent when the config has none');
  const bad = [null, [1, 2], { lat: 91, lon: 0 }, { lat: 0, lon: -180.5 }, { lat: '48', lon: 2 }, { lat: 0 }, { lat: 0, lon: 0, label: '' }, { lat: 0, lon: 0, label: 'x'.repeat(MAX_LOCATION_LABEL + 1) }, { lat: 0, lon: 0, label: 'a\nb' }, { lat: 0, lon: 0, label: 5 }];
  for (const location of bad) t.match(parseStatus(bytes(JSON.stringify({ ...online, location }))), { ok: false, reason: 'MALFORMED', detail: 'location' }, JSON.stringify(location));
});
