// A PNG as a Y4M clip for Chromium's fake camera: the picture scaled and centred in a 4:2:0 frame (pure TS, pngjs only).
import { openSync, writeSync, closeSync } from 'node:fs';
import { PNG } from 'pngjs';

export interface Y4mOptions {
  width?: number;
  height?: number;
  /** Integer upscale of the picture (a phone held close to the terminal's screen). */
  scale?: number;
  frames?: number;
}

/** Writes `png` as a Y4M file (default 1280×720, 30 fps, picture ×2 on mid grey). */
export function pngToY4m(png: Buffer, path: string, o: Y4mOptions = {}): void {
  const W = o.width ?? 1280;
  const H = o.height ?? 720;
  const k = o.scale ?? 2;
  const img = PNG.sync.read(png);
  const ox = Math.floor((W - img.width * k) / 2);
  const oy = Math.floor((H - img.height * k) / 2);
  const rgb = (x: number, y: number): [number, number, number] => {
    const sx = Math.floor((x - ox) / k);
    const sy = Math.floor((y - oy) / k);
    if (sx < 0 || sy < 0 || sx >= img.width || sy >= img.height) return [128, 128, 128];
    const i = (sy * img.width + sx) * 4;
    return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
  };
  // BT.601 full range (C420jpeg), chroma averaged over each 2×2 block.
  const Y = Buffer.alloc(W * H);
  const U = Buffer.alloc((W / 2) * (H / 2));
  const V = Buffer.alloc((W / 2) * (H / 2));
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const [r, g, b] = rgb(x, y);
    Y[y * W + x] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < H / 2; y++) for (let x = 0; x < W / 2; x++) {
    let u = 0;
    let v = 0;
    for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
      const [r, g, b] = rgb(2 * x + dx, 2 * y + dy);
      u += 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      v += 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
    U[y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(u / 4)));
    V[y * (W / 2) + x] = Math.max(0, Math.min(255, Math.round(v / 4)));
  }
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`);
    for (let f = 0; f < (o.frames ?? 2); f++) {
      writeSync(fd, 'FRAME\n');
      writeSync(fd, Y);
      writeSync(fd, U);
      writeSync(fd, V);
    }
  } finally {
    closeSync(fd);
  }
}
