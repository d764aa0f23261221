import t from 'tap';
import { Writable } from 'node:stream';
import { DECISION } from '#protocol';
import { seededBytes } from '#protocol/testkit';
import type { JournalRow } from '../store/index.js';
import { EXPORT_PAGE_ROWS, writeExport, type ExportSource } from './export.js';

const ROWS = 100_000;
const txId = seededBytes('export-tx', 32);
const purseId = seededBytes('export-purse', 16);

/** A journal of `available` rows made on demand, `head` of them when the export starts; `pulled` counts the rows the export has read. */
function source(head: number, onPage: (pulled: number) => void = () => undefined, available = head): ExportSource & { pulled: number } {
  const src = {
    head,
    pulled: 0,
    page(afterIdx: number, limit: number): JournalRow[] {
      onPage(src.pulled);
      const rows: JournalRow[] = [];
      for (let idx = afterIdx + 1; idx <= Math.min(available, afterIdx + limit); idx++) {
        rows.push({ idx, txId, record: new Uint8Array(0), hash: new Uint8Array(32), decision: DECISION.approved, reason: 0, amount: 450, currency: 'EUR', purseId, seq: idx, timeMs: 1_800_000_000_000 + idx, latencyUs: 900, reference: `R-${idx}`, adjustment: null, original: null });
      }
      src.pulled += rows.length;
      return rows;
    },
  };
  return src;
}

/** A reader that takes chunks only while `flowing`; counts the lines (rows) it has taken. */
function reader(): { out: Writable; lines: () => number; lastIndex: () => number; resume: () => void } {
  let lines = 0;
  let lastIndex = 0;
  let held: (() => void)[] = [];
  let flowing = false;
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      const rows = text.split('\n').filter((l) => l !== '');
      lines += rows.length;
      lastIndex = Number(/^\{"index":(\d+)/.exec(rows.at(-1) as string)?.[1] ?? /^(\d+),/.exec(rows.at(-1) as string)?.[1]);
      if (flowing) done();
      else held.push(done);
    },
  });
  return {
    out,
    lines: () => lines,
    lastIndex: () => lastIndex,
    resume: () => {
      flowing = true;
      for (const d of held) d();
      held = [];
    },
  };
}

const turns = (n: number): Promise<void> => new Promise((resolve) => {
  let left = n;
  const step = (): void => void (--left <= 0 ? resolve() : setImmediate(step));
  setImmediate(step);
});

t.test(`exporting ${ROWS} rows to a reader that does not read holds one page, not the journal`, async (t) => {
  const r = reader();
  // Before each page is read: how far the export is ahead of what the reader has taken.
  let maxAhead = 0;
  const src = source(ROWS, (pulled) => (maxAhead = Math.max(maxAhead, pulled - r.lines())));
  const done = writeExport(r.out, 'jsonl', src);
  await turns(500);
  t.ok(src.pulled <= EXPORT_PAGE_ROWS, `rows read while the reader waits: ${src.pulled} (one page at most)`);
  t.ok(r.lines() <= EXPORT_PAGE_ROWS, 'and nothing more was written');
  r.resume();
  await done;
  t.equal(r.lines(), ROWS, 'every row arrives once the reader reads');
  t.equal(r.lastIndex(), ROWS, 'in journal order, up to the head');
  t.ok(maxAhead <= 2 * EXPORT_PAGE_ROWS, `rows read ahead of the reader stayed bounded (${maxAhead})`);
});

t.test('the event loop runs between pages (decisions are not held up by an export)', async (t) => {
  const src = source(ROWS);
  const r = reader();
  r.resume();
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await writeExport(r.out, 'csv', src);
  } finally {
    running = false;
  }
  t.ok(ticks >= ROWS / EXPORT_PAGE_ROWS / 2, `other work ran ${ticks} times during the export of ${ROWS / EXPORT_PAGE_ROWS} pages`);
  t.equal(r.lines(), ROWS + 1, 'the CSV header and every row');
  t.equal(r.lastIndex(), ROWS);
});

t.test('rows appended after the export started are not part of it; a reader that hangs up stops it', async (t) => {
  const src = source(1_200, undefined, 5_000);
  const r = reader();
  r.resume();
  await writeExport(r.out, 'jsonl', src);
  t.equal(r.lines(), 1_200, 'the export ends at the head it started with');
  t.equal(r.lastIndex(), 1_200);
  const gone = reader();
  const src2 = source(ROWS);
  const p = writeExport(gone.out, 'jsonl', src2);
  await turns(10);
  gone.out.destroy();
  await p;
  t.ok(src2.pulled <= EXPORT_PAGE_ROWS, 'no page is read for a client that hung up');
});
