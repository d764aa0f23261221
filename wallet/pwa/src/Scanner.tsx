// The camera: getUserMedia at 720p and jsQR on each frame until a code is read; a refused or missing camera is reported, never retried silently.
import jsQR from 'jsqr';
import QRCode from 'qrcode';
import { useEffect, useRef } from 'react';

export interface ScannerProps {
  onText(text: string): void;
  onCameraError(message: string): void;
}

let warmed = false;

/**
 * jsQR's first decode in a page runs cold (parsing, compiling, no type feedback): measured at 2–4× a
 * warm one. One decode of a code drawn here, while the camera starts (the page waits on the device
 * anyway), takes that cost off the first camera frame.
 */
function warmDecoder(): void {
  if (warmed) return;
  warmed = true;
  const { modules } = QRCode.create(`TQ1:${'0'.repeat(300)}`, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const k = 3;
  const size = (n + 8) * k;
  const px = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++)
      if (modules.data[y * n + x])
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) px.fill(0, ((y + 4) * k + dy) * size * 4 + ((x + 4) * k + dx) * 4, ((y + 4) * k + dy) * size * 4 + ((x + 4) * k + dx) * 4 + 3);
  jsQR(px, size, size, { inversionAttempts: 'dontInvert' });
}

export function Scanner({ onText, onCameraError }: ScannerProps) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    performance.mark('tessera:camera-on');
    let frame = 0;
    const decodeAt = (v: HTMLVideoElement, k: number): string | undefined => {
      if (!ctx) return undefined;
      canvas.width = Math.round(v.videoWidth * k);
      canvas.height = Math.round(v.videoHeight * k);
      ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' })?.data || undefined;
    };
    const tick = () => {
      const v = video.current;
      if (stopped || !v || !ctx) return;
      if (v.readyState >= 2 && v.videoWidth > 0) {
        if (frame === 0) performance.mark('tessera:first-frame');
        const t0 = performance.now();
        // A 720p frame at half size is a quarter of jsQR's work and still ~4 px a module for a terminal's
        // code held at arm's length; every third frame also tries full size (a small or distant code).
        const half = v.videoWidth > 960 ? 0.5 : 1;
        const text = decodeAt(v, half) ?? (half < 1 && frame % 3 === 2 ? decodeAt(v, 1) : undefined);
        frame++;
        // Each frame's decoding, for the bench (where the time goes between the first frame and the code).
        performance.measure('tessera:frame-decode', { start: t0 });
        if (text) {
          performance.mark('tessera:decoded');
          stopped = true;
          onText(text);
          return;
        }
      }
      // requestVideoFrameCallback runs once per new camera frame (no busy loop); older browsers poll.
      if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(tick);
      else setTimeout(tick, 50);
    };
    const warming = setTimeout(warmDecoder, 0);
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return;
        video.current.srcObject = s;
        await video.current.play();
        performance.mark('tessera:camera-playing');
        tick();
      })
      .catch((e: unknown) => {
        if (stopped) return; // the person already left the scan screen
        const name = (e as { name?: string }).name;
        onCameraError(name === 'NotAllowedError' ? 'Camera permission was refused.' : `No camera available (${name ?? String(e)}).`);
      });
    return () => {
      clearTimeout(warming);
      stopped = true;
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  }, [onText, onCameraError]);
  return <video ref={video} className="camera" muted playsInline data-testid="camera" />;
}
