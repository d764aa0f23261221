// Verifies the sync objects a terminal receives (ack, resync request): CLEARING signature, addressee, journal position.
import { equalBytes, toHex } from '../bytes.js';
import type { Decoded } from '../codec.js';
import { type Verified, reject } from '../reasons.js';
import type { TrustStore } from '../trust.js';
import { bytesOf, verifyIssued } from '../verify.js';

export interface AckContext {
  trust: TrustStore;
  /** Trusted time in seconds (the CLEARING key's validity is checked), or null when untrusted. */
  now: number | null;
  /** The verifying terminal's own id. */
  terminalId: string;
  /** The terminal's journal head index. */
  head: number;
  /** recordHash of the terminal's own record at `index` (32 zero bytes at 0); undefined when it has none. */
  hashAt: (index: number) => Uint8Array | undefined;
}

/**
 * An ack moves a terminal's cursor and resets its offline counters, so it must come from the back
 * office (role CLEARING), be addressed to this terminal, and name this terminal's own record at
 * `upTo` by its hash: an ack for another chain (a restored or replaced journal) is refused.
 */
export function verifyAck(input: string | Uint8Array, ctx: AckContext): Verified<Decoded<'ACK'>> {
  const b = bytesOf('ACK', input);
  if (!b.ok) return b;
  const d = verifyIssued('ACK', b.value, ctx.trust, 'CLEARING', ctx.now, false);
  if (!d.ok) return d;
  const a = d.value.value;
  if (a.terminalId !== ctx.terminalId) return reject('WRONG_PAYEE', `ack for ${a.terminalId}, terminal ${ctx.terminalId}`);
  if (a.upTo > ctx.head) return reject('BEYOND_HEAD', `ack up to ${a.upTo}, journal head ${ctx.head}`);
  const own = ctx.hashAt(a.upTo);
  if (!own || !equalBytes(own, a.hash)) return reject('CHAIN_MISMATCH', `ack hash ${toHex(a.hash).slice(0, 16)}… is not record ${a.upTo}'s`);
  return d;
}

export interface ResyncContext {
  trust: TrustStore;
  now: number | null;
  terminalId: string;
  head: number;
  /** `time` of the last resync request this terminal acted on: an older or equal one is a replay. */
  lastTime?: number;
}

/** A request to re-send the journal from `from`: CLEARING-signed, for this terminal, within its journal, newer than the last one. */
export function verifyResync(input: string | Uint8Array, ctx: ResyncContext): Verified<Decoded<'RESYNC'>> {
  const b = bytesOf('RESYNC', input);
  if (!b.ok) return b;
  const d = verifyIssued('RESYNC', b.value, ctx.trust, 'CLEARING', ctx.now, false);
  if (!d.ok) return d;
  const r = d.value.value;
  if (r.terminalId !== ctx.terminalId) return reject('WRONG_PAYEE', `resync for ${r.terminalId}, terminal ${ctx.terminalId}`);
  if (r.from > ctx.head + 1) return reject('BEYOND_HEAD', `resync from ${r.from}, journal head ${ctx.head}`);
  if (ctx.lastTime !== undefined && r.time <= ctx.lastTime) return reject('ROLLBACK', `resync time ${r.time} ≤ last acted on ${ctx.lastTime}`);
  return d;
}
