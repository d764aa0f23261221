// The direct field decoder (hot path) accepts exactly what the generic one accepts, with the same fields.
import t from 'tap';
import { type CborValue, decodeCbor, decodeCborViews, encodeCbor } from './cbor.js';
import { encodePayload } from './codec.js';
import { FIELDS, FLEET_KIND, MAX_ITEMS, TYPE, VERSION, type ObjectKind, type ObjectOf } from './objects.js';
import { decodeFields, decodeFieldsDirect } from './schema.js';
import { createTestWorld, seededBytes, transitFields } from './testkit.js';

/** The generic route (what decodeObject falls back to): a Map, then decodeFields, then without type and version. */
function generic(kind: ObjectKind, payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const m = decodeCborViews(payload, MAX_ITEMS[kind]);
    if (!(m instanceof Map) || m.get(0) !== TYPE[kind] || m.get(1) !== VERSION) return undefined;
    const { type: _t, v: _v, ...rest } = decodeFields(m, FIELDS[kind]);
    return rest;
  } catch {
    return undefined;
  }
}

function direct(kind: ObjectKind, payload: Uint8Array): Record<string, unknown> | undefined {
  return decodeFieldsDirect(payload, MAX_ITEMS[kind], [TYPE[kind], VERSION], FIELDS[kind].filter((f) => f.key > 1));
}

const show = (o: unknown) => JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? `h'${Buffer.from(v).toString('hex')}'` : v instanceof Map ? [...v.entries()] : v));

t.test('on every object kind and every single-byte mutation of it, both decoders accept the same inputs with the same fields', async (t) => {
  const w = await createTestWorld({ seed: 'schema' });
  const term = await w.terminalCert();
  const purse = await w.purse();
  const pay = await w.payment(purse, {});
  const transit = await w.payment(purse, transitFields(w.now));
  const payloads: [ObjectKind, Uint8Array, string][] = [];
  const add = <K extends ObjectKind>(kind: K, obj: ObjectOf[K], name: string) => payloads.push([kind, encodePayload(kind, obj), name]);
  add('TRUST_LIST', w.trustList, 'trust list (array of maps)');
  add('TERMINAL_CERT', term.cert, 'terminal certificate');
  add('PURSE_CERT', purse.cert, 'purse certificate');
  add('PAYMENT', pay.payment, 'merchant payment');
  add('PAYMENT', transit.payment, 'transit payment (other optional fields)');
  add('FLEET_MESSAGE', { kind: FLEET_KIND.config, version: 2, issuedAt: w.now, config: { currency: 'EUR', operatorId: 'OP', utcOffsetMinutes: -300, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 250 }] } }, 'fleet config (nested map)');
  add('FLEET_MESSAGE', { kind: FLEET_KIND.denylist, version: 3, issuedAt: w.now, denylist: [seededBytes('d', 16)] }, 'deny list');
  // Extension keys (≥ 1000) are carried and ignored by both.
  const ext = decodeCbor(encodePayload('PAYMENT', pay.payment)) as Map<number, CborValue>;
  ext.set(1000, new Map<number, CborValue>([[1, 'x']]));
  payloads.push(['PAYMENT', encodeCbor(ext), 'payment with an extension key']);

  for (const [kind, payload, name] of payloads) {
    const g = generic(kind, payload);
    const d = direct(kind, payload);
    t.ok(g !== undefined, `${name}: generic accepts`);
    t.equal(show(d), show(g), `${name}: direct accepts it with the same fields`);
    let accepted = 0;
    let wrong = 0;
    for (let i = 0; i < payload.length; i++) {
      for (const x of [0x00, 0x01, 0x0d, 0x17, 0x18, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xf6, 0xff, payload[i]! ^ 0x01, payload[i]! + 1]) {
        const m = Uint8Array.from(payload);
        m[i] = x;
        const dm = direct(kind, m);
        const gm = generic(kind, m);
        if (dm === undefined && gm === undefined) continue;
        accepted++;
        if (show(dm) !== show(gm)) wrong++;
      }
    }
    t.equal(wrong, 0, `${name}: ${accepted} mutations accepted, each by both decoders with the same fields`);
  }
});

t.test('the direct decoder declines what needs the generic path to be named', async (t) => {
  const w = await createTestWorld({ seed: 'schema' });
  const pay = (await w.payment(await w.purse(), {})).payment;
  const m = decodeCbor(encodePayload('PAYMENT', pay)) as Map<number, CborValue>;
  const variant = (f: (x: Map<number, CborValue>) => void) => {
    const c = new Map(m);
    f(c);
    return encodeCbor(c);
  };
  const cases: [string, Uint8Array][] = [
    ['unknown critical key', variant((c) => c.set(999, 1))],
    ['negative key', variant((c) => c.set(-1, 1))],
    ['missing required field', variant((c) => c.delete(3))],
    ['missing type', variant((c) => c.delete(0))],
    ['missing version', variant((c) => c.delete(1))],
    ['wrong type', variant((c) => c.set(0, TYPE.RECEIPT))],
    ['wrong version', variant((c) => c.set(1, 2))],
    ['field of the wrong CBOR type', variant((c) => c.set(6, 978))],
    ['not a map', encodeCbor([1, 2])],
    ['trailing byte', Uint8Array.from([...encodeCbor(m), 0])],
  ];
  for (const [name, bytes] of cases) {
    t.equal(direct('PAYMENT', bytes), undefined, `${name}: direct declines`);
    t.equal(generic('PAYMENT', bytes), undefined, `${name}: generic refuses too`);
  }
});
