// The ack's per-record results: status names, the bounded selection clearing signs, and the named view terminals read.
import { ACK_STATUS, MAX_ACK_REASON, MAX_ACK_RESULTS, type Ack, type AckResultEntry } from '../objects.js';

export type AckStatus = keyof typeof ACK_STATUS;
const NAMES = Object.keys(ACK_STATUS) as AckStatus[];

/** One record's outcome at the back office, by name. */
export interface AckResult {
  index: number;
  status: AckStatus;
  reason?: string;
}

/** What the terminal learns from a verified ack. */
export interface AckSummary {
  upTo: number;
  results: AckResult[];
  omitted: number;
}

const FLAGGED: ReadonlySet<AckStatus> = new Set(['fraud', 'rejected']);

function clip(reason: string): string {
  const cps = [...reason];
  return cps.length <= MAX_ACK_REASON ? reason : cps.slice(0, MAX_ACK_REASON - 1).join('') + '…';
}

/**
 * The results an ack carries: at most MAX_ACK_RESULTS, flagged ones (fraud, rejected: what a
 * terminal acts on) before routine ones, in index order; reasons clipped to MAX_ACK_REASON
 * characters. Records without a valid index (unparseable, index 0) cannot be named and are counted.
 */
export function ackResults(all: readonly AckResult[]): { results: AckResultEntry[]; omitted: number } {
  const named = all.filter((r) => Number.isSafeInteger(r.index) && r.index >= 1);
  const chosen = [...named.filter((r) => FLAGGED.has(r.status)), ...named.filter((r) => !FLAGGED.has(r.status))].slice(0, MAX_ACK_RESULTS);
  chosen.sort((a, b) => a.index - b.index);
  const results = chosen.map((r) => ({ index: r.index, status: ACK_STATUS[r.status], ...(r.reason !== undefined ? { reason: clip(r.reason) } : {}) }));
  return { results, omitted: all.length - results.length };
}

/** The ack object clearing signs for `terminalId` at `upTo` (its record hash) with these outcomes. */
export function buildAck(terminalId: string, upTo: number, hash: Uint8Array, time: number, all: readonly AckResult[]): Ack {
  const { results, omitted } = ackResults(all);
  return { terminalId, upTo, hash, time, results, ...(omitted > 0 ? { omitted } : {}) };
}

export function summarizeAck(ack: Ack): AckSummary {
  return {
    upTo: ack.upTo,
    results: ack.results.map((r) => ({ index: r.index, status: NAMES[r.status] ?? 'rejected', ...(r.reason !== undefined ? { reason: r.reason } : {}) })),
    omitted: ack.omitted ?? 0,
  };
}
