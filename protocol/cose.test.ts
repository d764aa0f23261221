// COSE_Sign1/ES256: round trip, low-S only, foreign algorithms, header strictness, both backends agree.
import t from 'tap';
import { encodeCbor, type CborValue } from './cbor.js';
import { ALG_ES256, COSE_SIGN1_TAG, CoseError, decodeSign1, protectedHeader, sigStructure, signSign1, verifySign1 } from './cose.js';
import { NobleBackend, NodeBackend, P256_N, bigintTo32, isCanonicalSignature, keyId, normalizeLowS } from './crypto/index.js';
import { KeySigner } from './signer.js';
import { seededSecret } from './testkit.js';
import { decodeObject } from './codec.js';
import { toHex, utf8 } from './bytes.js';

const node = new NodeBackend();
const noble = new NobleBackend();
const signer = new KeySigner(seededSecret('cose'), noble);
const payload = encodeCbor(new Map<number, CborValue>([[0, 5]]));

function highS(sig: Uint8Array): Uint8Array {
  let s = 0n;
  for (const b of sig.subarray(32)) s = (s << 8n) | BigInt(b);
  const out = Uint8Array.from(sig);
  out.set(bigintTo32(P256_N - s), 32);
  return out;
}

t.test('sign and verify round trip with both backends', async (t) => {
  const bytes = await signSign1(payload, signer);
  const s = decodeSign1(bytes);
  t.same(s.payload, payload);
  t.same(s.kid, keyId(signer.publicKey));
  t.equal(toHex(s.kid), toHex(signer.kid));
  t.ok(verifySign1(s, signer.publicKey, node), 'node verifies');
  t.ok(verifySign1(s, signer.publicKey, noble), 'noble verifies');
  const other = new KeySigner(seededSecret('cose-other'), noble);
  t.notOk(verifySign1(s, other.publicKey, node), 'another key does not');
  t.notOk(verifySign1(s, other.publicKey, noble));
  // Node signs too, always low-S, and noble verifies it.
  const nodeSigner = new KeySigner(seededSecret('cose'), node);
  for (let i = 0; i < 8; i++) {
    const b = await signSign1(utf8(`msg ${i}`), nodeSigner);
    const d = decodeSign1(b);
    t.ok(isCanonicalSignature(d.signature), 'node signatures are low-S');
    t.ok(verifySign1(d, signer.publicKey, noble));
  }
});

t.test('the Sig_structure is the RFC 9052 array', async (t) => {
  const prot = protectedHeader(signer.kid);
  t.same(sigStructure(prot, payload), encodeCbor(['Signature1', prot, new Uint8Array(0), payload]));
  const big = new Uint8Array(300);
  t.same(sigStructure(prot, big), encodeCbor(['Signature1', prot, new Uint8Array(0), big]));
  const huge = new Uint8Array(70_000).fill(9); // a four-byte length head
  t.same(sigStructure(prot, huge), encodeCbor(['Signature1', prot, new Uint8Array(0), huge]));
  t.equal(toHex(prot), 'a20126' + '0448' + toHex(signer.kid), 'protected header {1: -7, 4: kid}');
});

t.test('verifySign1 checks objects of every size, one after another (its Sig_structure buffer is reused)', async (t) => {
  for (const n of [0, 30, 5000, 300, 70_000, 10]) {
    const bytes = await signSign1(new Uint8Array(n).fill(n & 0xff), signer);
    const s = decodeSign1(bytes);
    t.ok(verifySign1(s, signer.publicKey, node), `${n}-byte payload verifies (node)`);
    t.ok(verifySign1(s, signer.publicKey, noble), `${n}-byte payload verifies (noble)`);
    const tampered = Uint8Array.from(s.payload);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    if (n > 0) t.notOk(verifySign1({ ...s, payload: tampered }, signer.publicKey, node), `${n}-byte payload altered`);
  }
});

t.test('the high-S twin of a valid signature is valid ECDSA but refused', async (t) => {
  const bytes = await signSign1(payload, signer);
  const s = decodeSign1(bytes);
  const twin = highS(s.signature);
  const msg = sigStructure(s.protectedBytes, s.payload);
  t.ok(node.verify(signer.publicKey, msg, twin), 'OpenSSL accepts the twin');
  t.notOk(isCanonicalSignature(twin));
  t.notOk(verifySign1({ ...s, signature: twin }, signer.publicKey, node), 'verifySign1 refuses it (node)');
  t.notOk(verifySign1({ ...s, signature: twin }, signer.publicKey, noble), 'verifySign1 refuses it (noble)');
  t.same(normalizeLowS(twin), s.signature, 'normalizeLowS maps it back');
  t.notOk(isCanonicalSignature(new Uint8Array(64)), 'r = s = 0');
  t.notOk(isCanonicalSignature(Uint8Array.from([...bigintTo32(P256_N), ...s.signature.subarray(32)])), 'r = n');
});

