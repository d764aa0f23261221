// The 8×16 bitmap font (GNU Unifont: ASCII, Latin-1, Latin Extended-A, €, punctuation) of the framebuffer display and the receipt renderer.
import { UNIFONT_BITMAPS, UNIFONT_CODEPOINTS } from './fonts/unifont.js';

export const GLYPH_WIDTH = 8;
export const GLYPH_HEIGHT = 16;
/** Advance per character: Unifont's half-width cells carry their own spacing. */
export const CELL_WIDTH = 8;

/** Code point → 16 row bytes (bit 7 the leftmost pixel), decoded once at load (a few hundred glyphs). */
const ROWS = new Map<number, Uint8Array>();
UNIFONT_CODEPOINTS.forEach((cp, i) => ROWS.set(cp, Uint8Array.from(Buffer.from(UNIFONT_BITMAPS.slice(i * 32, i * 32 + 32), 'hex'))));

const QUESTION = 0x3f;
/** Spaces that a code page or a character display lacks draw as a plain space. */
const SPACES = new Set([0x2007, 0x2008, 0x2009, 0x200a, 0x202f, 0x205f]);
const FALLBACK = new Map<number, number>();

/** True when the font has a glyph of its own for `ch` (no folding). */
export function hasGlyph(ch: string): boolean {
  return ROWS.has(ch.codePointAt(0) ?? -1);
}

/**
 * The code point drawn for `ch`: itself when the font has it; else a plain space for the typographic
 * spaces, the base letter of a decomposable letter outside the set (ǎ → a, so a name stays
 * readable), or '?'.
 */
export function glyphCode(ch: string): number {
  const code = ch.codePointAt(0) ?? QUESTION;
  if (ROWS.has(code)) return code;
  let folded = FALLBACK.get(code);
  if (folded === undefined) {
    const base = ch.normalize('NFD').codePointAt(0) ?? QUESTION;
    // U+00AD (soft hyphen) has only a placeholder box in Unifont: a hyphen is what a reader expects.
    folded = SPACES.has(code) ? 0x20 : code === 0xad ? 0x2d : base !== code && ROWS.has(base) ? base : QUESTION;
    FALLBACK.set(code, folded);
  }
  return folded;
}

function rowsOf(code: number): Uint8Array {
  return ROWS.get(code) ?? (ROWS.get(QUESTION) as Uint8Array);
}

/** True when pixel (x, y) of the glyph for `ch` is set (x from the left, y from the top). */
export function glyphPixel(ch: string, x: number, y: number): boolean {
  return (((rowsOf(glyphCode(ch))[y] ?? 0) >> (7 - x)) & 1) === 1;
}

const RUNS = new Map<number, readonly number[]>();

/**
 * The glyph for `ch` as vertical runs of set pixels, flat [x, y, length, …] in column order: text
 * draws one rectangle per run, and the runs of a glyph are worked out once, not at every frame.
 */
export function glyphRuns(ch: string): readonly number[] {
  const code = glyphCode(ch);
  let runs = RUNS.get(code);
  if (runs === undefined) {
    const rows = rowsOf(code);
    const set = (x: number, y: number): boolean => (((rows[y] ?? 0) >> (7 - x)) & 1) === 1;
    const out: number[] = [];
    for (let x = 0; x < GLYPH_WIDTH; x++) {
      for (let y = 0; y < GLYPH_HEIGHT; y++) {
        if (!set(x, y)) continue;
        let n = 1;
        while (y + n < GLYPH_HEIGHT && set(x, y + n)) n++;
        out.push(x, y, n);
        y += n;
      }
    }
    runs = out;
    RUNS.set(code, runs);
  }
  return runs;
}
