// Trusted time: never earlier than the persisted high-water mark; untrusted when the wall clock is behind it.
import type { Clock } from '#common';

export interface TimeHwmStore {
  timeHighWaterMark(): number;
  advanceTimeHwm(ms: number): void;
  /** Lowers the mark to at least `ms` (and no signed message's issue time); returns the new mark. */
  resetTimeHwm(ms: number): number;
}

export interface TrustedNow {
  /** Trusted milliseconds, or null when the clock cannot be trusted. */
  ms: number | null;
  /** Seconds for protocol checks, or null. */
  seconds: number | null;
  wallMs: number;
  hwmMs: number;
}

/**
 * A Raspberry Pi has no RTC: after a power cut offline its clock restarts from the last saved
 * time, hours or days behind. The store keeps the latest time we have evidence for (our own
 * decisions, signed fleet messages). A wall clock more than `slackMs` behind that mark is wrong,
 * so validity checks must not use it: the answer is "clock untrusted" until the clock catches up
 * (NTP, or a technician). A clock at or ahead of the mark is trusted and moves the mark.
 *
 * The mark itself can be wrong: a clock that once jumped ahead (a year, say) and was then corrected
 * left the mark in the future, and waiting for it is no answer. Only the back office's signature can
 * say so: see `signedTime`.
 */
export class TrustedClock {
  constructor(
    private readonly clock: Clock,
    private readonly store: TimeHwmStore,
    private readonly slackMs = 5 * 60_000,
    /** Wall-clock times before this (ms) are never plausible, e.g. a clock reset to 1970. */
    private readonly floorMs = Date.UTC(2025, 0, 1),
  ) {}

  now(): TrustedNow {
    const wallMs = this.clock.now();
    const hwmMs = Math.max(this.store.timeHighWaterMark(), this.floorMs);
    if (wallMs + this.slackMs < hwmMs) return { ms: null, seconds: null, wallMs, hwmMs };
    const ms = Math.max(wallMs, hwmMs);
    return { ms, seconds: Math.floor(ms / 1000), wallMs, hwmMs };
  }

  /** Persists the current trusted time as the new mark (call periodically, e.g. once a minute). */
  checkpoint(): void {
    const t = this.now();
    if (t.ms !== null) this.store.advanceTimeHwm(t.ms);
  }

  /**
   * A signed fleet message or trust list of a newer version than the one applied was just applied:
   * the present is at least its issue time. When the clock is untrusted and the wall clock agrees
   * with that proof (not more than the slack behind it), the mark is what is wrong: it comes down to
   * the proof's issue time (never below any applied signed message's) and the wall clock is trusted
   * again. Returns the new mark, or undefined when nothing changed.
   *
   * An attacker who sets the clock back cannot use this without a genuine message never applied
   * here, and then gets back no further than its issue time, which is later than every signed time
   * this terminal has seen (docs/faults.md, "Clock jumped forward").
   */
  signedTime(issuedAtMs: number): number | undefined {
    const t = this.now();
    if (t.ms !== null || t.wallMs + this.slackMs < issuedAtMs || issuedAtMs < this.floorMs) return undefined;
    return this.store.resetTimeHwm(issuedAtMs);
  }
}
