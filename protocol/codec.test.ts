// Object codec: every kind round-trips; unknown critical keys refused; extension keys (≥1000) carried and ignored.
import t from 'tap';
import { type CborValue, decodeCbor, encodeCbor } from './cbor.js';
import { signSign1 } from './cose.js';
import { decodeObject, encodePayload, fromQrText, kindOfQrText, maxQrText, peekKind, signObject, toQrText, transactionId, recordHash } from './codec.js';
import { FLEET_KIND, MAX_BYTES, PREFIX, TYPE, type ObjectKind, type ObjectOf } from './objects.js';
import { createTestWorld, seededBytes } from './testkit.js';
import { decodeSign1 } from './cose.js';
import { sha256 } from './crypto/index.js';

t.test('all eleven object kinds round-trip through COSE bytes and QR text', async (t) => {
  const w = await createTestWorld({ seed: 'codec' });
  const term = await w.terminalCert();
  const purse = await w.purse();
  const pay = await w.payment(purse, {});
  const now = w.now;
  const objects: { [K in ObjectKind]: [ObjectOf[K], typeof w.issuer] } = {
    TRUST_LIST: [w.trustList, w.root],
    TERMINAL_CERT: [term.cert, w.issuer],
    PURSE_CERT: [purse.cert, w.issuer],
    PAYMENT_REQUEST: [{ terminalCert: term.bytes, amount: 450, currency: 'EUR', nonce: seededBytes('n', 16), time: now, reference: 'r-1' }, term.key],
    PAYMENT: [pay.payment, purse.key],
    RECEIPT: [{ txId: new Uint8Array(32).fill(3), amount: 450, currency: 'EUR', terminalId: 'T-0001', merchantId: 'M-CAFE', purseId: purse.cert.purseId, seq: 1, time: now, journalIndex: 9 }, term.key],
    JOURNAL_RECORD: [{ terminalId: 'T-0001', index: 1, prevHash: new Uint8Array(32), txId: new Uint8Array(32).fill(1), payment: pay.bytes, decision: 0, reason: 0, amountCharged: 450, time: now }, term.key],
    FLEET_MESSAGE: [{ kind: FLEET_KIND.config, version: 2, issuedAt: now, target: 'T-0001', config: { currency: 'EUR', operatorId: 'OP', utcOffsetMinutes: -300, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }] } }, w.issuer],
    ENROLMENT_REQUEST: [{ terminalId: 'T-0001', publicKey: term.cert.publicKey, hardwareId: 'hw', time: now }, term.key],
    ACK: [{ terminalId: 'T-0001', upTo: 9, hash: new Uint8Array(32).fill(7), time: now, results: [{ index: 3, status: 4, reason: 'chain break' }, { index: 9, status: 0 }], omitted: 2 }, w.clearing],
    RESYNC: [{ terminalId: 'T-0001', from: 4, time: now }, w.clearing],
  };
  for (const kind of Object.keys(objects) as ObjectKind[]) {
    const [obj, signer] = objects[kind];
    const bytes = await signObject(kind, obj as never, signer);
    t.ok(bytes.length <= MAX_BYTES[kind], `${kind} within its bound`);
    const text = toQrText(kind, bytes);
    t.ok(text.startsWith(PREFIX[kind]), `${kind} prefix`);
    t.equal(kindOfQrText(text), kind);
    t.equal(peekKind(bytes), kind);
    const back = fromQrText(kind, text);
    t.ok(back.ok, `${kind} QR text decodes`);
    const d = decodeObject(kind, back.ok ? back.value : new Uint8Array());
    t.ok(d.ok, `${kind} decodes`);
    if (d.ok) t.same(d.value.value, obj, `${kind} fields round-trip`);
    if (d.ok) t.same(encodePayload(kind, d.value.value), d.value.sign1.payload, `${kind} re-encodes to the same bytes`);
  }
  t.same(transactionId(decodeSign1(pay.bytes)), sha256(decodeSign1(pay.bytes).payload), 'txId = SHA-256 of the payload');
  t.same(recordHash(pay.bytes), sha256(pay.bytes), 'record hash = SHA-256 of the COSE bytes');
});

