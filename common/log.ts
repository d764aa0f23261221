// Logger factory: one pino root, a child per component, key material redacted by path, syslog priorities for journald.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const REDACT = ['key', 'privateKey', 'secret', 'password', 'token', '*.privateKey', '*.password', '*.token', '*.secret'];

export interface CreateLoggerOptions extends LoggerOptions {
  destination?: pino.DestinationStream;
  /** Start every line with its syslog priority `<N>` (journald reads it, `journalctl -p` filters on it). */
  syslogPrefix?: boolean;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const { destination, syslogPrefix, ...rest } = options;
  const opts: LoggerOptions = {
    level: process.env.TESSERA_LOG_LEVEL ?? 'info',
    base: { service: 'tessera' },
    redact: { paths: REDACT, censor: '[redacted]' },
    ...rest,
  };
  const dest = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(opts, syslogPrefix ? syslogPrefixed(dest) : dest);
}

/** pino level → syslog priority (RFC 5424): fatal 2 crit, error 3, warn 4 warning, info 6, debug and trace 7. */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

/**
 * Wraps a destination so each line starts with `<N>`. pino writes `{"level":N,` first on every
 * line, so the level is read back from there (no JSON parse per line).
 */
export function syslogPrefixed(dest: pino.DestinationStream): pino.DestinationStream {
  return {
    write(line: string) {
      const m = /^\{"level":(\d+)/.exec(line);
      return dest.write(`<${syslogPriority(m ? Number(m[1]) : 30)}>${line}`);
    },
  };
}

/** A logger that writes nothing: the default for library code and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The logger a component logger was made from, so a nested one is not bound twice (pino would repeat the key). */
const PARENT = new WeakMap<Logger, Logger>();

/** A child logger for `component`; made from another component's logger, it is "outer/inner" under one `component` key. */
export function componentLogger(root: Logger, component: string): Logger {
  const base = PARENT.get(root);
  const outer = base ? (root.bindings() as { component?: string }).component : undefined;
  const child = (base ?? root).child({ component: outer ? `${outer}/${component}` : component });
  PARENT.set(child, base ?? root);
  return child;
}
