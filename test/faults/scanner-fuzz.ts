// Scanner-path fuzzing: mutated and random codes into a real in-process checkout; every one must be refused with a closed-set reason.
import fc from 'fast-check';
import { REASONS, fromQrText, toQrText } from '#protocol';
import { createTerminalWorld, type TerminalWorld } from '../../terminal/daemon/testing.js';
import type { Daemon } from '../../terminal/daemon/daemon.js';
import { verifyJournal } from '../../terminal/store/index.js';
import { byteMutations, fuzzInputArb, textMutations, truncations } from '../support/fuzz-protocol.js';
import { seededRng } from './harness.js';

export interface ScannerFuzz {
  /** Presents input i; throws unless it is declined with a reason from the closed set (and the daemon keeps running). */
  step(i: number): Promise<void>;
  /** Reasons seen so far, by code. */
  reasons: Map<string, number>;
  /** Verifies the journal chain the fuzzing left; throws on a bad chain. */
  check(): { records: number };
  close(): Promise<void>;
}

/**
 * Inputs: every deterministic mutation of a valid transit payment (bytes re-wrapped as TP1 text so
 * they reach COSE verification, text characters, truncations), then random strings, random bytes
 * wrapped as TP1 and random CBOR from fast-check, drawn from a seeded stream.
 */
export async function createScannerFuzz(seed: number): Promise<ScannerFuzz> {
  const tw: TerminalWorld = await createTerminalWorld({ mode: 'transit', terminalId: 'T-FUZZ', seed: `fuzz-${seed}` });
  const d: Daemon = tw.daemon({ api: false });
  await d.start();
  // Fuzzing is about refusals, not durability: relax fsync so 10,000 journaled declines stay fast.
  d.store!.handle.pragma('synchronous = OFF');
  if (!d.applyUpdate(await tw.fareConfig(1)).ok) throw new Error('fare config refused');
  const purse = await tw.world.purse();
  const valid = await tw.transitPayment(purse);
  const b = fromQrText('PAYMENT', valid);
  if (!b.ok) throw new Error('valid payment does not decode');
  const fixed: string[] = [
    ...[...byteMutations(b.value, [0x01, 0x02, 0x10, 0x80, 0xff])].map((m) => toQrText('PAYMENT', m)),
    ...textMutations(valid, ['0', 'Z', ':', ' ', '%', '$']),
    ...[...truncations(b.value)].map((m) => toQrText('PAYMENT', m)),
    ...truncations(valid),
  ];
  const rng = seededRng(seed);
  let chunk: string[] = [];
  let chunkSeed = seed;
  const next = (i: number): string => {
    if (i < fixed.length && i % 2 === 0) return fixed[(i / 2) % fixed.length] as string;
    if (chunk.length === 0) {
      chunk = fc.sample(fuzzInputArb, { numRuns: 2_000, seed: chunkSeed++ }).map((x) => {
        if (typeof x === 'string') return x;
        // Random bytes go in as a TP1 payment half the time, as raw latin1 text otherwise.
        return rng() < 0.5 ? toQrText('PAYMENT', x) : Buffer.from(x).toString('latin1');
      });
    }
    return chunk.pop() as string;
  };
  const reasons = new Map<string, number>();
  return {
    reasons,
    async step(i) {
      const input = next(i);
      const dec = await d.checkout!.scan(input);
      if (dec.outcome !== 'declined') throw new Error(`input ${i} was ${dec.outcome}: ${JSON.stringify(input.slice(0, 120))}`);
      if (!dec.reason || !(dec.reason in REASONS)) throw new Error(`input ${i} declined without a closed-set reason: ${String(dec.reason)}`);
      reasons.set(dec.reason, (reasons.get(dec.reason) ?? 0) + 1);
    },
    check() {
      const r = verifyJournal(d.store!.handle, d.identity!.signer.publicKey);
      if (!r.ok) throw new Error(`journal does not verify after fuzzing: ${r.problem} at ${r.firstBadIndex}`);
      return { records: r.records };
    },
    async close() {
      await d.stop();
      tw.cleanup();
    },
  };
}
