import t from 'tap';
import { glyphCode } from './font.js';

t.test('the bitmap font folds accented letters to their base letter and unknown symbols to ?', async (t) => {
  t.equal(glyphCode('é'), 'e'.charCodeAt(0));
  t.equal(glyphCode('Ç'), 'C'.charCodeAt(0));
  t.equal(glyphCode('·'), '.'.charCodeAt(0));
  t.equal(glyphCode('A'), 'A'.charCodeAt(0));
  t.equal(glyphCode('漢'), '?'.charCodeAt(0));
});
