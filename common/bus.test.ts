import t from 'tap';
import { EventBus } from './bus.js';

type Events = { ping: number; pong: string };

t.test('delivers typed payloads and isolates a throwing listener', async (t) => {
  const errors: string[] = [];
  const bus = new EventBus<Events>((event) => errors.push(event));
  const got: number[] = [];
  bus.on('ping', () => {
    throw new Error('broken subscriber');
  });
  bus.on('ping', (n) => got.push(n));
  bus.emit('ping', 7);
  t.same(got, [7]);
  t.same(errors, ['ping']);
});

t.test('once, off and next', async (t) => {
  const bus = new EventBus<Events>();
  const seen: string[] = [];
  bus.once('pong', (s) => seen.push(s));
  bus.emit('pong', 'a');
  bus.emit('pong', 'b');
  t.same(seen, ['a']);
  const p = bus.next('ping', (n) => n > 2);
  bus.emit('ping', 1);
  bus.emit('ping', 3);
  t.equal(await p, 3);
  t.equal(bus.listenerCount('ping'), 0);
});
