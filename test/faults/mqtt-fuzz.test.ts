// 10,000 mutated, random and hostile MQTT payloads into the terminal's and the back office's inbound path: no crash, no state moved, each counted.
import t from 'tap';
import { createMqttFuzz } from './mqtt-fuzz.js';

t.test('10,000 hostile inbound MQTT messages: none throws, none moves the acked index or the counters, each is counted', async (t) => {
  const seed = Number(process.env.TESSERA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.comment(`seed ${seed}`);
  const f = await createMqttFuzz(seed);
  t.teardown(() => f.close());
  const failures: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    try {
      f.step(i);
    } catch (e) {
      if (failures.length < 5) failures.push((e as Error).message);
    }
  }
  t.same(failures, [], 'no input threw or moved terminal state');
  const c = f.counts();
  t.comment(`terminal: ${JSON.stringify(c.terminal)}`);
  t.comment(`back office: ${JSON.stringify(c.backoffice)}`);
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  t.ok(total(c.terminal) >= 9_000, `the terminal counted what it ignored (${total(c.terminal)})`);
  for (const k of ['ack:MALFORMED', 'ack:BAD_SIGNATURE', 'resync:MALFORMED', 'resync:BAD_SIGNATURE', 'fleet:MALFORMED', 'other:UNKNOWN_TOPIC']) t.ok((c.terminal[k] ?? 0) > 0, `terminal refusals reach ${k}`);
  t.ok(Object.keys(c.terminal).some((k) => k.endsWith(':TOO_LARGE')), 'payloads over the bounds are refused by size');
  t.ok((c.backoffice['status:MALFORMED'] ?? 0) > 0 && (c.backoffice.UNKNOWN_TOPIC ?? 0) > 0, 'the back office counted malformed statuses and foreign topics');
});
