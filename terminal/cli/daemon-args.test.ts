import t from 'tap';
import { plainDaemonArgs } from './daemon-args.js';

t.test('only a plain `daemon [-c|--config PATH]` skips the full command parser', async (t) => {
  t.same(plainDaemonArgs(['daemon']), {});
  t.same(plainDaemonArgs(['daemon', '--config', '/etc/t.json']), { config: '/etc/t.json' });
  t.same(plainDaemonArgs(['-c', 'a.json', 'daemon']), { config: 'a.json' });
  t.same(plainDaemonArgs(['daemon', '--config=b.json']), { config: 'b.json' });
  for (const args of [[], ['status'], ['daemon', '--help'], ['daemon', '--json'], ['daemon', '--config'], ['daemon', '-c', '--json'], ['daemon', 'daemon'], ['daemon', '-c', 'a', '-c', 'b'], ['daemon', '--config='], ['provision', 'daemon']]) {
    t.equal(plainDaemonArgs(args), undefined, args.join(' '));
  }
});
