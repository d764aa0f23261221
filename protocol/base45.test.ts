// Base45 (RFC 9285): the RFC's examples and strict decoding.
import t from 'tap';
import { base45Decode, base45Encode } from './base45.js';
import { utf8 } from './bytes.js';

t.test('RFC 9285 examples', async (t) => {
  t.equal(base45Encode(utf8('AB')), 'BB8');
  t.equal(base45Encode(utf8('Hello!!')), '%69 VD92EX0');
  t.equal(base45Encode(utf8('base-45')), 'UJCLQE7W581');
  t.equal(base45Encode(utf8('ietf!')), 'QED8WEX0');
  t.same(base45Decode('QED8WEX0'), utf8('ietf!'));
  t.same(base45Decode('%69 VD92EX0'), utf8('Hello!!'));
  t.same(base45Decode(''), new Uint8Array(0));
});

t.test('round-trips every byte value and odd lengths', async (t) => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  t.same(base45Decode(base45Encode(all)), all);
  t.same(base45Decode(base45Encode(all.subarray(0, 255))), all.subarray(0, 255));
  t.equal(base45Encode(Uint8Array.of(0xff, 0xff)), 'FGW', 'the largest group');
});

t.test('decodes after a prefix without slicing, with positions counted from the start', async (t) => {
  t.same(base45Decode('TP1:QED8WEX0', 4), utf8('ietf!'));
  t.same(base45Decode('TP1:', 4), new Uint8Array(0));
  t.throws(() => base45Decode('TP1:QED8Wa', 4), /character at 5/, 'the bad character is the sixth after the prefix');
  t.throws(() => base45Decode('TP1:A', 4), /length/, 'a dangling character after the prefix');
});

t.test('refuses invalid input', async (t) => {
  t.throws(() => base45Decode('A'), /length/, 'a dangling single character');
  t.throws(() => base45Decode('GGW'), /out of range/, 'a triple above 65535');
  t.throws(() => base45Decode(':::'), /out of range/, 'the largest triple');
  t.throws(() => base45Decode('::'), /out of range/, 'a pair above 255');
  t.throws(() => base45Decode('abc'), /invalid Base45 character/, 'lower case');
  t.throws(() => base45Decode('AB\u00e9'), /invalid Base45 character/, 'non-ASCII');
  t.throws(() => base45Decode('A#B'), /invalid Base45 character/, 'a character outside the alphabet');
});
