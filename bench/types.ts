// The shape every bench section returns, and small helpers to measure CPU time robustly on a shared machine.

/** One measured figure, optionally against its physical floor (the best the hardware/library can do). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the floor, measured in the same run. */
  floor?: number;
  floorName?: string;
  /** value / floor (for rates) — how close to the floor we are. */
  ratio?: number;
  target?: number;
  pass?: boolean;
}

export interface BenchSection {
  run(): Promise<BenchRow[]>;
}

/** CPU time (user + system) in ms spent by `fn` — other processes on a busy box do not count. */
export function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

/**
 * Runs `a` and `b` in alternating batches of `iterations` for `rounds` rounds and returns the
 * operations per CPU-second of each, so drift in machine speed hits both alike.
 */
export function interleaved(a: () => void, b: () => void, iterations: number, rounds: number): { a: number; b: number } {
  let ta = 0;
  let tb = 0;
  // Warm-up round, untimed: a daemon runs for days, so what counts is the JIT-optimised steady
  // state of both sides, not V8's first hundreds of calls through the interpreter.
  for (let i = 0; i < iterations; i++) {
    a();
    b();
  }
  for (let r = 0; r < rounds; r++) {
    ta += cpuMs(() => {
      for (let i = 0; i < iterations; i++) a();
    });
    tb += cpuMs(() => {
      for (let i = 0; i < iterations; i++) b();
    });
  }
  const n = iterations * rounds;
  return { a: (n / ta) * 1000, b: (n / tb) * 1000 };
}

export function ratioRow(name: string, value: number, unit: string, floor: number, floorName: string, target?: number): BenchRow {
  const ratio = value / floor;
  return { name, value, unit, floor, floorName, ratio, ...(target !== undefined ? { target, pass: ratio >= target } : {}) };
}

/** A latency (lower is better) against its floor: passes when value ≤ target × floor. */
export function latencyRow(name: string, value: number, floor: number, floorName: string, target?: number): BenchRow {
  const ratio = value / floor;
  return { name, value, unit: 'ms', floor, floorName, ratio, ...(target !== undefined ? { target, pass: ratio <= target } : {}) };
}

/** Percentile of an ascending-sorted sample (nearest rank). */
export function pct(sorted: ArrayLike<number>, p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
