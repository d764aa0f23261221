// The Unifont subset: Latin-1 and Latin Extended-A draw as themselves, others fold or show '?', runs match pixels.
import t from 'tap';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphCode, glyphPixel, glyphRuns, hasGlyph } from './font.js';

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));

t.test('every printable ASCII, Latin-1 and Latin Extended-A character and the euro has a glyph of its own', async (t) => {
  const missing = [...range(0x20, 0x7e), ...range(0xa0, 0x17f), '€', 'ș', 'ț', '’', '…'].filter((c) => !hasGlyph(c));
  t.same(missing, ['\u00ad'], 'all but the soft hyphen (a placeholder box in Unifont)');
  t.equal(glyphCode('\u00ad'), 0x2d, 'which draws as a hyphen');
  t.equal(glyphCode('é'), 0xe9, 'é is drawn as é, not folded to e');
  t.equal(glyphCode('Ł'), 0x141);
  t.equal(glyphCode('œ'), 0x153);
});

t.test('accented letters differ from their base letter on screen', async (t) => {
  const bits = (ch: string): string => Array.from({ length: GLYPH_WIDTH * GLYPH_HEIGHT }, (_, i) => (glyphPixel(ch, i % GLYPH_WIDTH, Math.floor(i / GLYPH_WIDTH)) ? '#' : '.')).join('');
  for (const [a, b] of [['é', 'e'], ['è', 'e'], ['Ł', 'L'], ['ő', 'o'], ['ñ', 'n'], ['€', 'E']]) t.not(bits(a as string), bits(b as string), `${a} vs ${b}`);
  t.ok(bits('A').includes('#'), 'A has ink');
  t.notOk(bits(' ').includes('#'), 'space has none');
});

t.test('characters outside the font fold to a base letter, a space, or ?', async (t) => {
  t.equal(glyphCode('ǎ'), 'a'.charCodeAt(0), 'Latin Extended-B ǎ folds to a');
  t.equal(glyphCode('\u202f'), 0x20, 'narrow no-break space');
  t.equal(glyphCode('漢'), '?'.charCodeAt(0));
});

t.test('glyph runs cover exactly the set pixels of every glyph, each run a maximal vertical stretch', async (t) => {
  for (const ch of [...range(0x20, 0x7e), 'é', 'Ł', '€', '漢']) {
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
