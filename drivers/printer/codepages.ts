// The code pages receipt text is printed in (ESC t n), which characters each can carry, and bytes back to text for the emulator.

/**
 * The text code pages of `codepage: 'auto'`, with their ESC t numbers on Epson-compatible printers
 * (the encoder's 'epson' mapping). Windows pages because together they carry Latin-1 and nearly
 * all of Latin Extended-A (West, Central European, Turkish, Baltic), and because they are WHATWG
 * encodings, so the emulator decodes them with TextDecoder instead of tables of our own.
 */
export const AUTO_CODEPAGES = { windows1252: 16, windows1250: 45, windows1254: 48, windows1257: 51 } as const;
export type AutoCodepage = keyof typeof AUTO_CODEPAGES;

const WHATWG: Record<AutoCodepage, string> = { windows1252: 'windows-1252', windows1250: 'windows-1250', windows1254: 'windows-1254', windows1257: 'windows-1257' };

// The upper half of code page 437, the printers' power-on page (the encoder draws rules with its box characters).
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

// Node's TextDecoder takes windows-1252 for latin1 and drops 0x80..0x9F, so that stretch is spelt
// out here (WHATWG index-windows-1252); the rest of the page is latin1.
const CP1252_80_9F = '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ';

/** ESC t number → the characters of bytes 0x80..0xFF ('\ufffd' where the page has none). */
const HIGH_HALVES = new Map<number, string>([[0, CP437_HIGH]]);
for (const [name, n] of Object.entries(AUTO_CODEPAGES)) {
  const d = new TextDecoder(WHATWG[name as AutoCodepage]);
  const one = (b: number): string => {
    if (name === 'windows1252') return b < 0xa0 ? (CP1252_80_9F[b - 0x80] as string) : String.fromCharCode(b);
    const ch = d.decode(Uint8Array.of(b));
    return ch.length === 1 ? ch : '\ufffd';
  };
  HIGH_HALVES.set(n, Array.from({ length: 128 }, (_, i) => one(0x80 + i)).join(''));
}

const AUTO_CHARS = new Set<string>();
for (const n of Object.values(AUTO_CODEPAGES)) for (const ch of HIGH_HALVES.get(n) ?? '') if (ch !== '\ufffd') AUTO_CHARS.add(ch);
const CP437_CHARS = new Set(CP437_HIGH);

/**
 * True when the printer can print `text` as characters with profile code page `codepage`: ASCII
 * always; with 'auto' whatever one of AUTO_CODEPAGES has; with cp437 its own upper half. Any other
 * pinned page is trusted for ASCII only (we cannot check its upper half), so the rest goes as raster.
 */
export function printableAsText(text: string, codepage: string): boolean {
  for (const ch of text) {
    if (ch >= ' ' && ch <= '~') continue;
    if (codepage === 'auto' ? AUTO_CHARS.has(ch) : codepage === 'cp437' && CP437_CHARS.has(ch)) continue;
    return false;
  }
  return true;
}

/** The character byte `b` (≥ 0x80) prints as under ESC t `page`, for the emulator; '?' for a page it does not model. */
export function decodeHighByte(page: number, b: number): string {
  const ch = HIGH_HALVES.get(page)?.[b - 0x80];
  return ch === undefined || ch === '\ufffd' ? '?' : ch;
}
