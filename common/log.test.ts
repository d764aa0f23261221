import t from 'tap';
import { componentLogger, createLogger, syslogPriority } from './log.js';
import { stdoutIsJournal } from './journald.js';

function capture(syslogPrefix: boolean) {
  const lines: string[] = [];
  const log = createLogger({ level: 'trace', timestamp: false, syslogPrefix, destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines };
}

t.test('with the syslog prefix each line starts with the priority journald files it under', async (t) => {
  const { log, lines } = capture(true);
  log.trace('t');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  log.fatal('f');
  t.same(lines, [
    '<7>{"level":10,"service":"tessera","msg":"t"}\n',
    '<7>{"level":20,"service":"tessera","msg":"d"}\n',
    '<6>{"level":30,"service":"tessera","msg":"i"}\n',
    '<4>{"level":40,"service":"tessera","msg":"w"}\n',
    '<3>{"level":50,"service":"tessera","msg":"e"}\n',
    '<2>{"level":60,"service":"tessera","msg":"f"}\n',
  ]);
  t.same([10, 20, 30, 40, 50, 60].map(syslogPriority), [7, 7, 6, 4, 3, 2]);
});

t.test('without it the lines are plain JSON', async (t) => {
  const { log, lines } = capture(false);
  log.warn('w');
  t.same(lines, ['{"level":40,"service":"tessera","msg":"w"}\n']);
});

t.test('a component logger made from another one has one component key, outer/inner', async (t) => {
  const { log, lines } = capture(false);
  const sync = componentLogger(log, 'sync');
  componentLogger(componentLogger(sync, 'mqtt'), 'tls').info('x');
  sync.info('y');
  t.same(lines, ['{"level":30,"service":"tessera","component":"sync/mqtt/tls","msg":"x"}\n', '{"level":30,"service":"tessera","component":"sync","msg":"y"}\n']);
});

t.test('stdout is the journal only when JOURNAL_STREAM names its device and inode', async (t) => {
  const stat = () => ({ dev: 64769, ino: 12345 });
  t.equal(stdoutIsJournal({ JOURNAL_STREAM: '64769:12345' }, stat), true);
  t.equal(stdoutIsJournal({ JOURNAL_STREAM: '64769:99' }, stat), false, 'redirected elsewhere (a pipe to a file)');
  t.equal(stdoutIsJournal({}, stat), false);
  t.equal(stdoutIsJournal({ JOURNAL_STREAM: 'junk' }, stat), false);
  t.equal(
    stdoutIsJournal({ JOURNAL_STREAM: '1:2' }, () => {
      throw new Error('EBADF');
    }),
    false,
    'no stdout at all',
  );
});
