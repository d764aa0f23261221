// The clock seam: wall time and a monotonic source, injected so tests can move time.

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (may jump; never trust it alone for validity). */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin; only differences are meaningful. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock for tests and emulation: starts at `start`, moves only when told. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;

  constructor(start: number) {
    this.wall = start;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }

  /** Sets the wall clock only, as a user or a lost RTC would; the monotonic source is unaffected. */
  setWall(ms: number): void {
    this.wall = ms;
  }
}
