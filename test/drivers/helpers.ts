// Test helpers for driver suites: bounded waits, realistic Base45 payloads, temp dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';

export const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** A deterministic Base45-looking payment code of `length` characters starting with `TP1:`. */
export function base45Code(length = 450, seed = 1): string {
  let x = seed >>> 0 || 1;
  let s = 'TP1:';
  while (s.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += BASE45[(x >>> 16) % 45];
  }
  return s;
}

/** Resolves with the first matching event's args; rejects after `ms` (every wait in tests is bounded). */
export function waitFor<T extends unknown[]>(ee: EventEmitter, event: string, ms = 5000, filter: (...a: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ee.off(event, on);
      reject(new Error(`timed out after ${ms} ms waiting for ${event}`));
    }, ms);
    const on = (...args: unknown[]): void => {
      if (!filter(...(args as T))) return;
      clearTimeout(timer);
      ee.off(event, on);
      resolve(args as T);
    };
    ee.on(event, on);
  });
}

/** Polls `cond` every 10 ms until true or `ms` elapse. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'tessera-drv-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Decodes the QR code in a PNG with jsQR, an decoder independent of the qrcode encoder we print with. */
export function decodeQrPng(png: Buffer): string | undefined {
  // jsqr is CommonJS with an ESM-style typing; under NodeNext the default import is the module object.
  type Decode = (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
  const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as Decode;
  const img = PNG.sync.read(png);
  const result = jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.width, img.height);
  return result?.data;
}

/** Rebuilds the module grid from half-block console output (fg 30/97 = upper, bg 40/107 = lower) and decodes it. */
export function decodeHalfBlockQr(ansi: string): string | undefined {
  const rows = ansi.split('\n').filter((l) => l.includes('▀'));
  if (rows.length === 0) return undefined;
  const grid: boolean[][] = [];
  for (const row of rows) {
    const upper: boolean[] = [];
    const lower: boolean[] = [];
    let fg = 97;
    let bg = 107;
    // eslint-disable-next-line no-control-regex -- ANSI SGR sequences start with ESC
    const re = /\x1b\[(\d+);(\d+)m|▀/g;
    for (const m of row.matchAll(re)) {
      if (m[0] === '▀') {
        upper.push(fg === 30);
        lower.push(bg === 40);
      } else {
        fg = Number(m[1]);
        bg = Number(m[2]);
      }
    }
    grid.push(upper, lower);
  }
  const scale = 4;
  const w = (grid[0]?.length ?? 0) * scale;
  const h = grid.length * scale;
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = grid[Math.floor(y / scale)]?.[Math.floor(x / scale)] ? 0 : 255;
      const i = (y * w + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  return decodeQrPng(PNG.sync.write(png));
}
