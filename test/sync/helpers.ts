// Shared pieces of the sync tests: a seeded terminal store (with the sync trust list) and fast sync settings.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeySigner } from '#protocol';
import { seededBytes, seededSecret } from '#protocol/testkit';
import { Store } from '../../terminal/store/index.js';
import { parseSyncConfig, type SyncConfig, type SyncConfigInput } from '../../terminal/sync/index.js';
import { installSyncTrust } from '../support/sync-trust.js';

export const terminalSigner = (terminalId: string): KeySigner => new KeySigner(seededSecret(`sync-test/${terminalId}`));

export function tempDir(prefix = 'tessera-sync-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openStore(path: string, terminalId: string): Store {
  const s = new Store({ path, terminalId, signer: terminalSigner(terminalId) });
  s.start();
  return s;
}

/** openStore, with the sync tests' trust list (CLEARING key) installed so signed acks verify. */
export async function openSyncStore(path: string, terminalId: string): Promise<Store> {
  const s = openStore(path, terminalId);
  await installSyncTrust(s);
  return s;
}

/** Appends `n` declined decisions (no purse state needed); fsync relaxed while seeding, restored after. */
export async function seedJournal(store: Store, n: number, tag = 'r'): Promise<void> {
  store.handle.pragma('synchronous = OFF');
  try {
    const start = store.journalHead;
    for (let i = start + 1; i <= start + n; i++) {
      await store.appendDecision({ txId: seededBytes(`${tag}-tx-${i}`, 32), payment: seededBytes(`${tag}-pay-${i}`, 64), approved: false, reason: 13, amountCharged: 0, timeMs: 1_800_000_000_000 + i });
    }
  } finally {
    store.handle.pragma('synchronous = FULL');
  }
}

/** Small batches and a short ack timeout so failures are exercised quickly. */
export function fastConfig(url: string, o: SyncConfigInput = {}): SyncConfig {
  return parseSyncConfig({ brokerUrl: url, batchSize: 20, window: 4, ackTimeoutMs: 1_000, reconnectMinMs: 50, reconnectMaxMs: 300, pollMs: 100, drainTimeoutMs: 20_000, ...o });
}

/** A terminal sync process (terminal-child.ts) and the JSON lines it printed so far. */
export interface TerminalChild {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const TERMINAL_CHILD = fileURLToPath(new URL('./terminal-child.js', import.meta.url));

/** Starts terminal-child.ts on a database and broker; its stdout is one JSON object per line. */
export function startTerminalChild(db: string, url: string, terminalId: string): TerminalChild {
  const proc = spawn(process.execPath, [TERMINAL_CHILD, db, url, terminalId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const c: TerminalChild = { proc, lines: [], exited: new Promise((r) => proc.once('exit', (code) => r(code))) };
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      c.lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  return c;
}
