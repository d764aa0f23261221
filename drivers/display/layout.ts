// Lays a screen out on a raster: colours by tone, large headline, detail lines, and the QR at the largest integer module size.
import { Canvas, Raster, moduleSizeFor, qrMatrix, QR_QUIET_MODULES, type Rgb } from '../canvas.js';
import { screenText, type Screen, type Tone } from './screens.js';

const TONES: Record<Tone, { bg: Rgb; fg: Rgb }> = {
  neutral: { bg: [16, 32, 64], fg: [255, 255, 255] },
  info: { bg: [255, 255, 255], fg: [0, 0, 0] },
  busy: { bg: [255, 176, 0], fg: [0, 0, 0] },
  good: { bg: [0, 128, 48], fg: [255, 255, 255] },
  bad: { bg: [176, 0, 0], fg: [255, 255, 255] },
};

/** Centers `text` in the column [x, x+w), shrinking from `maxScale`; returns the height used. */
function centered(c: Raster, x: number, w: number, y: number, text: string, maxScale: number, fg: Rgb): number {
  let scale = maxScale;
  while (scale > 1 && Raster.textWidth(text, scale) > w) scale--;
  const tw = Raster.textWidth(text, scale);
  c.text(x + Math.max(0, Math.floor((w - tw) / 2)), y, text, scale, fg);
  return Raster.textHeight(scale);
}

function textBlock(c: Raster, x: number, w: number, y0: number, h: number, headline: string, lines: string[], fg: Rgb): void {
  // Headline glyphs about a sixth of the height (a 16-pixel glyph at scale 3 on a 320-line panel).
  const big = Math.max(2, Math.floor(h / 96));
  const small = Math.max(1, Math.floor(big / 2));
  const total = Raster.textHeight(big) + lines.length * (Raster.textHeight(small) + small * 4) + small * 4;
  let y = y0 + Math.max(0, Math.floor((h - total) / 2));
  y += centered(c, x, w, y, headline, big, fg) + small * 8;
  for (const l of lines) y += centered(c, x, w, y, l, small, fg) + small * 4;
}

/** Draws `screen` over the whole of `c`, background included. */
export function drawScreen(c: Raster, screen: Screen): void {
  const { width, height } = c;
  const t = screenText(screen);
  const { bg, fg } = TONES[t.tone];
  c.fillRect(0, 0, width, height, bg);
  if (!t.qrText) {
    textBlock(c, 0, width, 0, height, t.headline, t.lines, fg);
    return;
  }
  const m = qrMatrix(t.qrText, 'M');
  const landscape = width >= height;
  // The QR gets a square as large as the short side allows; text takes what is left.
  const qrSpace = landscape ? Math.min(height, Math.floor(width * 0.62)) : Math.min(width, Math.floor(height * 0.7));
  const module = Math.max(1, moduleSizeFor(m.size, qrSpace));
  const side = (m.size + 2 * QR_QUIET_MODULES) * module;
  if (landscape) {
    const textW = width - side;
    textBlock(c, 0, textW, 0, height, t.headline, t.lines, fg);
    c.qr(textW + Math.floor((width - textW - side) / 2), Math.floor((height - side) / 2), m, module);
  } else {
    const textH = height - side;
    textBlock(c, 0, width, 0, textH, t.headline, t.lines, fg);
    c.qr(Math.floor((width - side) / 2), textH, m, module);
  }
}

/** Draws `screen` on a new RGB canvas of the display's size (PNGs and the recording display). */
export function layoutScreen(screen: Screen, width: number, height: number): Canvas {
  const c = new Canvas(width, height);
  drawScreen(c, screen);
  return c;
}
