// Receipt model → ESC/POS bytes via @point-of-sale/receipt-printer-encoder; the QR is native or raster per profile.
import { receiptPrinterEncoder } from '../lazy.js';
import { z } from 'zod';
import { Canvas, qrMatrix, QR_QUIET_MODULES } from '../canvas.js';
import { AUTO_CODEPAGES, printableAsText } from './codepages.js';
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
  /** The register's reference of the payment request (merchant mode), printed under the transaction. */
  reference?: string;
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
  /**
   * 'auto': each line in the Windows code page that has its characters (1252, 1250, 1254, 1257: Latin-1
   * and Latin Extended-A), by ESC t. Or one code page name the encoder knows (cp437, cp858, …) for a
   * printer without those; ASCII lines print as text and any other line as a raster image of our font.
   */
  codepage: z.string().default('auto'),
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

/**
 * Text as it may reach the printer: control characters (ESC, GS, …, which the printer would run as
 * commands) become '?', and at most `max` characters are kept so a line cannot spill over.
 */
export function printable(text: string, max = Infinity): string {
  return [...text.replace(/\p{Cc}/gu, '?')].slice(0, max).join('');
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

/** An image of one text line in our 8×16 font, `dots` wide, as the printer's 12×24 font A would place it. */
function lineImage(text: string, dots: number, o: { center: boolean; size: number; bold: boolean }): { data: Uint8ClampedArray; width: number; height: number } {
  const height = 24 * o.size;
  const c = new Canvas(dots, height);
  const width = [...text].length * 12 * o.size;
  const x = o.center ? Math.max(0, Math.floor((dots - width) / 2)) : 0;
  let cx = x;
  for (const ch of text) {
    c.text(cx + 2 * o.size, 4 * o.size, ch, o.size, [0, 0, 0], { bold: o.bold });
    cx += 12 * o.size;
  }
  const data = new Uint8ClampedArray(dots * height * 4);
  for (let i = 0, j = 0; i < c.data.length; i += 3, j += 4) {
    data[j] = c.data[i] ?? 255;
    data[j + 1] = c.data[i + 1] ?? 255;
    data[j + 2] = c.data[i + 2] ?? 255;
    data[j + 3] = 255;
  }
  return { data, width: dots, height };
}

/** What every printed slip starts with: the merchant's header and name block (receipts and reports alike). */
export interface SlipHead {
  header?: string[];
  merchantName: string;
  merchantLines?: string[];
  /** Catalogue language of the labels and amounts (common/i18n.ts); English by default. */
  language?: string;
  footer?: string[];
}

/** Writes one slip: text lines in the code page that has them (else as an image of the line), alignment, rules, the cut. */
export interface SlipWriter {
  cols: number;
  dots: number;
  profile: PrinterProfile;
  encoder: ReturnType<typeof newEncoder>;
  line(text: string, o?: { size?: number; bold?: boolean }): void;
  align(a: 'left' | 'center'): void;
  /** The header, the merchant's name (double size) and lines, centred; the writer is left-aligned after it. */
  head(doc: SlipHead, banner?: string): void;
  /** The footer lines, centred, then the cut (or a feed): the slip's bytes. */
  finish(footer: string[]): Uint8Array;
}

function newEncoder(profile: PrinterProfile, cols: number) {
  return new (receiptPrinterEncoder())({
    language: 'esc-pos',
    columns: cols,
    newline: '\n',
    imageMode: 'raster',
    feedBeforeCut: 4,
    ...(profile.codepage === 'auto' ? { codepageCandidates: Object.keys(AUTO_CODEPAGES) as 'windows1252'[] } : {}),
  });
}

export function slipWriter(profileIn: Partial<PrinterProfile>): SlipWriter {
  const profile = PrinterProfileSchema.parse(profileIn);
  const cols = profileColumns(profile);
  const dots = profileDots(profile);
  const e = newEncoder(profile, cols);
  e.initialize().codepage(profile.codepage as 'cp437');
  // Text the printer's code pages cannot carry (Esperanto ĉ, Maltese ħ, …) prints as an image of the line.
  const state = { center: false };
  const line = (raw: string, o: { size?: number; bold?: boolean } = {}): void => {
    const text = printable(raw);
    const size = o.size ?? 1;
    const bold = o.bold ?? false;
    if (printableAsText(text, profile.codepage)) {
      if (size !== 1) e.size(size, size);
      if (bold) e.bold(true);
      e.line(text);
      if (bold) e.bold(false);
      if (size !== 1) e.size(1, 1);
      return;
    }
    const img = lineImage(text, dots, { ...state, size, bold });
    e.image(img, img.width, img.height, 'threshold');
  };
  const align = (a: 'left' | 'center'): void => {
    state.center = a === 'center';
    e.align(a);
  };
  return {
    cols,
    dots,
    profile,
    encoder: e,
    line,
    align,
    head(doc, banner) {
      align('center');
      for (const h of doc.header ?? []) line(h, { bold: true });
      line(doc.merchantName.slice(0, Math.floor(cols / 2)), { size: 2 });
      for (const l of doc.merchantLines ?? []) line(l);
      if (banner) line(banner, { bold: true });
      align('left');
      e.newline();
    },
    finish(footer) {
      align('center');
      for (const f of footer) line(f);
      align('left');
      if (profile.cut !== 'none') e.cut(profile.cut);
      else e.newline(4);
      return e.encode();
    },
  };
}

/** ESC/POS bytes for `receipt` on a printer described by `profile`. `reprint` marks the copy. */
export function encodeReceipt(receipt: Receipt, profileIn: Partial<PrinterProfile> = {}, opts: { reprint?: boolean } = {}): Uint8Array {
  const w = slipWriter(profileIn);
  const { cols, dots, line, align, profile } = w;
  const e = w.encoder;
  const lang = receipt.language;
  w.head(receipt, opts.reprint ? message(lang, 'reprint') : undefined);
  line(pair(message(lang, 'date'), formatDateTime(receipt.at, lang, receipt.timeZone), cols));
  line(pair(message(lang, 'transaction'), receipt.transactionId, cols));
  // The register's own text: at most 32 characters (as the protocol allows), and never wider than the paper.
  if (receipt.reference) line(pair(message(lang, 'reference'), printable(receipt.reference, Math.min(32, cols - 2)), cols));
  e.rule();
  const amount = formatAmount(receipt.amount, receipt.currency, lang);
  line(pair(message(lang, 'amount'), amount, cols), { bold: true });
  if (receipt.remaining !== undefined) line(pair(message(lang, 'balanceLeft'), formatAmount(receipt.remaining, receipt.currency, lang), cols));
  e.rule().newline();
  align('center');
  if (profile.qr === 'native') {
    e.qrcode(receipt.qrText, { model: 2, size: profile.qrModule, errorlevel: 'm' });
  } else {
    const img = qrImage(receipt.qrText, profile.qrModule, dots);
    e.image(img, img.width, img.height, 'threshold');
  }
  e.newline();
  return w.finish([message(lang, 'signedReceipt'), ...(receipt.footer ?? [])]);
}
