// Sealed payment details: only the issuer's SEALED key opens them, and any alteration is detected.
import t from 'tap';
import { seal, unseal } from './sealed.js';
import { KeySigner } from './signer.js';
import { seededSecret } from './testkit.js';
import { utf8 } from './bytes.js';
import { NobleBackend } from './crypto/index.js';

const recipient = new KeySigner(seededSecret('sealed-recipient'), new NobleBackend());
const msg = utf8('{"basket":"2 coffees","loyalty":"1234"}');

t.test('round trip, with fresh ephemeral keys each time', async (t) => {
  const a = seal(msg, recipient.publicKey);
  const b = seal(msg, recipient.publicKey);
  t.equal(a.length, 33 + msg.length + 16, 'ephemeral key ‖ ciphertext ‖ tag');
  t.notSame(a, b, 'two seals of one message differ');
  t.same(unseal(a, recipient.secretKey()), msg);
  t.same(unseal(b, recipient.secretKey()), msg);
  const fixed = seededSecret('eph');
  t.same(seal(msg, recipient.publicKey, fixed), seal(msg, recipient.publicKey, fixed), 'a fixed ephemeral secret is reproducible (vectors)');
});

t.test('tampering or a wrong key fails', async (t) => {
  const box = seal(msg, recipient.publicKey);
  for (const i of [0, 20, 33, 40, box.length - 1]) {
    const bad = Uint8Array.from(box);
    bad[i] = (bad[i] as number) ^ 1;
    t.throws(() => unseal(bad, recipient.secretKey()), `byte ${i} altered`);
  }
  t.throws(() => unseal(box.subarray(0, box.length - 1), recipient.secretKey()), 'truncated');
  t.throws(() => unseal(box.subarray(0, 40), recipient.secretKey()), /too short/);
  t.throws(() => unseal(box, seededSecret('someone-else')), 'another key');
});
