// Rasters with text, rectangles and QR codes: what the framebuffer and receipt renderers draw on.
import { createRequire } from 'node:module';
import type QRCodeModule from 'qrcode';
import type { PNG as PngClass } from 'pngjs';
import { CELL_WIDTH, GLYPH_HEIGHT, glyphRuns } from './font.js';

// qrcode and pngjs (both CommonJS) load on first use: a transit validator draws no QR and writes no PNG,
// and every module loaded is paid at each daemon start.
const require = createRequire(import.meta.url);
let qrcodeModule: typeof QRCodeModule | undefined;
let pngClass: typeof PngClass | undefined;
const qrcode = (): typeof QRCodeModule => (qrcodeModule ??= require('qrcode') as typeof QRCodeModule);
const Png = (): typeof PngClass => (pngClass ??= (require('pngjs') as { PNG: typeof PngClass }).PNG);

export type Rgb = readonly [number, number, number];
export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [255, 255, 255];

/** The module matrix of `text` as a QR code (ECC M; qrcode picks alphanumeric mode for Base45). */
export function qrMatrix(text: string, ecc: 'L' | 'M' | 'Q' | 'H' = 'M'): { size: number; dark: (x: number, y: number) => boolean } {
  const qr = qrcode().create(text, { errorCorrectionLevel: ecc });
  const { size, data } = qr.modules;
  return { size, dark: (x, y) => data[y * size + x] === 1 };
}

/** Quiet zone in modules on each side; 4 is the ISO/IEC 18004 minimum. */
export const QR_QUIET_MODULES = 4;

/**
 * Text, rectangles and QR codes over any pixel store: subclasses say how one rectangle is filled
 * (an RGB raster for receipts and PNGs, the panel's own pixel format for the framebuffer).
 */
export abstract class Raster {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Fills the rectangle, clipped to the raster. */
  fillRect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    const x1 = Math.min(this.width, x0 + w);
    const y1 = Math.min(this.height, y0 + h);
    const xs = Math.max(0, x0);
    const ys = Math.max(0, y0);
    if (xs < x1 && ys < y1) this.fillClipped(xs, ys, x1, y1, c);
  }

  /** Fills [xs, x1) × [ys, y1), already inside the raster and not empty. */
  protected abstract fillClipped(xs: number, ys: number, x1: number, y1: number, c: Rgb): void;

  /** Width in pixels of `text` at integer `scale`. */
  static textWidth(text: string, scale: number): number {
    return [...text].length * CELL_WIDTH * scale;
  }

  static textHeight(scale: number): number {
    return GLYPH_HEIGHT * scale;
  }

  /** Draws `text` with its top-left at (x, y); `scaleY` defaults to `scale`; `bold` doubles strokes. */
  text(x: number, y: number, text: string, scale: number, c: Rgb, opts: { scaleY?: number; bold?: boolean } = {}): void {
    const sy = opts.scaleY ?? scale;
    let cx = x;
    const w = scale + (opts.bold ? 1 : 0);
    for (const ch of text) {
      // One rectangle per vertical run of set pixels: a frame's text is a few hundred fills, not a thousand.
      const runs = glyphRuns(ch);
      for (let i = 0; i < runs.length; i += 3) this.fillRect(cx + (runs[i] as number) * scale, y + (runs[i + 1] as number) * sy, w, (runs[i + 2] as number) * sy, c);
      cx += CELL_WIDTH * scale;
    }
  }

  /** Centers `text` horizontally in the raster, shrinking the scale until it fits. */
  centeredText(y: number, text: string, maxScale: number, c: Rgb): number {
    let scale = maxScale;
    while (scale > 1 && Raster.textWidth(text, scale) > this.width) scale--;
    const w = Raster.textWidth(text, scale);
    this.text(Math.max(0, Math.floor((this.width - w) / 2)), y, text, scale, c);
    return Raster.textHeight(scale);
  }

  /** Draws a QR symbol with integer `module` size; (x, y) is the outer corner of the quiet zone. */
  qr(x: number, y: number, matrix: ReturnType<typeof qrMatrix>, module: number, dark: Rgb = BLACK, light: Rgb = WHITE): number {
    const total = (matrix.size + 2 * QR_QUIET_MODULES) * module;
    this.fillRect(x, y, total, total, light);
    const origin = QR_QUIET_MODULES * module;
    for (let my = 0; my < matrix.size; my++) {
      for (let mx = 0; mx < matrix.size; mx++) {
        if (matrix.dark(mx, my)) this.fillRect(x + origin + mx * module, y + origin + my * module, module, module, dark);
      }
    }
    return total;
  }
}

/** An RGB raster (3 bytes a pixel): receipts, PNGs, and the framebuffer emulator's view. */
export class Canvas extends Raster {
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = WHITE) {
    super(width, height);
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  pixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.data[i] ?? 0, this.data[i + 1] ?? 0, this.data[i + 2] ?? 0];
  }

  protected fillClipped(xs: number, ys: number, x1: number, y1: number, c: Rgb): void {
    // Fill the first row pixel by pixel, then copy it down: a whole-screen background is one per frame.
    const first = (ys * this.width + xs) * 3;
    const rowEnd = (ys * this.width + x1) * 3;
    for (let i = first; i < rowEnd; i += 3) {
      this.data[i] = c[0];
      this.data[i + 1] = c[1];
      this.data[i + 2] = c[2];
    }
    const stride = this.width * 3;
    for (let y = ys + 1; y < y1; y++) this.data.copyWithin(first + (y - ys) * stride, first, rowEnd);
  }

  toPng(): Buffer {
    // One fixed filter: pngjs's adaptive filter choice costs more than the rest of a render.
    const png = new (Png())({ width: this.width, height: this.height, filterType: 4 });
    for (let i = 0, j = 0; i < this.data.length; i += 3, j += 4) {
      png.data[j] = this.data[i] ?? 0;
      png.data[j + 1] = this.data[i + 1] ?? 0;
      png.data[j + 2] = this.data[i + 2] ?? 0;
      png.data[j + 3] = 255;
    }
    return Png().sync.write(png);
  }
}

/** Largest integer module size so a symbol of `modules` (plus quiet zone) fits in `space` pixels. */
export function moduleSizeFor(modules: number, space: number): number {
  return Math.floor(space / (modules + 2 * QR_QUIET_MODULES));
}
