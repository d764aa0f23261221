// Draws a payment code large, black on white at full width (one canvas pixel a module, scaled up crisp), and keeps the screen awake while it is shown.
import QRCode from 'qrcode';
import { useLayoutEffect, useRef } from 'react';

/** The quiet zone scanners need around a code, in modules. */
const MARGIN = 4;

export function QrCode({ text, onDrawn }: { text: string; onDrawn?: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // Layout effect: drawn before the browser paints the screen, so the code appears with it.
  useLayoutEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    // ECC M, as the terminals' scanners were measured with.
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const n = modules.size;
    c.width = c.height = n + 2 * MARGIN;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.fillStyle = '#000000';
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (modules.data[y * n + x]) ctx.fillRect(x + MARGIN, y + MARGIN, 1, 1);
    onDrawn?.();
    let lock: { release(): Promise<void> } | undefined;
    const wl = (navigator as { wakeLock?: { request(t: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
    wl?.request('screen').then((l) => (lock = l)).catch(() => undefined);
    return () => void lock?.release().catch(() => undefined);
  }, [text, onDrawn]);
  return <canvas ref={canvas} className="qr" data-testid="payment-qr" aria-label="Payment code" />;
}
