// The panel raster's damage tracking: clearing only inked lines and comparing only inked ranges gives the same bytes and lines as doing it all.
import t from 'tap';
import fc from 'fast-check';
import type { Screen } from '#drivers';
import { drawScreen } from '../../drivers/display/layout.js';
import { PanelRaster } from '../../drivers/display/fb-panel.js';
import { ALL_SCREENS } from './display-conformance.js';

/** First and last+1 differing line, by brute force over every line (stride padding included). */
function bruteChanged(a: Buffer, b: Buffer, stride: number, height: number): { from: number; to: number } | undefined {
  let from = -1;
  let to = -1;
  for (let y = 0; y < height; y++) {
    if (a.compare(b, y * stride, (y + 1) * stride, y * stride, (y + 1) * stride) !== 0) {
      if (from < 0) from = y;
      to = y + 1;
    }
  }
  return from < 0 ? undefined : { from, to };
}

const amount = fc.integer({ min: 0, max: 99_999_999 });
const screen: fc.Arbitrary<Screen> = fc.oneof(
  fc.constantFrom(...ALL_SCREENS),
  fc.record({ kind: fc.constant('transit-ok' as const), fare: amount, currency: fc.constantFrom('EUR', 'KES'), remaining: amount }),
  fc.record({ kind: fc.constant('approved' as const), amount, currency: fc.constant('EUR'), remaining: amount }),
  fc.record({ kind: fc.constant('transit-denied' as const), reason: fc.constantFrom('Deny-listed', 'Code expired', 'Sequence replay'), code: fc.constant('REVOKED') }),
  fc.record({ kind: fc.constant('idle' as const), title: fc.string({ maxLength: 24 }), subtitle: fc.string({ maxLength: 30 }) }),
);

for (const g of [
  { width: 480, height: 320, bitsPerPixel: 16 as const, stride: 960 },
  { width: 240, height: 320, bitsPerPixel: 16 as const, stride: 496 },
  { width: 800, height: 480, bitsPerPixel: 32 as const, stride: 3328 },
]) {
  t.test(`${g.width}x${g.height}@${g.bitsPerPixel}: two alternating rasters hold exactly a fresh frame, and changed lines match a full comparison`, (t) => {
    fc.assert(
      fc.property(fc.array(screen, { minLength: 1, maxLength: 12 }), (screens) => {
        // As the framebuffer driver uses them: draw into the back raster, compare with the front, swap.
        let front = new PanelRaster(g);
        let back = new PanelRaster(g);
        for (const s of screens) {
          drawScreen(back, s);
          const fresh = new PanelRaster(g);
          drawScreen(fresh, s);
          if (!back.bytes.equals(fresh.bytes)) return false;
          const got = back.changedLines(front);
          const want = bruteChanged(back.bytes, front.bytes, g.stride, g.height);
          if (JSON.stringify(got) !== JSON.stringify(want)) return false;
          [front, back] = [back, front];
        }
        return true;
      }),
      { numRuns: 60, seed: 20261201 },
    );
    t.end();
  });
}

t.test('a fill in the background colour is ink too: it is cleared and compared like any other', (t) => {
  const g = { width: 64, height: 64, bitsPerPixel: 16 as const, stride: 128 };
  const a = new PanelRaster(g);
  const b = new PanelRaster(g);
  for (const r of [a, b]) r.fillRect(0, 0, 64, 64, [0, 128, 48]);
  a.fillRect(10, 20, 5, 5, [255, 255, 255]);
  t.same(a.changedLines(b), { from: 20, to: 25 });
  a.fillRect(0, 0, 64, 64, [0, 128, 48]);
  t.ok(a.bytes.equals(b.bytes), 'the inked lines were cleared back to the background');
  t.equal(a.changedLines(b), undefined);
  a.fillRect(0, 40, 64, 2, [0, 128, 48]);
  a.fillRect(0, 0, 64, 64, [176, 0, 0]);
  const red = new PanelRaster(g);
  red.fillRect(0, 0, 64, 64, [176, 0, 0]);
  t.ok(a.bytes.equals(red.bytes), 'a new background colour repaints every line');
  t.same(a.changedLines(b), { from: 0, to: 64 });
  t.end();
});