t.test('unknown critical keys are refused; extension keys ≥ 1000 are carried and ignored', async (t) => {
  const w = await createTestWorld({ seed: 'codec' });
  const purse = await w.purse();
  const base = new Map<number, CborValue>([
    [0, TYPE.RECEIPT],
    [1, 1],
    [2, new Uint8Array(32)],
    [3, 450],
    [4, 'EUR'],
    [5, 'T-0001'],
    [6, 'M-1'],
    [7, purse.cert.purseId],
    [8, 1],
    [9, w.now],
    [10, 1],
  ]);
  const sign = async (extra: [number, CborValue][]) => signSign1(encodeCbor(new Map([...base, ...extra])), w.issuer);
  t.ok(decodeObject('RECEIPT', await sign([])).ok, 'baseline decodes');
  for (const k of [11, 99, 999, -1]) {
    const r = decodeObject('RECEIPT', await sign([[k, 0]]));
    t.equal(r.ok ? 'ok' : r.reason, 'MALFORMED', `critical key ${k}`);
  }
  const ext = decodeObject('RECEIPT', await sign([[1000, 'loyalty'], [4242, [1, 2]]]));
  t.ok(ext.ok, 'extension keys are ignored');
  if (ext.ok) t.notOk('1000' in ext.value.value, 'and not surfaced as fields');
});

t.test('wrong types, bounds and versions', async (t) => {
  const w = await createTestWorld({ seed: 'codec' });
  const purse = await w.purse();
  const pay = await w.payment(purse, {});
  const sign = (m: Map<number, CborValue>) => signSign1(encodeCbor(m), purse.key);
  const payMap = (): Map<number, CborValue> => {
    const d = decodeSign1(pay.bytes);
    return decodeCbor(d.payload) as Map<number, CborValue>;
  };
  const cases: [string, (m: Map<number, CborValue>) => void, string][] = [
    ['amount as text', (m) => m.set(5, '450'), 'MALFORMED'],
    ['negative amount', (m) => m.set(5, -1), 'MALFORMED'],
    ['zero amount', (m) => m.set(5, 0), 'MALFORMED'],
    ['amount above 10^12', (m) => m.set(5, 1_000_000_000_001), 'MALFORMED'],
    ['currency lower case', (m) => m.set(6, 'eur'), 'MALFORMED'],
    ['seq 0', (m) => m.set(3, 0), 'MALFORMED'],
    ['nonce of 15 bytes', (m) => m.set(9, new Uint8Array(15)), 'MALFORMED'],
    ['missing time', (m) => m.delete(12), 'MALFORMED'],
    ['version 2', (m) => m.set(1, 2), 'UNSUPPORTED_VERSION'],
    ['type of a receipt', (m) => m.set(0, TYPE.RECEIPT), 'WRONG_TYPE'],
    ['type 77', (m) => m.set(0, 77), 'MALFORMED'],
  ];
  for (const [label, f, reason] of cases) {
    const m = payMap();
    f(m);
    const r = decodeObject('PAYMENT', await sign(m));
    t.equal(r.ok ? 'ok' : r.reason, reason, label);
  }
  const big = fromQrText('PAYMENT', 'TP1:' + '0'.repeat(maxQrText('PAYMENT')));
  t.equal(big.ok ? 'ok' : big.reason, 'TOO_LARGE', 'QR text over the bound');
  const bigBytes = decodeObject('PAYMENT', new Uint8Array(MAX_BYTES.PAYMENT + 1));
  t.equal(bigBytes.ok ? 'ok' : bigBytes.reason, 'TOO_LARGE', 'bytes over the bound, before parsing');
  await t.rejects(signObject('PAYMENT', { ...pay.payment, amount: -5 }, purse.key), 'the encoder refuses what the decoder would');
  t.equal(peekKind(new Uint8Array([1, 2, 3])), undefined);
});
