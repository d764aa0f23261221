// Trusted time: never earlier than the persisted high-water mark; untrusted when the wall clock is behind it.
import type { Clock } from '#common';

export interface TimeHwmStore {
  timeHighWaterMark(): number;
  advanceTimeHwm(ms: number): void;
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
}
