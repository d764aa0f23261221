// 10,000 mutated and random codes through the scanner path: no crash, every one refused with a closed-set reason, journal intact.
import t from 'tap';
import { createScannerFuzz } from './scanner-fuzz.js';

t.test('10,000 mutated and random scans are each refused with a reason; the journal still verifies', async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed}`);
  const f = await createScannerFuzz(seed);
  t.teardown(() => f.close());
  const failures: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    try {
      await f.step(i);
    } catch (e) {
      if (failures.length < 5) failures.push((e as Error).message);
    }
  }
  t.same(failures, [], 'every input declined with a reason from protocol/reasons.ts');
  t.comment(`reasons: ${JSON.stringify(Object.fromEntries(f.reasons))}`);
  t.ok(f.reasons.size >= 3, 'the inputs reach several stages of verification');
  const { records } = f.check();
  t.ok(records > 0, `journal of ${records} declined records verifies`);
});
