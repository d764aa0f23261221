// Whether this process's stdout is journald's stream (then log lines carry a syslog priority prefix); Node-only, so not in the browser-safe #common barrel.
import { fstatSync } from 'node:fs';

/**
 * True when stdout is connected to journald: systemd sets JOURNAL_STREAM=DEV:INODE of the stream it
 * gave the service, and only that exact stream (not a pipe the output was redirected to) parses `<N>`.
 */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env, fstat: () => { dev: number; ino: number } = () => fstatSync(1)): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const s = fstat();
    return String(s.dev) === m[1] && String(s.ino) === m[2];
  } catch {
    return false;
  }
}
