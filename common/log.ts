// Logger factory: one pino root, a child per component, key material redacted by path.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

const REDACT = ['key', 'privateKey', 'secret', 'password', 'token', '*.privateKey', '*.password', '*.token', '*.secret'];

export function createLogger(options: LoggerOptions & { destination?: pino.DestinationStream } = {}): Logger {
  const { destination, ...rest } = options;
  const opts: LoggerOptions = {
    level: process.env.TESSERA_LOG_LEVEL ?? 'info',
    base: { service: 'tessera' },
    redact: { paths: REDACT, censor: '[redacted]' },
    ...rest,
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** A logger that writes nothing: the default for library code and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}
