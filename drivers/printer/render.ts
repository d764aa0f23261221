// Interprets the ESC/POS subset Tessera emits (text, bold, size, align, cut, native QR, raster image) into a PNG.
import { BLACK, Canvas, WHITE, qrMatrix, QR_QUIET_MODULES } from '../canvas.js';
import { decodeHighByte } from './codepages.js';

type Op = (c: Canvas, y: number) => void;
interface Row {
  height: number;
  draw: Op;
}

export interface RenderedReceipt {
  png: Buffer;
  width: number;
  height: number;
  /** Text lines as printed (after alignment padding is trimmed), for assertions and humans. */
  lines: string[];
  /** Commands seen that this interpreter does not know (should stay empty for our own output). */
  unknown: string[];
  cuts: number;
  /** Payloads of native QR codes printed. */
  qrTexts: string[];
}

const CHAR_W = 12;
const CHAR_H = 24;
const LINE_GAP = 6;
const MARGIN = 16;
/** Box-drawing bytes of cp437 the encoder uses for rules, drawn with ASCII look-alikes. */
const CP437_RULES: Record<number, string> = { 0xc4: '-', 0xcd: '=', 0xb3: '|', 0xba: '|' };

/** Renders ESC/POS `bytes` for a printer `dots` wide (384 for 58 mm, 576 for 80 mm). */
export function renderEscPos(bytes: Uint8Array, dots = 576): RenderedReceipt {
  const rows: Row[] = [];
  const lines: string[] = [];
  const unknown: string[] = [];
  const qrTexts: string[] = [];
  let cuts = 0;
  let align = 0;
  let bold = false;
  let wm = 1;
  let hm = 1;
  // ESC t: the code page bytes 0x80..0xFF print in; 0 (cp437) at power-on and after ESC @.
  let page = 0;
  let line: Array<{ ch: string; bold: boolean; wm: number; hm: number }> = [];
  const qr = { size: 3, ecc: 'M' as 'L' | 'M' | 'Q' | 'H', data: '' };

  const place = (w: number): number => MARGIN + (align === 1 ? Math.max(0, Math.floor((dots - w) / 2)) : align === 2 ? Math.max(0, dots - w) : 0);
  const flush = (force: boolean): void => {
    if (line.length === 0 && !force) return;
    const chars = line;
    line = [];
    const width = chars.reduce((s, c) => s + CHAR_W * c.wm, 0);
    const height = chars.length ? Math.max(...chars.map((c) => CHAR_H * c.hm)) + LINE_GAP : CHAR_H + LINE_GAP;
    const x0 = place(width);
    lines.push(chars.map((c) => c.ch).join('').trim());
    rows.push({
      height,
      draw: (c, y) => {
        let x = x0;
        for (const ch of chars) {
          const base = y + height - LINE_GAP - CHAR_H * ch.hm;
          // An 8×16 glyph centred in the 12×24 cell of the printer's font A.
          c.text(x + 2 * ch.wm, base + 4 * ch.hm, ch.ch, ch.wm, BLACK, { scaleY: ch.hm, bold: ch.bold });
          x += CHAR_W * ch.wm;
        }
      },
    });
  };

  let i = 0;
  const b = (k: number): number => bytes[i + k] ?? 0;
  while (i < bytes.length) {
    const c = b(0);
    if (c === 0x0a) {
      flush(true);
      i++;
    } else if (c === 0x0d) {
      i++;
    } else if (c === 0x10 && b(1) === 0x04) {
      i += 3; // DLE EOT n: a status query, answered by the emulator, prints nothing
    } else if (c === 0x1b) {
      const cmd = b(1);
      if (cmd === 0x40) {
        page = 0;
        align = 0;
        bold = false;
        wm = hm = 1;
        i += 2;
      } else if (cmd === 0x45) {
        bold = (b(2) & 1) === 1;
        i += 3;
      } else if (cmd === 0x21) {
        bold = (b(2) & 0x08) !== 0;
        hm = b(2) & 0x10 ? 2 : 1;
        wm = b(2) & 0x20 ? 2 : 1;
        i += 3;
      } else if (cmd === 0x61) {
        flush(false);
        align = b(2) % 48;
        i += 3;
      } else if (cmd === 0x64) {
        flush(false);
        for (let n = 0; n < b(2); n++) flush(true);
        i += 3;
      } else if (cmd === 0x4a) {
        const h = b(2);
        rows.push({ height: h, draw: () => {} });
        i += 3;
      } else if (cmd === 0x74) {
        page = b(2);
        i += 3;
      } else if ([0x2d, 0x4d, 0x33, 0x47, 0x56, 0x7b, 0x52, 0x20].includes(cmd)) {
        i += 3; // underline, code page, font, spacing, double-strike, rotate, upside-down, charset: no visual model
      } else if (cmd === 0x32) {
        i += 2;
      } else if (cmd === 0x70) {
        i += 5;
      } else {
        unknown.push(`ESC ${cmd.toString(16)}`);
        i += 2;
      }
    } else if (c === 0x1c) {
      const cmd = b(1);
      if (cmd === 0x2e || cmd === 0x26) i += 2;
      else if (cmd === 0x43) i += 3;
      else {
        unknown.push(`FS ${cmd.toString(16)}`);
        i += 2;
      }
    } else if (c === 0x1d) {
      const cmd = b(1);
      if (cmd === 0x21) {
        wm = (b(2) >> 4) + 1;
        hm = (b(2) & 0x07) + 1;
        i += 3;
      } else if (cmd === 0x56) {
        flush(false);
        const m = b(2);
        i += m === 65 || m === 66 ? 4 : 3;
        cuts++;
        rows.push({
          height: 12,
          draw: (cv, y) => {
            for (let x = 0; x < dots; x += 8) cv.fillRect(MARGIN + x, y + 6, 4, 1, BLACK);
          },
        });
      } else if (cmd === 0x28 && b(2) === 0x6b) {
        const len = b(3) + b(4) * 256;
        const fn = b(6);
        const body = bytes.subarray(i + 5, i + 5 + len);
        if (fn === 67) qr.size = body[2] ?? 3;
        else if (fn === 69) qr.ecc = (['L', 'M', 'Q', 'H'] as const)[(body[2] ?? 49) - 48] ?? 'M';
        else if (fn === 80) qr.data = Buffer.from(body.subarray(3)).toString('latin1');
        else if (fn === 81) {
          flush(false);
          const text = qr.data;
          qrTexts.push(text);
          const m = qrMatrix(text, qr.ecc);
          const mod = qr.size;
          const side = (m.size + 2 * QR_QUIET_MODULES) * mod;
          const x0 = place(side);
          rows.push({ height: side, draw: (cv, y) => void cv.qr(x0, y, m, mod) });
        }
        i += 5 + len;
      } else if (cmd === 0x76 && b(2) === 0x30) {
        flush(false);
        const wBytes = b(4) + b(5) * 256;
        const h = b(6) + b(7) * 256;
        const data = bytes.subarray(i + 8, i + 8 + wBytes * h);
        const x0 = place(wBytes * 8);
        rows.push({
          height: h,
          draw: (cv, y) => {
            for (let yy = 0; yy < h; yy++)
              for (let xb = 0; xb < wBytes; xb++) {
                const v = data[yy * wBytes + xb] ?? 0;
                for (let bit = 0; bit < 8; bit++) if (v & (0x80 >> bit)) cv.setPixel(x0 + xb * 8 + bit, y + yy, BLACK);
              }
          },
        });
        i += 8 + wBytes * h;
      } else if ([0x42, 0x48, 0x66, 0x68, 0x77, 0x61].includes(cmd)) {
        i += 3;
      } else if (cmd === 0x4c || cmd === 0x57) {
        i += 4;
      } else {
        unknown.push(`GS ${cmd.toString(16)}`);
        i += 2;
      }
    } else if (c >= 0x20 || c === 0x09) {
      line.push({ ch: c === 0x09 ? ' ' : c < 0x7f ? String.fromCharCode(c) : ((page === 0 ? CP437_RULES[c] : undefined) ?? decodeHighByte(page, c)), bold, wm, hm });
      i++;
    } else {
      i++; // other control bytes print nothing
    }
  }
  flush(false);
  const height = rows.reduce((sum, r) => sum + r.height, 0) + 2 * MARGIN;
  const canvas = new Canvas(dots + 2 * MARGIN, height, WHITE);
  let y = MARGIN;
  for (const r of rows) {
    r.draw(canvas, y);
    y += r.height;
  }
  return { png: canvas.toPng(), width: canvas.width, height: canvas.height, lines, unknown, cuts, qrTexts };
}
