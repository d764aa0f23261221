// Renders drain progress (backlog → 0) for `tessera sync --wait`: a rewritten bar on a TTY, one summary line for a human reading a log, JSON lines with --json.

export interface DrainProgress {
  backlog: number;
  /** Backlog when the drain started, for the bar. */
  startBacklog: number;
  connected: boolean;
  lastSyncMs: number | null;
  done?: boolean;
}

/** tty: a bar rewritten in place; plain: nothing until the summary; json: one JSON object per change. */
export type ProgressForm = 'tty' | 'plain' | 'json';

export interface ProgressSink {
  write(s: string): unknown;
  form: ProgressForm;
}

/** One progress update in the given form ('' when that form shows nothing for it). */
export function renderDrainProgress(p: DrainProgress, form: ProgressForm, width = 30): string {
  if (form === 'json') return JSON.stringify({ event: p.done ? 'drained' : 'progress', backlog: p.backlog, connected: p.connected, lastSyncMs: p.lastSyncMs }) + '\n';
  const total = Math.max(p.startBacklog, p.backlog, 1);
  const sent = Math.max(0, p.startBacklog - p.backlog);
  if (form === 'plain') return p.done ? `synced: ${sent} record(s) acknowledged by the back office, backlog 0\n` : '';
  const filled = Math.round(((total - p.backlog) / total) * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const state = p.done ? 'done' : p.connected ? 'syncing' : 'waiting for broker';
  return `\r[${bar}] ${total - p.backlog}/${total} sent, backlog ${p.backlog} (${state})${p.done ? '\n' : ''}`;
}

/** Returns a writer that sends each update to `out` in its form, skipping updates that change nothing (polling repeats itself). */
export function drainProgressWriter(out: ProgressSink): (p: DrainProgress) => void {
  let last = '';
  return (p) => {
    const key = `${p.backlog}/${p.connected}/${p.done === true}`;
    if (key === last) return;
    last = key;
    const text = renderDrainProgress(p, out.form);
    if (text) out.write(text);
  };
}
