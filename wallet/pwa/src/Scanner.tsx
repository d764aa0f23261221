// The camera: getUserMedia at 720p and jsQR on each frame until a code is read; a refused or missing camera is reported, never retried silently.
import jsQR from 'jsqr';
import { useEffect, useRef } from 'react';

export interface ScannerProps {
  onText(text: string): void;
  onCameraError(message: string): void;
}

export function Scanner({ onText, onCameraError }: ScannerProps) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    performance.mark('tessera:camera-on');
    const tick = () => {
      const v = video.current;
      if (stopped || !v || !ctx) return;
      if (v.readyState >= 2 && v.videoWidth > 0) {
        canvas.width = v.videoWidth;
        canvas.height = v.videoHeight;
        ctx.drawImage(v, 0, 0);
        const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
        if (code?.data) {
          performance.mark('tessera:decoded');
          stopped = true;
          onText(code.data);
          return;
        }
      }
      // requestVideoFrameCallback runs once per new camera frame (no busy loop); older browsers poll.
      if ('requestVideoFrameCallback' in v) v.requestVideoFrameCallback(tick);
      else setTimeout(tick, 50);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return;
        video.current.srcObject = s;
        await video.current.play();
        tick();
      })
      .catch((e: unknown) => {
        if (stopped) return; // the person already left the scan screen
        const name = (e as { name?: string }).name;
        onCameraError(name === 'NotAllowedError' ? 'Camera permission was refused.' : `No camera available (${name ?? String(e)}).`);
      });
    return () => {
      stopped = true;
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
  }, [onText, onCameraError]);
  return <video ref={video} className="camera" muted playsInline data-testid="camera" />;
}