t.test('decodeSign1 refuses foreign algorithms and malformed structures', async (t) => {
  const sig = new Uint8Array(64).fill(1);
  const cose = (prot: Uint8Array, unprot: CborValue = new Map(), pl: CborValue = payload, sg: CborValue = sig, tag = COSE_SIGN1_TAG) => encodeCbor({ tag, value: [prot, unprot, pl, sg] });
  const hdr = (entries: [number, CborValue][]) => encodeCbor(new Map(entries));
  const unsupported = t.throws(() => decodeSign1(cose(hdr([[1, -35], [4, signer.kid]]))), CoseError) as unknown;
  void unsupported;
  try {
    decodeSign1(cose(hdr([[1, -35], [4, signer.kid]])));
  } catch (e) {
    t.ok((e as CoseError).unsupported, 'ES384 is marked unsupported');
  }
  t.throws(() => decodeSign1(cose(hdr([[4, signer.kid]]))), /alg missing/);
  t.throws(() => decodeSign1(cose(hdr([[1, ALG_ES256], [4, new Uint8Array(7)]]))), /kid/);
  t.throws(() => decodeSign1(cose(hdr([[1, ALG_ES256], [3, 0], [4, signer.kid]]))), /unknown protected header/);
  t.throws(() => decodeSign1(cose(protectedHeader(signer.kid), new Map([[4, signer.kid]]))), /unprotected/);
  t.throws(() => decodeSign1(cose(protectedHeader(signer.kid), new Map(), 'text')), /payload/);
  t.throws(() => decodeSign1(cose(protectedHeader(signer.kid), new Map(), payload, new Uint8Array(65))), /64 bytes/);
  t.throws(() => decodeSign1(encodeCbor({ tag: 18, value: [protectedHeader(signer.kid), new Map(), payload] })), /4-element/);
  t.throws(() => decodeSign1(encodeCbor([protectedHeader(signer.kid), new Map(), payload, sig])), /tagged/);
  t.throws(() => decodeSign1(cose(Uint8Array.of(0xff))), /protected header/);
  // Through the codec, a foreign alg becomes UNSUPPORTED_VERSION and anything else MALFORMED.
  const r = decodeObject('PAYMENT', cose(hdr([[1, -35], [4, signer.kid]])));
  t.equal(r.ok ? 'ok' : r.reason, 'UNSUPPORTED_VERSION');
  const m = decodeObject('PAYMENT', cose(hdr([[4, signer.kid]])));
  t.equal(m.ok ? 'ok' : m.reason, 'MALFORMED');
});

t.test('decodeSign1 accepts exactly the canonical encoding: what it returns re-encodes to the input', async (t) => {
  const sig = new Uint8Array(64).fill(7);
  const reencode = (s: ReturnType<typeof decodeSign1>) => encodeCbor({ tag: COSE_SIGN1_TAG, value: [s.protectedBytes, new Map(), s.payload, s.signature] });
  // Payload lengths on both sides of every byte-string head size.
  for (const n of [0, 1, 23, 24, 255, 256, 1000, 70_000]) {
    const pl = new Uint8Array(n).fill(n & 0xff);
    const bytes = encodeCbor({ tag: COSE_SIGN1_TAG, value: [protectedHeader(signer.kid), new Map(), pl, sig] });
    const s = decodeSign1(bytes);
    t.equal(toHex(s.payload), toHex(pl), `payload of ${n} bytes`);
    t.equal(toHex(s.kid), toHex(signer.kid));
    t.equal(toHex(s.signature), toHex(sig));
    let accepted = 0;
    if (n <= 256) {
      for (let i = 0; i < bytes.length; i++) {
        for (const x of [0x00, 0x01, 0x17, 0x18, 0x40, 0x58, 0x59, 0xa0, 0xff, bytes[i]! ^ 0x01]) {
          const m = Uint8Array.from(bytes);
          m[i] = x;
          let s2;
          try {
            s2 = decodeSign1(m);
          } catch {
            continue;
          }
          accepted++;
          if (toHex(reencode(s2)) !== toHex(m)) t.fail(`mutation at ${i} to ${x} decoded non-canonically`);
        }
      }
      t.ok(accepted > 0, `${accepted} accepted mutations (kid, payload and signature bytes) all canonical`);
    }
  }
  // The same payload behind a longer-than-needed length head is refused.
  const pl = new Uint8Array(5);
  const good = encodeCbor({ tag: COSE_SIGN1_TAG, value: [protectedHeader(signer.kid), new Map(), pl, sig] });
  const at = 3 + 13 + 1; // after tag, array head, protected header and the empty map
  const long = Uint8Array.from([...good.subarray(0, at), 0x58, 5, ...good.subarray(at + 1)]);
  t.throws(() => decodeSign1(long), /non-shortest/, 'payload length 5 in a two-byte head');
  const trailing = Uint8Array.from([...good, 0]);
  t.throws(() => decodeSign1(trailing), /trailing/, 'a byte after the signature');
});
