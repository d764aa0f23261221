// ANSI console display for development over SSH: coloured text, QR drawn with half blocks (two modules per cell).
import type { Writable } from 'node:stream';
import { qrMatrix, QR_QUIET_MODULES } from '../canvas.js';
import { DISPLAY_CONNECTED, screenText, type DisplayDriver, type DisplayHandle, type Screen, type Tone } from './screens.js';

const TONE_SGR: Record<Tone, string> = { neutral: '1;37;44', info: '1;30;47', busy: '1;30;43', good: '1;37;42', bad: '1;37;41' };

/** The QR as lines of '▀' cells; each cell's foreground is the upper module, background the lower (black/white). */
export function qrHalfBlocks(text: string): string[] {
  const m = qrMatrix(text, 'M');
  const q = QR_QUIET_MODULES;
  const n = m.size + 2 * q;
  const dark = (x: number, y: number): boolean => x >= q && y >= q && x < n - q && y < n - q && m.dark(x - q, y - q);
  const out: string[] = [];
  for (let y = 0; y < n; y += 2) {
    let line = '';
    let prev = '';
    for (let x = 0; x < n; x++) {
      const sgr = `\x1b[${dark(x, y) ? 30 : 97};${y + 1 < n && dark(x, y + 1) ? 40 : 107}m`;
      line += (sgr === prev ? '' : sgr) + '▀';
      prev = sgr;
    }
    out.push(line + '\x1b[0m');
  }
  return out;
}

export function renderConsoleScreen(screen: Screen): string {
  const t = screenText(screen);
  const parts = ['\x1b[2J\x1b[H', `\x1b[${TONE_SGR[t.tone]}m  ${t.headline}  \x1b[0m`, ...t.lines.map((l) => `  ${l}`)];
  if (t.qrText) parts.push('', ...qrHalfBlocks(t.qrText));
  return parts.join('\n') + '\n';
}

export class ConsoleDisplay implements DisplayDriver {
  constructor(private readonly out: Writable = process.stdout) {}

  async open(): Promise<DisplayHandle> {
    let last: Screen | undefined;
    const out = this.out;
    return {
      show: (screen) =>
        new Promise<void>((resolve) => {
          last = screen;
          out.write(renderConsoleScreen(screen), () => resolve());
        }),
      current: () => last,
      status: () => ({ ...DISPLAY_CONNECTED }),
      close: async () => {},
    };
  }
}
