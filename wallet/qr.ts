// QR in and out for the wallet: ANSI for a terminal, PNG files, and decoding a photographed request.
import { readFileSync } from 'node:fs';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { TesseraError } from '#common';

// jsqr is CommonJS with an `exports.default`: under NodeNext the default import is the module object.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr)) as JsQr;

/** ECC M: the size/robustness point the field notes measured for codes of this length. */
const ECC = 'M' as const;

export async function qrAnsi(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: ECC });
}

export async function qrPngFile(path: string, text: string): Promise<void> {
  await QRCode.toFile(path, text, { type: 'png', errorCorrectionLevel: ECC, margin: 4, scale: 6 });
}

export async function qrPngBuffer(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: ECC, margin: 4, scale: 6 });
}

/** Decodes the QR code in a PNG file (jsQR); throws when there is none. */
export function decodeQrPng(path: string): string {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (e) {
    throw new TesseraError('USAGE', `cannot read PNG ${path}: ${(e as Error).message}`, { cause: e });
  }
  const r = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  if (!r) throw new TesseraError('USAGE', `no QR code found in ${path}`);
  return r.data;
}
