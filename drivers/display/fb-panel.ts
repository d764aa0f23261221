// A raster in the panel's own pixel format (RGB565 or XRGB8888, with its stride), so a frame is drawn once and written as is.
import { Raster, type Rgb } from '../canvas.js';
import type { FbGeometry } from './fb-geometry.js';

/** The framebuffer bytes of one pixel of colour `c`, as the element a Uint16Array/Uint32Array stores. */
function packedElement(c: Rgb, bitsPerPixel: 16 | 32): number {
  // Through bytes, so the element is right on any host byte order: the panel wants little-endian RGB565 and B,G,R,X.
  const b = Buffer.alloc(4);
  if (bitsPerPixel === 16) {
    b.writeUInt16LE(((c[0] >> 3) << 11) | ((c[1] >> 2) << 5) | (c[2] >> 3));
    return new Uint16Array(b.buffer, b.byteOffset, 1)[0] as number;
  }
  b.set([c[2], c[1], c[0], 0xff]);
  return new Uint32Array(b.buffer, b.byteOffset, 1)[0] as number;
}

export class PanelRaster extends Raster {
  /** stride × height bytes: exactly what the device holds. */
  readonly bytes: Buffer;
  private readonly px: Uint16Array | Uint32Array;
  /** Pixels per line, stride included. */
  private readonly pitch: number;
  private readonly colours = new Map<number, number>();
  private lastRgb: Rgb | undefined;
  private lastPacked = 0;

  constructor(readonly geometry: FbGeometry) {
    super(geometry.width, geometry.height);
    const size = geometry.stride * geometry.height;
    // An own ArrayBuffer, so the typed view is aligned; the geometry check guarantees a whole number of pixels per line.
    const ab = new ArrayBuffer(size);
    this.bytes = Buffer.from(ab);
    this.px = geometry.bitsPerPixel === 16 ? new Uint16Array(ab) : new Uint32Array(ab);
    this.pitch = geometry.stride / (geometry.bitsPerPixel / 8);
  }

  private packed(c: Rgb): number {
    if (c === this.lastRgb) return this.lastPacked;
    const key = (c[0] << 16) | (c[1] << 8) | c[2];
    let v = this.colours.get(key);
    if (v === undefined) {
      v = packedElement(c, this.geometry.bitsPerPixel);
      this.colours.set(key, v);
    }
    this.lastRgb = c;
    this.lastPacked = v;
    return v;
  }

  protected fillClipped(xs: number, ys: number, x1: number, y1: number, c: Rgb): void {
    const v = this.packed(c);
    const px = this.px;
    if (x1 - xs > 16) {
      for (let y = ys; y < y1; y++) px.fill(v, y * this.pitch + xs, y * this.pitch + x1);
      return;
    }
    // Glyph strokes and QR modules are a few pixels wide: a plain loop beats a fill() call per line.
    for (let y = ys, row = ys * this.pitch; y < y1; y++, row += this.pitch) for (let i = row + xs; i < row + x1; i++) px[i] = v;
  }

  /** The first and last+1 line where this frame differs from `other` (same geometry), or undefined when equal. */
  changedLines(other: Buffer): { from: number; to: number } | undefined {
    // Bands of lines first, then lines inside the first and last changed band: ~50 memcmp calls, not one a line.
    const s = this.geometry.stride;
    const differs = (y0: number, y1: number) => this.bytes.compare(other, y0 * s, y1 * s, y0 * s, y1 * s) !== 0;
    const band = 16;
    const h = this.height;
    let from = 0;
    while (from < h && !differs(from, Math.min(h, from + band))) from += band;
    if (from >= h) return undefined;
    while (!differs(from, from + 1)) from++;
    let to = Math.ceil(h / band) * band;
    while (!differs(Math.max(from, to - band), Math.min(h, to))) to -= band;
    to = Math.min(h, to);
    while (!differs(to - 1, to)) to--;
    return { from, to };
  }
}
