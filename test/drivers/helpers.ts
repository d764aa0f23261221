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
