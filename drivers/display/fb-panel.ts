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

/**
 * Besides the pixels, the raster knows which lines hold anything but its background ("ink"): a frame
 * of the same background then clears only those lines instead of the whole panel, and two frames are
 * compared only where either has ink (a result screen inks ~15% of a 480×320 panel).
 */
export class PanelRaster extends Raster {
  /** stride × height bytes: exactly what the device holds. */
  readonly bytes: Buffer;
  private readonly px: Uint16Array | Uint32Array;
  /** Pixels per line, stride included. */
  private readonly pitch: number;
  private readonly colours = new Map<number, number>();
  private lastRgb: Rgb | undefined;
  private lastPacked = 0;
  /** The packed colour every line outside [inkFrom, inkTo) holds; undefined until a whole-raster fill. */
  private background: number | undefined;
  private inkFrom = 0;
  private inkTo = 0;

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
    if (xs === 0 && ys === 0 && x1 === this.width && y1 === this.height) return this.fillAll(v);
    if (ys < y1) {
      // Any other fill is ink, even in the background colour: only whole-raster fills define the background.
      if (this.inkFrom === this.inkTo) {
        this.inkFrom = ys;
        this.inkTo = y1;
      } else {
        if (ys < this.inkFrom) this.inkFrom = ys;
        if (y1 > this.inkTo) this.inkTo = y1;
      }
    }
    this.fill(xs, ys, x1, y1, v);
  }

  /** A new background: only the inked lines need it when the colour is the one already there. */
  private fillAll(v: number): void {
    if (this.background === v) {
      if (this.inkFrom < this.inkTo) this.fill(0, this.inkFrom, this.width, this.inkTo, v);
    } else {
      this.fill(0, 0, this.width, this.height, v);
      this.background = v;
    }
    this.inkFrom = this.inkTo = 0;
  }

  private fill(xs: number, ys: number, x1: number, y1: number, v: number): void {
    const px = this.px;
    if (x1 - xs > 16) {
      for (let y = ys; y < y1; y++) px.fill(v, y * this.pitch + xs, y * this.pitch + x1);
      return;
    }
    // Glyph strokes and QR modules are a few pixels wide: a plain loop beats a fill() call per line.
    for (let y = ys, row = ys * this.pitch; y < y1; y++, row += this.pitch) for (let i = row + xs; i < row + x1; i++) px[i] = v;
  }

  /** The first and last+1 line where this frame differs from `other` (same geometry), or undefined when equal. */
  changedLines(other: PanelRaster): { from: number; to: number } | undefined {
    // Same background: lines that neither frame inked are background in both, so only the union of
    // the inked ranges is compared. Padding bytes of a stride are never written, so they match too.
    if (this.background !== undefined && this.background === other.background) {
      const a = this.inkFrom < this.inkTo;
      const b = other.inkFrom < other.inkTo;
      if (!a && !b) return undefined;
      const from = Math.min(a ? this.inkFrom : this.height, b ? other.inkFrom : this.height);
      const to = Math.max(a ? this.inkTo : 0, b ? other.inkTo : 0);
      return this.changedIn(other.bytes, from, to);
    }
    return this.changedIn(other.bytes, 0, this.height);
  }

  /** changedLines, looking only at lines [lo, hi). */
  private changedIn(other: Buffer, lo: number, hi: number): { from: number; to: number } | undefined {
    // Bands of lines first, then lines inside the first and last changed band: ~50 memcmp calls, not one a line.
    const s = this.geometry.stride;
    const differs = (y0: number, y1: number) => this.bytes.compare(other, y0 * s, y1 * s, y0 * s, y1 * s) !== 0;
    const band = 16;
    const h = hi;
    let from = lo;
    while (from < h && !differs(from, Math.min(h, from + band))) from += band;
    if (from >= h) return undefined;
    while (!differs(from, from + 1)) from++;
    let to = lo + Math.ceil((h - lo) / band) * band;
    while (!differs(Math.max(from, to - band), Math.min(h, to))) to -= band;
    to = Math.min(h, to);
    while (!differs(to - 1, to)) to--;
    return { from, to };
  }
}
