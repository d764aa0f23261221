// The scanner conformance suite: every scanner implementation must pass it over its device boundary.
import type { Test } from 'tap';
import { ManualClock } from '#common';
import type { ScanRefusal, ScannerHandle, ScannerStatus } from '#drivers';
import { base45Code, waitFor } from './helpers.js';

export interface ScannerRig {
  /** Opens the driver under test. */
  handle: ScannerHandle;
  /** Presents a whole code as the device would send it. */
  present(code: string): Promise<void>;
  /** Sends a line with non-printable bytes. */
  garbage(): Promise<void>;
  /** Sends the first part of a code, then the device vanishes. */
  vanishMidCode(partial: string): Promise<void>;
  /** The device comes back at the same path. */
  replug(): Promise<void>;
}

export type RigFactory = (t: Test, opts: { clock: ManualClock; maxLength: number; rereadWindowMs: number }) => Promise<ScannerRig>;

export function scannerConformance(t: Test, name: string, makeRig: RigFactory): void {
  const setup = async (t: Test) => {
    const clock = new ManualClock(0);
    const rig = await makeRig(t, { clock, maxLength: 600, rereadWindowMs: 1000 });
    const scans: string[] = [];
    rig.handle.on('scan', (c) => scans.push(c));
    t.teardown(() => rig.handle.close());
    return { clock, rig, scans };
  };

  t.test(`${name}: delivers a 450-character Base45 code exactly`, async (t) => {
    const { rig, scans } = await setup(t);
    t.equal(rig.handle.status().state, 'connected');
    const code = base45Code(450);
    const got = waitFor<[string]>(rig.handle, 'scan');
    await rig.present(code);
    t.same(await got, [code]);
    t.same(scans, [code]);
  });

  t.test(`${name}: one scan per presentation, again after the re-read window`, async (t) => {
    const { clock, rig, scans } = await setup(t);
    const a = base45Code(80, 2);
    const first = waitFor(rig.handle, 'scan');
    await rig.present(a);
    await first;
    clock.advance(900);
    for (let i = 0; i < 5; i++) await rig.present(a); // a presentation scanner re-reads while the code is held
    const sentinel = waitFor(rig.handle, 'scan', 5000, (c: string) => c === 'TP1:SENTINEL');
    await rig.present('TP1:SENTINEL');
    await sentinel;
    t.same(scans, [a, 'TP1:SENTINEL'], 'held code delivered once');
    clock.advance(1001); // measured from the last re-read
    const again = waitFor(rig.handle, 'scan', 5000, (c: string) => c === a);
    await rig.present(a);
    await again;
    t.same(scans, [a, 'TP1:SENTINEL', a], 'presented again after the window');
  });

  t.test(`${name}: over-long lines and garbage are refused with a reason, the next code still arrives`, async (t) => {
    const { rig, scans } = await setup(t);
    const refused: ScanRefusal[] = [];
    rig.handle.on('refused', (r) => refused.push(r));
    const tooLong = waitFor(rig.handle, 'refused');
    await rig.present(base45Code(700, 3));
    await tooLong;
    const garbage = waitFor(rig.handle, 'refused');
    await rig.garbage();
    await garbage;
    const good = base45Code(120, 4);
    const got = waitFor(rig.handle, 'scan');
    await rig.present(good);
    await got;
    t.same(scans, [good]);
    t.same(refused.map((r) => [r.reason, r.maxLength]), [['too-long', 600], ['non-printable', 600]]);
    t.equal(refused[0]?.length, 700, 'the whole over-long line is counted');
  });

  t.test(`${name}: vanishing mid-code discards the partial code and reconnects`, async (t) => {
    const { rig, scans } = await setup(t);
    const states: ScannerStatus[] = [];
    rig.handle.on('status', (s) => states.push(s));
    const lost = waitFor(rig.handle, 'status', 5000, (s: ScannerStatus) => s.state === 'disconnected');
    await rig.vanishMidCode('TP1:PARTIAL');
    const [s] = await lost;
    t.equal(s.code, 'SCANNER_DISCONNECTED');
    const back = waitFor(rig.handle, 'status', 8000, (s: ScannerStatus) => s.state === 'connected');
    await rig.replug();
    await back;
    const code = base45Code(450, 5);
    const got = waitFor(rig.handle, 'scan');
    await rig.present(code);
    t.same(await got, [code], 'the next code is not glued to the partial one');
    t.same(scans, [code]);
    t.ok(states.some((x) => x.state === 'reconnecting' || x.state === 'disconnected'));
  });

  t.test(`${name}: close stops events`, async (t) => {
    const { rig, scans } = await setup(t);
    await rig.handle.close();
    t.equal(rig.handle.status().state, 'disconnected');
    t.same(scans, []);
  });
}
