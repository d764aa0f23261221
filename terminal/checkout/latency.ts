// Decision latency since start: every sample kept (bounded ring), percentiles on demand for status and bench.

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export class LatencyStats {
  private readonly ring: Float64Array;
  private n = 0;

  constructor(capacity = 100_000) {
    this.ring = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.ring[this.n % this.ring.length] = ms;
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const len = Math.min(this.n, this.ring.length);
    if (len === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
    const s = this.ring.slice(0, len).sort();
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return { count: this.n, p50Ms: r(percentile(s, 50)), p99Ms: r(percentile(s, 99)), maxMs: r(s[len - 1] as number) };
  }
}
