// The printer conformance suite: prints, status refusals, no automatic reprint, QR scannable on the rendered receipt.
import type { Test } from 'tap';
import { EventBus } from '#common';
import type { DeviceEvents, PrinterEmulatorCore, PrinterHandle, PrinterProfile, Receipt } from '#drivers';
import { base45Code, decodeQrPng } from './helpers.js';

export interface PrinterRig {
  handle: PrinterHandle;
  emulator: PrinterEmulatorCore;
  /** Whether this transport reads status back (TCP, serial) or is write-only (usblp file). */
  readsBack: boolean;
  /** Printed bytes and their rendering (the file transport reads its file). */
  render(): ReturnType<PrinterEmulatorCore['render']>;
}

export type PrinterRigFactory = (t: Test, profile: Partial<PrinterProfile>, bus: EventBus<DeviceEvents>) => Promise<PrinterRig>;

export function receipt(n: number, qrText = base45Code(450, n)): Receipt {
  return {
    header: ['TESSERA'],
    merchantName: 'Cafe Mondial',
    merchantLines: ['Rue du Marche 4'],
    at: Date.UTC(2026, 10, 27, 14, 3, 9),
    amount: 1250 + n,
    currency: 'EUR',
    transactionId: `TX-${n}`,
    remaining: 3750,
    qrText,
    footer: ['Thank you'],
  };
}

type Variant = readonly [58 | 80, 'native' | 'raster'];
export const ALL_VARIANTS: Variant[] = [
  [58, 'raster'],
  [80, 'native'],
  [58, 'native'],
  [80, 'raster'],
];

/** `variants`: paper width × QR mode combinations to render and decode (each costs about a second). */
export function printerConformance(t: Test, name: string, makeRig: PrinterRigFactory, variants: Variant[] = ALL_VARIANTS): void {
  for (const [paperWidth, qr] of variants) {
    t.test(`${name}: ${paperWidth} mm ${qr} QR receipt renders and scans`, async (t) => {
      const bus = new EventBus<DeviceEvents>();
      const rig = await makeRig(t, { paperWidth, qr }, bus);
      const r = receipt(1);
      const out = await rig.handle.print(r);
      t.same(out, { ok: true, jobId: out.jobId });
      const rendered = rig.render();
      t.same(rendered.unknown, [], 'only commands the interpreter knows');
      t.equal(rendered.cuts, 1);
      t.ok(rendered.lines.some((l) => /^AMOUNT +EUR 12\.51$/.test(l)), 'amount line');
      t.ok(rendered.lines.includes('Cafe Mondial'));
      t.ok(rendered.lines.some((l) => l.includes('2026-11-27 14:03:09')));
      t.ok(rendered.lines.every((l) => l.length <= (paperWidth === 58 ? 32 : 48)), 'fits the columns');
      t.equal(decodeQrPng(rendered.png), r.qrText, 'jsQR reads the exact signed receipt text');
      t.same(rig.handle.pending(), []);
    });
  }

  t.test(`${name}: status refusals keep the job for an explicit reprint only`, async (t) => {
    const bus = new EventBus<DeviceEvents>();
    const states: string[] = [];
    bus.on('device:status', (e) => states.push(e.state));
    const rig = await makeRig(t, { paperWidth: 58, qr: 'raster' }, bus);
    if (!rig.readsBack) {
      t.equal(await rig.handle.queryStatus(), undefined, 'write-only transport cannot report status');
      t.equal(rig.handle.status().paper, undefined, 'and its status claims no paper state');
      return;
    }
    t.match(await rig.handle.queryStatus(), { paperOut: false });
    t.match(rig.handle.status(), { state: 'ready', paper: 'ok', coverOpen: false, error: false, online: true }, 'status() holds the last DLE EOT answer');
    rig.emulator.set({ paperOut: true });
    await rig.handle.queryStatus();
    t.match(rig.handle.status(), { state: 'paper-out', code: 'PRINTER_PAPER_OUT', paper: 'out' }, 'seen by a status query, before any receipt');
    const failed = await rig.handle.print(receipt(2));
    t.match(failed, { ok: false, code: 'PRINTER_PAPER_OUT' });
    t.equal(rig.render().lines.length, 0, 'nothing printed');
    t.same(rig.handle.pending().map((j) => j.transactionId), ['TX-2']);
    rig.emulator.set({ paperOut: false, coverOpen: true });
    t.match(await rig.handle.print(receipt(3)), { ok: false, code: 'PRINTER_COVER_OPEN' });
    t.match(rig.handle.status(), { state: 'cover-open', coverOpen: true, paper: 'ok' });
    rig.emulator.set({ coverOpen: false });
    const next = await rig.handle.print(receipt(4));
    t.equal(next.ok, true);
    const afterReload = rig.render();
    t.equal(afterReload.lines.filter((l) => l.startsWith('Transaction')).length, 1, 'queued receipts were not printed on their own');
    t.ok(afterReload.lines.some((l) => l.endsWith('TX-4')));
    const again = await rig.handle.reprint(failed.jobId);
    t.same(again, { ok: true, jobId: failed.jobId });
    const all = rig.render();
    t.ok(all.lines.includes('*** REPRINT ***'));
    t.ok(all.lines.some((l) => l.endsWith('TX-2')));
    t.same(rig.handle.pending().map((j) => j.transactionId), ['TX-3']);
    t.match(await rig.handle.reprint(failed.jobId), { ok: false, code: 'PRINTER_JOB_NOT_FOUND' }, 'printed once, gone');
    rig.emulator.set({ paperNearEnd: true });
    t.equal((await rig.handle.print(receipt(5))).ok, true, 'near end still prints by default');
    t.same(await rig.handle.queryStatus(), { online: true, paperOut: false, paperNearEnd: true, coverOpen: false, error: false });
    t.match(rig.handle.status(), { state: 'paper-near-end', paper: 'near-end' });
    t.ok(states.includes('paper-out') && states.includes('cover-open') && states.includes('paper-near-end'));
  });
}
