// Draws a payment code large, black on white at full width, and keeps the screen awake while it is shown.
import QRCode from 'qrcode';
import { useEffect, useRef } from 'react';

export function QrCode({ text, onDrawn }: { text: string; onDrawn?: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // ECC M, as the terminals' scanners were measured with; the margin is the quiet zone scanners need.
    QRCode.toCanvas(c, text, { errorCorrectionLevel: 'M', margin: 4, scale: 8, color: { dark: '#000000', light: '#ffffff' } })
      .then(() => onDrawn?.())
      .catch(() => undefined);
    let lock: { release(): Promise<void> } | undefined;
    const wl = (navigator as { wakeLock?: { request(t: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
    wl?.request('screen').then((l) => (lock = l)).catch(() => undefined);
    return () => void lock?.release().catch(() => undefined);
  }, [text, onDrawn]);
  return <canvas ref={canvas} className="qr" data-testid="payment-qr" aria-label="Payment code" />;
}
