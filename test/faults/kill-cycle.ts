// The SIGKILL cycle: start the daemon, stream scans through the pty while it syncs, kill -9 at a random moment, repeat.
import { DaemonChild, sleep, type FaultRig } from './harness.js';

export interface KillCycleOptions {
  rng: () => number;
  /** Stop after this many kills … */
  cycles?: number;
  /** … or when this wall-clock deadline (ms since epoch) passes. */
  deadlineMs?: number;
  /** Longest time the stream runs before the kill (ms). */
  maxStreamMs?: number;
  /** Fraction of kills aimed at the daemon's start-up (before it is ready). */
  startupKillShare?: number;
  onCycle?: (c: CycleReport) => void;
}

export interface CycleReport {
  cycle: number;
  phase: 'startup' | 'stream';
  killAfterMs: number;
  presented: number;
  approvedSeen: number;
}

export interface KillRunReport {
  cycles: number;
  presented: number;
  /** txIds of approvals the display showed (decision events seen on SSE before the kill). */
  shown: Set<string>;
  startupKills: number;
}

/**
 * Each cycle starts `tessera daemon` as a child, and either kills it during start-up or waits until
 * it is ready and presents transit payments through the pty scanner one after another (each
 * decision is also pushed to the broker by sync, so kills land in decisions, commits, publishes and
 * ack writes) until a random moment, then SIGKILLs it. Approvals are recorded in this process from
 * the SSE stream, i.e. only what the daemon already reported.
 */
export async function runKillCycles(rig: FaultRig, o: KillCycleOptions): Promise<KillRunReport> {
  const report: KillRunReport = { cycles: 0, presented: 0, shown: new Set(), startupKills: 0 };
  const maxStream = o.maxStreamMs ?? 600;
  const done = (): boolean => (o.cycles !== undefined && report.cycles >= o.cycles) || (o.deadlineMs !== undefined && Date.now() >= o.deadlineMs);
  while (!done()) {
    const d = new DaemonChild(rig);
    const startup = o.rng() < (o.startupKillShare ?? 0.2);
    const killAfterMs = Math.floor(o.rng() * (startup ? 600 : maxStream));
    let presented = 0;
    try {
      if (startup) {
        await sleep(killAfterMs);
        report.startupKills++;
      } else {
        await d.ready();
        const killAt = Date.now() + killAfterMs;
        while (Date.now() < killAt && d.alive) {
          const p = await rig.pay();
          await rig.scanner.present(p.text);
          presented++;
          // Next scan once this one is decided (a rider walks through), or the moment to kill comes.
          while (Date.now() < killAt && d.alive && !d.decisionFor(p.txId)) await sleep(2);
        }
      }
    } finally {
      await d.kill('SIGKILL');
    }
    if (!startup && d.proc.signalCode !== 'SIGKILL') throw new Error(`daemon died on its own: ${d.proc.exitCode} ${d.stderr}`);
    let approvedSeen = 0;
    for (const dec of d.decisions) {
      if (dec.outcome === 'approved' && dec.txId) {
        report.shown.add(dec.txId);
        approvedSeen++;
      } else if (dec.outcome === 'declined' && dec.journaled) {
        // A code cut in half by the kill is unreadable next time (not journaled); a readable valid payment must pass.
        throw new Error(`a valid payment was declined: ${dec.reason} ${dec.detail ?? ''}`);
      }
    }
    report.cycles++;
    report.presented += presented;
    o.onCycle?.({ cycle: report.cycles, phase: startup ? 'startup' : 'stream', killAfterMs, presented, approvedSeen });
  }
  return report;
}
