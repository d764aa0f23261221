// Receipt model → ESC/POS bytes via @point-of-sale/receipt-printer-encoder; the QR is native or raster per profile.
import { receiptPrinterEncoder } from '../lazy.js';
import { z } from 'zod';
import { qrMatrix, QR_QUIET_MODULES } from '../canvas.js';
import { formatAmount, formatDateTime, message } from '#common';

/** What a receipt says; the printer knows nothing about payments beyond these fields. */
export interface Receipt {
  header?: string[];
  merchantName: string;
  merchantLines?: string[];
  /** When the payment was made, ms since the epoch. */
  at: number;
  /** IANA time zone of the printed date (the merchant's); UTC by default. */
  timeZone?: string;
  /** Catalogue language of the labels and amounts (common/i18n.ts); English by default. */
  language?: string;
  amount: number;
  currency: string;
  transactionId: string;
  /** Remaining offline balance of the payer, when known. */
  remaining?: number;
  /** The signed receipt, printed as a QR code (Base45, alphanumeric mode). */
  qrText: string;
  footer?: string[];
}

export const PrinterProfileSchema = z.object({
  paperWidth: z.union([z.literal(58), z.literal(80)]).default(80),
  /** Characters per line in font A; defaults to 32 (58 mm) or 48 (80 mm). */
  columns: z.number().int().min(16).max(64).optional(),
  /** Printable dots per line; defaults to 384 (58 mm) or 576 (80 mm). */
  dots: z.number().int().min(128).max(1024).optional(),
  /** Code page name understood by the encoder (cp437, cp858 has €, …). */
  codepage: z.string().default('cp858'),
  /** 'native' uses GS ( k; 'raster' sends the QR as a GS v 0 image for printers without it. */
  qr: z.enum(['native', 'raster']).default('raster'),
  /** QR module size in dots. */
  qrModule: z.number().int().min(1).max(8).default(4),
  cut: z.enum(['full', 'partial', 'none']).default('partial'),
  /** Print when the paper-near-end sensor is on (there is usually a metre left); refuse if false. */
  printOnNearEnd: z.boolean().default(true),
});
export type PrinterProfile = z.output<typeof PrinterProfileSchema>;

export function profileColumns(p: PrinterProfile): number {
  return p.columns ?? (p.paperWidth === 58 ? 32 : 48);
}

export function profileDots(p: PrinterProfile): number {
  return p.dots ?? (p.paperWidth === 58 ? 384 : 576);
}

/** "label ....... value" on one line of `cols` characters (value wins when both do not fit). */
export function pair(label: string, value: string, cols: number): string {
  const gap = cols - label.length - value.length;
  return gap >= 1 ? label + ' '.repeat(gap) + value : `${label.slice(0, Math.max(0, cols - value.length - 1))} ${value}`;
}

/** A white-bordered QR image whose sides are multiples of 8 dots, as GS v 0 wants. */
function qrImage(text: string, module: number, maxDots: number): { data: Uint8ClampedArray; width: number; height: number } {
  const m = qrMatrix(text, 'M');
  let mod = module;
  while (mod > 1 && (m.size + 2 * QR_QUIET_MODULES) * mod > maxDots) mod--;
  const side = Math.ceil(((m.size + 2 * QR_QUIET_MODULES) * mod) / 8) * 8;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  const origin = QR_QUIET_MODULES * mod;
  for (let y = 0; y < m.size * mod; y++) {
    for (let x = 0; x < m.size * mod; x++) {
      if (!m.dark(Math.floor(x / mod), Math.floor(y / mod))) continue;
      const i = ((origin + y) * side + origin + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = 0;
    }
  }
  return { data, width: side, height: side };
}

/** ESC/POS bytes for `receipt` on a printer described by `profile`. `reprint` marks the copy. */
export function encodeReceipt(receipt: Receipt, profileIn: Partial<PrinterProfile> = {}, opts: { reprint?: boolean } = {}): Uint8Array {
  const profile = PrinterProfileSchema.parse(profileIn);
  const cols = profileColumns(profile);
  const e = new (receiptPrinterEncoder())({ language: 'esc-pos', columns: cols, newline: '\n', imageMode: 'raster', feedBeforeCut: 4 });
  e.initialize().codepage(profile.codepage as 'cp437');
  e.align('center');
  for (const h of receipt.header ?? []) e.bold(true).line(h).bold(false);
  e.size(2, 2).line(receipt.merchantName.slice(0, Math.floor(cols / 2))).size(1, 1);
  for (const l of receipt.merchantLines ?? []) e.line(l);
  const lang = receipt.language;
  if (opts.reprint) e.bold(true).line(message(lang, 'reprint')).bold(false);
  e.align('left').newline();
  e.line(pair(message(lang, 'date'), formatDateTime(receipt.at, lang, receipt.timeZone), cols));
  e.line(pair(message(lang, 'transaction'), receipt.transactionId, cols));
  e.rule();
  const amount = formatAmount(receipt.amount, receipt.currency, lang);
  e.bold(true).line(pair(message(lang, 'amount'), amount, cols)).bold(false);
  if (receipt.remaining !== undefined) e.line(pair(message(lang, 'balanceLeft'), formatAmount(receipt.remaining, receipt.currency, lang), cols));
  e.rule().newline().align('center');
  if (profile.qr === 'native') {
    e.qrcode(receipt.qrText, { model: 2, size: profile.qrModule, errorlevel: 'm' });
  } else {
    const img = qrImage(receipt.qrText, profile.qrModule, profileDots(profile));
    e.image(img, img.width, img.height, 'threshold');
  }
  e.newline().line(message(lang, 'signedReceipt'));
  for (const f of receipt.footer ?? []) e.line(f);
  e.align('left');
  if (profile.cut !== 'none') e.cut(profile.cut);
  else e.newline(4);
  return e.encode();
}
