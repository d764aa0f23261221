// The Idempotency-Key store: answers kept for their time to live, the oldest dropped past the bound, an abandoned request retried afresh.
import t from 'tap';
import { IdempotencyStore } from './idempotency.js';

t.test('entries expire, stay bounded and can be abandoned', async (t) => {
  let now = 1_000;
  const store = new IdempotencyStore(60_000, 2, () => now);
  store.begin('a', 'fp-a');
  t.match(store.get('a'), { fingerprint: 'fp-a' });
  t.equal(store.get('a')?.answer, undefined, 'in progress until finished');
  store.finish('a', { status: 200, body: '{}', contentType: 'application/json' });
  t.match(store.get('a'), { answer: { status: 200 } });
  now += 60_001;
  t.equal(store.get('a'), undefined, 'gone after its time to live');

  store.begin('b', 'fp-b');
  store.begin('c', 'fp-c');
  store.begin('d', 'fp-d');
  t.equal(store.get('b'), undefined, 'the oldest is dropped past the bound');
  t.ok(store.get('c') && store.get('d'));
  store.abandon('c');
  t.equal(store.get('c'), undefined, 'an abandoned request (a server fault) leaves no answer to replay');
});
