// Decoders for HID scanner reports: boot-keyboard (keyboard wedge) and HID-POS (usage page 0x8C).
import { KEY_ENTER, KEY_KEYPAD_ENTER, KEY_TAB, MOD_SHIFT, keyFor, type Layout } from './keymap.js';

/** What a report means to the code assembler. */
export type HidEvent = { kind: 'text'; text: string } | { kind: 'end' };

/**
 * Boot keyboard reports are 8 bytes: modifiers, reserved, six key usages. A key counts once, on the
 * report where it first appears, so a held key or a repeated report does not double a character.
 */
export class KeyboardReportDecoder {
  private down = new Set<number>();

  constructor(
    private readonly layout: Layout,
    private readonly options: { tabEnds?: boolean; reportId?: boolean } = {},
  ) {}

  decode(report: Uint8Array): HidEvent[] {
    const r = this.options.reportId ? report.subarray(1) : report;
    const shift = ((r[0] ?? 0) & MOD_SHIFT) !== 0;
    const now = new Set<number>();
    const out: HidEvent[] = [];
    for (let i = 2; i < Math.min(8, r.length); i++) {
      const usage = r[i] ?? 0;
      if (usage <= 0x03) continue; // none / rollover error / POST fail / undefined
      now.add(usage);
      if (this.down.has(usage)) continue;
      if (usage === KEY_ENTER || usage === KEY_KEYPAD_ENTER || (usage === KEY_TAB && this.options.tabEnds)) {
        out.push({ kind: 'end' });
        continue;
      }
      const entry = this.layout.get(usage);
      // Unknown keys become a non-printable placeholder so the line is refused, not silently altered.
      const ch = entry ? (shift ? entry[1] : entry[0]) : '\u0000';
      out.push({ kind: 'text', text: ch === '' ? '\u0000' : ch });
    }
    this.down = now;
    return out;
  }

  reset(): void {
    this.down.clear();
  }
}

/** Reports a keyboard-wedge scanner sends for `text` followed by Enter (press, release per key). */
export function keyboardReportsFor(layout: Layout, text: string): Uint8Array[] {
  const reports: Uint8Array[] = [];
  for (const ch of text) {
    const key = keyFor(layout, ch);
    if (!key) throw new Error(`layout cannot type ${JSON.stringify(ch)}`);
    reports.push(Uint8Array.of(key.shift ? 0x02 : 0, 0, key.usage, 0, 0, 0, 0, 0));
    reports.push(new Uint8Array(8));
  }
  reports.push(Uint8Array.of(0, 0, KEY_ENTER, 0, 0, 0, 0, 0), new Uint8Array(8));
  return reports;
}

/**
 * HID-POS scanned-data reports, in the layout Honeywell and Zebra use in "HID POS" mode: byte 0 the
 * report ID (2), byte 1 the number of data bytes in this report, bytes 2–4 the AIM symbology
 * identifier, data from byte 5, and bit 0 of the last byte set when more reports follow.
 */
export const HID_POS = { reportId: 0x02, dataOffset: 5, reportLength: 64 } as const;

export function decodePosReport(report: Uint8Array): HidEvent[] {
  if (report[0] !== HID_POS.reportId) return [];
  const len = Math.min(report[1] ?? 0, report.length - HID_POS.dataOffset - 1);
  const data = report.subarray(HID_POS.dataOffset, HID_POS.dataOffset + Math.max(0, len));
  const more = ((report[report.length - 1] ?? 0) & 1) === 1;
  const out: HidEvent[] = [{ kind: 'text', text: Buffer.from(data).toString('latin1') }];
  if (!more) out.push({ kind: 'end' });
  return out;
}

/** The HID-POS reports a scanner sends for one code (symbology "]Q1", QR). */
export function posReportsFor(text: string): Uint8Array[] {
  const bytes = Buffer.from(text, 'latin1');
  const chunk = HID_POS.reportLength - HID_POS.dataOffset - 1;
  const reports: Uint8Array[] = [];
  for (let off = 0; off < bytes.length || off === 0; off += chunk) {
    const part = bytes.subarray(off, off + chunk);
    const r = new Uint8Array(HID_POS.reportLength);
    r[0] = HID_POS.reportId;
    r[1] = part.length;
    r.set([0x5d, 0x51, 0x31], 2);
    r.set(part, HID_POS.dataOffset);
    r[HID_POS.reportLength - 1] = off + chunk < bytes.length ? 1 : 0;
    reports.push(r);
    if (bytes.length === 0) break;
  }
  return reports;
}
