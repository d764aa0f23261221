// Renders drain progress (backlog → 0) for `tessera sync --wait`: one rewritten line on a TTY, JSON lines otherwise.

export interface DrainProgress {
  backlog: number;
  /** Backlog when the drain started, for the bar. */
  startBacklog: number;
  connected: boolean;
  lastSyncMs: number | null;
  done?: boolean;
}

export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** One progress line: a bar and counts for a terminal, a JSON object for scripts. */
export function renderDrainProgress(p: DrainProgress, tty: boolean, width = 30): string {
  if (!tty) return JSON.stringify({ event: p.done ? 'drained' : 'progress', backlog: p.backlog, connected: p.connected, lastSyncMs: p.lastSyncMs }) + '\n';
  const total = Math.max(p.startBacklog, p.backlog, 1);
  const sent = total - p.backlog;
  const filled = Math.round((sent / total) * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const state = p.done ? 'done' : p.connected ? 'syncing' : 'waiting for broker';
  return `\r[${bar}] ${sent}/${total} sent, backlog ${p.backlog} (${state})${p.done ? '\n' : ''}`;
}

/** Writes a progress update to `out` (stdout), choosing the form from `out.isTTY`. */
export function writeDrainProgress(out: ProgressSink, p: DrainProgress): void {
  out.write(renderDrainProgress(p, out.isTTY === true));
}
