// Framebuffer emulator: a plain file of the right size plus a fake sysfs tree, and a renderer back to PNG.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Canvas } from '../canvas.js';
import { readFbGeometry, unpackPixels } from './fb-geometry.js';

export interface EmulatedFramebuffer {
  device: string;
  sysfsRoot: string;
  fb: string;
}

/** Creates `<dir>/fb0` (zeroed, stride × height bytes) and `<dir>/sys/class/graphics/fb0/*`. Any depth may be faked. */
export function createFramebufferEmulator(dir: string, g: { width: number; height: number; bitsPerPixel: number; stride?: number; fb?: string }): EmulatedFramebuffer {
  const fb = g.fb ?? 'fb0';
  const stride = g.stride ?? Math.ceil((g.width * g.bitsPerPixel) / 8);
  const sysfsRoot = join(dir, 'sys');
  const classDir = join(sysfsRoot, 'class', 'graphics', fb);
  mkdirSync(classDir, { recursive: true });
  writeFileSync(join(classDir, 'virtual_size'), `${g.width},${g.height}\n`);
  writeFileSync(join(classDir, 'bits_per_pixel'), `${g.bitsPerPixel}\n`);
  writeFileSync(join(classDir, 'stride'), `${stride}\n`);
  writeFileSync(join(classDir, 'name'), 'tessera-emulated\n');
  const device = join(dir, fb);
  writeFileSync(device, Buffer.alloc(stride * g.height));
  return { device, sysfsRoot, fb };
}

/** What a person would see on the panel, as a PNG. */
export function renderFramebufferPng(emu: EmulatedFramebuffer): Buffer {
  const g = readFbGeometry(emu.fb, emu.sysfsRoot);
  const canvas = new Canvas(g.width, g.height);
  canvas.data.set(unpackPixels(readFileSync(emu.device), g));
  return canvas.toPng();
}
