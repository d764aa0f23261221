// Verifies what the broker delivers to the outbox (acks, resync requests) against the trust list in force, and counts what is ignored.
import { reject, summarizeAck, verifyAck, verifyResync, type AckSummary, type Resync, type Verified } from '#protocol';
import { ZERO_HASH, type Store } from '../store/index.js';
import { appliedTrust } from './fleet.js';

/** Inbound channels whose refusals are counted (fleet refusals keep their own per-reason count). */
export type InboundChannel = 'ack' | 'resync' | 'fleet' | 'other';

/** Counts of ignored inbound messages, keyed `channel:REASON` (exposed in status). */
export class InboundCounters {
  private readonly counts: Record<string, number> = {};

  note(channel: InboundChannel, reason: string): void {
    const k = `${channel}:${reason}`;
    this.counts[k] = (this.counts[k] ?? 0) + 1;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }
}

export interface InboundContext {
  store: Store;
  rootPublicKey: Uint8Array;
  terminalId: string;
  /** Trusted time in seconds, or null when the clock is not trusted. */
  now: number | null;
}

function payloadBytes(payload: Uint8Array): Uint8Array {
  return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** An ack payload verified (signature by a CLEARING key of the applied trust list, addressee, head, record hash) and summarised. */
export function checkAck(ctx: InboundContext, payload: Uint8Array): Verified<AckSummary> {
  const trust = appliedTrust(ctx.store, ctx.rootPublicKey);
  if (!trust) return reject('UNKNOWN_KEY', 'no trust list installed');
  const { store } = ctx;
  const v = verifyAck(payloadBytes(payload), {
    trust,
    now: ctx.now,
    terminalId: ctx.terminalId,
    head: store.journalHead,
    hashAt: (i) => (i === 0 ? ZERO_HASH : store.getRow(i)?.hash),
  });
  return v.ok ? { ok: true, value: summarizeAck(v.value.value) } : v;
}

/** A resync request payload verified; `lastTime` is the time of the last one acted on (replays are refused). */
export function checkResync(ctx: InboundContext, payload: Uint8Array, lastTime: number | undefined): Verified<Resync> {
  const trust = appliedTrust(ctx.store, ctx.rootPublicKey);
  if (!trust) return reject('UNKNOWN_KEY', 'no trust list installed');
  const v = verifyResync(payloadBytes(payload), {
    trust,
    now: ctx.now,
    terminalId: ctx.terminalId,
    head: ctx.store.journalHead,
    ...(lastTime !== undefined ? { lastTime } : {}),
  });
  return v.ok ? { ok: true, value: v.value.value } : v;
}
