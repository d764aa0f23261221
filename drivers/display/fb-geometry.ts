// Framebuffer geometry from sysfs (/sys/class/graphics/fbN): size, depth, stride; only 16 and 32 bpp are drawn.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError, errorMessage } from '#common';

export interface FbGeometry {
  width: number;
  height: number;
  bitsPerPixel: 16 | 32;
  /** Bytes per line, which may exceed width × bytes per pixel. */
  stride: number;
}

/** Reads fbN's geometry under `sysfsRoot` (default /sys). Throws DISPLAY_UNSUPPORTED for depths we cannot draw. */
export function readFbGeometry(fb: string, sysfsRoot = '/sys'): FbGeometry {
  const dir = join(sysfsRoot, 'class', 'graphics', fb);
  let size: string, bpp: string, stride: string;
  try {
    size = readFileSync(join(dir, 'virtual_size'), 'utf8').trim();
    bpp = readFileSync(join(dir, 'bits_per_pixel'), 'utf8').trim();
    stride = readFileSync(join(dir, 'stride'), 'utf8').trim();
  } catch (e) {
    throw new TesseraError('DISPLAY_OPEN_FAILED', `cannot read framebuffer geometry from ${dir}: ${errorMessage(e)}`, { cause: e });
  }
  const [w, h] = size.split(',').map((v) => Number.parseInt(v, 10));
  const depth = Number.parseInt(bpp, 10);
  const lineBytes = Number.parseInt(stride, 10);
  if (!w || !h || !lineBytes) throw new TesseraError('DISPLAY_OPEN_FAILED', `malformed framebuffer geometry in ${dir}: ${size} / ${stride}`);
  if (depth !== 16 && depth !== 32) {
    throw new TesseraError('DISPLAY_UNSUPPORTED', `${fb} uses ${depth} bits per pixel; Tessera draws RGB565 (16) or XRGB8888 (32). Set the depth with fbset or the panel overlay.`, {
      details: { fb, bitsPerPixel: depth },
    });
  }
  if (lineBytes < (w * depth) / 8) throw new TesseraError('DISPLAY_OPEN_FAILED', `${fb} stride ${lineBytes} is shorter than a line`);
  // Frames are drawn a whole pixel at a time (fb-panel.ts); every 16/32 bpp driver pads lines by whole pixels.
  if (lineBytes % (depth / 8) !== 0) {
    throw new TesseraError('DISPLAY_UNSUPPORTED', `${fb} stride ${lineBytes} is not a whole number of ${depth}-bit pixels`, { details: { fb, bitsPerPixel: depth } });
  }
  return { width: w, height: h, bitsPerPixel: depth, stride: lineBytes };
}

/** Packs an RGB raster into framebuffer bytes (RGB565 little-endian, or B,G,R,X for 32 bpp). */
export function packPixels(rgb: Uint8Array, g: FbGeometry): Buffer {
  // Runs once per frame on the decision path (480×320 = 153,600 pixels): one branch per frame, plain byte stores.
  const out = Buffer.alloc(g.stride * g.height);
  const w = g.width;
  const n = Math.min(w * g.height * 3, rgb.length);
  for (let y = 0; y < g.height; y++) {
    let i = y * w * 3;
    const end = Math.min(i + w * 3, n);
    let o = y * g.stride;
    if (g.bitsPerPixel === 16) {
      for (; i < end; i += 3, o += 2) {
        const v = (((rgb[i] as number) >> 3) << 11) | (((rgb[i + 1] as number) >> 2) << 5) | ((rgb[i + 2] as number) >> 3);
        out[o] = v & 0xff;
        out[o + 1] = v >> 8;
      }
    } else {
      for (; i < end; i += 3, o += 4) {
        out[o] = rgb[i + 2] as number;
        out[o + 1] = rgb[i + 1] as number;
        out[o + 2] = rgb[i] as number;
        out[o + 3] = 0xff;
      }
    }
  }
  return out;
}

/** The inverse of packPixels: framebuffer bytes to an RGB raster (for rendering the emulator to PNG). */
export function unpackPixels(fb: Uint8Array, g: FbGeometry): Uint8Array {
  const rgb = new Uint8Array(g.width * g.height * 3);
  const view = Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      const i = (y * g.width + x) * 3;
      if (g.bitsPerPixel === 16) {
        const v = view.readUInt16LE(y * g.stride + x * 2);
        const r = (v >> 11) & 0x1f;
        const gr = (v >> 5) & 0x3f;
        const b = v & 0x1f;
        rgb[i] = (r << 3) | (r >> 2);
        rgb[i + 1] = (gr << 2) | (gr >> 4);
        rgb[i + 2] = (b << 3) | (b >> 2);
      } else {
        const o = y * g.stride + x * 4;
        rgb[i] = view[o + 2] ?? 0;
        rgb[i + 1] = view[o + 1] ?? 0;
        rgb[i + 2] = view[o] ?? 0;
      }
    }
  }
  return rgb;
}
