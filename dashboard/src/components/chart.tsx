// A time-series chart with uPlot (small, canvas, fast); the numbers also stay readable as a table for screen readers.
import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  color: string;
  /** Formats a value for the axis and the legend (money for volume). */
  format?: (v: number) => string;
}

export function TimeChart({ title, times, series, height = 220 }: { title: string; times: number[]; series: Series[]; height?: number }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || times.length === 0) return;
    const width = () => Math.max(240, el.clientWidth);
    const fmt = series[0]?.format;
    const plot = new uPlot(
      {
        width: width(),
        height,
        // Times are Unix seconds; uPlot draws them in the browser's own time zone.
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, ...(s.format ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : (s.format as (v: number) => string)(v)) } : {}) }))],
        axes: [{}, { size: 70, ...(fmt ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => fmt(v)) } : {}) }],
        scales: { x: { time: true } },
      },
      [times, ...series.map((s) => s.values)],
      el,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: width(), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [times, series, height]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {times.length === 0 ? <p className="muted">No data for this period yet.</p> : <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')} in total`} />}
    </figure>
  );
}
