// The display conformance suite: every screen shows, amounts read right, and the payment QR scans with jsQR.
import type { Test } from 'tap';
import { formatAmount } from '#common';
import type { DisplayHandle, Screen } from '#drivers';
import { base45Code } from './helpers.js';

export interface DisplayRig {
  handle: DisplayHandle;
  /** What is on the device now: its text (if it shows text we can read back) and the decoded QR, if any. */
  observe(wantQr?: boolean): Promise<{ text?: string[]; qr?: string }>;
  showsQr: boolean;
}

export const ALL_SCREENS: Screen[] = [
  { kind: 'idle', title: 'Ready', subtitle: 'Tessera' },
  { kind: 'request', amount: 1250, currency: 'EUR', merchantName: 'Cafe Mondial', qrText: base45Code(450, 9) },
  { kind: 'processing' },
  { kind: 'approved', amount: 1250, currency: 'EUR', remaining: 3750, message: 'Thank you' },
  { kind: 'declined', reason: 'Code expired', code: 'EXPIRED' },
  { kind: 'out-of-order', why: 'Clock not trusted' },
  { kind: 'transit-ok', fare: 250, currency: 'KES', remaining: 1000 },
  { kind: 'transit-denied', reason: 'Deny-listed', code: 'DENY_LISTED' },
  { kind: 'already-validated' },
];

export function displayConformance(t: Test, name: string, makeRig: (t: Test) => Promise<DisplayRig>): void {
  t.test(`${name}: every screen shows and is current`, async (t) => {
    const rig = await makeRig(t);
    for (const s of ALL_SCREENS) {
      await rig.handle.show(s);
      t.same(rig.handle.current(), s, s.kind);
      t.same(rig.handle.status(), { state: 'connected' }, 'a working display says connected');
      const seen = await rig.observe(false);
      if (seen.text && s.kind === 'approved') t.ok(seen.text.some((l) => l.includes(formatAmount(1250, 'EUR'))), 'approved amount shown');
      if (seen.text && s.kind === 'declined') t.ok(seen.text.some((l) => l.includes('Code expired')), 'decline reason shown');
    }
  });

  t.test(`${name}: the payment request shows amount and a scannable QR`, async (t) => {
    const rig = await makeRig(t);
    const s = ALL_SCREENS[1] as Extract<Screen, { kind: 'request' }>;
    await rig.handle.show(s);
    const seen = await rig.observe(true);
    if (seen.text) t.ok(seen.text.some((l) => l.includes('EUR 12.50')), 'amount shown');
    if (rig.showsQr) t.equal(seen.qr, s.qrText, 'jsQR reads exactly the text sent');
    else t.equal(seen.qr, undefined);
    await rig.handle.show({ kind: 'processing' });
    t.equal((await rig.observe(true)).qr, undefined, 'QR gone once the payment is processing');
  });
}
