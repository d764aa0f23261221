import t from 'tap';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphCode, glyphPixel, glyphRuns } from './font.js';

t.test('the bitmap font folds accented letters to their base letter and unknown symbols to ?', async (t) => {
  t.equal(glyphCode('é'), 'e'.charCodeAt(0));
  t.equal(glyphCode('Ç'), 'C'.charCodeAt(0));
  t.equal(glyphCode('·'), '.'.charCodeAt(0));
  t.equal(glyphCode('A'), 'A'.charCodeAt(0));
  t.equal(glyphCode('漢'), '?'.charCodeAt(0));
});

t.test('glyph runs cover exactly the set pixels of every glyph, each run a maximal vertical stretch', async (t) => {
  const chars = [...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)), 'é', '€', '漢'];
  for (const ch of chars) {
    const runs = glyphRuns(ch);
    const covered = new Set<string>();
    for (let i = 0; i < runs.length; i += 3) {
      const [x, y, n] = [runs[i] as number, runs[i + 1] as number, runs[i + 2] as number];
      if (y > 0 && glyphPixel(ch, x, y - 1)) t.fail(`${ch}: run at ${x},${y} does not start at the top of its stretch`);
      if (y + n < GLYPH_HEIGHT && glyphPixel(ch, x, y + n)) t.fail(`${ch}: run at ${x},${y} stops short`);
      for (let k = 0; k < n; k++) covered.add(`${x},${y + k}`);
    }
    const set = new Set<string>();
    for (let x = 0; x < GLYPH_WIDTH; x++) for (let y = 0; y < GLYPH_HEIGHT; y++) if (glyphPixel(ch, x, y)) set.add(`${x},${y}`);
    t.same([...covered].sort(), [...set].sort(), `glyph ${JSON.stringify(ch)}`);
  }
  t.equal(glyphRuns('A'), glyphRuns('A'), 'worked out once');
});
