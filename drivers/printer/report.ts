// Report slips (the Z-report) in the receipt's layout, and the one entry point the printer driver encodes any document through.
import { formatDateTime } from '#common';
import { encodeReceipt, pair, slipWriter, type PrinterProfile, type Receipt, type SlipHead } from './receipt.js';

/** One row of a report: "label ....... value", a section title, or a rule. */
export type ReportRow = { label: string; value?: string; bold?: boolean } | { rule: true };

/** A report the printer prints like a receipt, without an amount or signed QR: a title, when, and rows. */
export interface ReportSlip extends SlipHead {
  kind: 'report';
  /** Names the print job (the driver keeps a failed one under it), e.g. "Z 2026-12-05". */
  documentId: string;
  title: string;
  /** When it was printed (ms), in `timeZone`. */
  at: number;
  timeZone?: string;
  rows: ReportRow[];
}

/** What the printer prints: a payment receipt or a report. */
export type Printable = Receipt | ReportSlip;

export function isReport(doc: Printable): doc is ReportSlip {
  return 'kind' in doc && doc.kind === 'report';
}

/** The id a print job of `doc` is kept under. */
export function documentId(doc: Printable): string {
  return isReport(doc) ? doc.documentId : doc.transactionId;
}

export function encodeReport(slip: ReportSlip, profileIn: Partial<PrinterProfile> = {}): Uint8Array {
  const w = slipWriter(profileIn);
  w.head(slip, slip.title);
  w.line(formatDateTime(slip.at, slip.language, slip.timeZone));
  w.encoder.rule();
  for (const r of slip.rows) {
    if ('rule' in r) w.encoder.rule();
    else w.line(r.value === undefined ? r.label : pair(r.label, r.value, w.cols), { bold: r.bold ?? false });
  }
  w.encoder.rule().newline();
  return w.finish(slip.footer ?? []);
}

/** ESC/POS bytes for any printable document. */
export function encodeDocument(doc: Printable, profile: Partial<PrinterProfile> = {}, opts: { reprint?: boolean } = {}): Uint8Array {
  return isReport(doc) ? encodeReport(doc, profile) : encodeReceipt(doc, profile, opts);
}
