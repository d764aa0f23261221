// A time-series chart with uPlot (small, canvas, fast); axes in the viewer's locale and time zone, and the axis labels also in text for screen readers.
import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  color: string;
  /** Formats a value for the axis and the legend (money for volume); default: a number in the viewer's locale. */
  format?: (v: number) => string;
}

// undefined locale and zone: the browser's, i.e. the viewer's (uPlot's own defaults are English words and 12-hour times).
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const number = new Intl.NumberFormat(undefined);

/** Unix seconds of an axis tick → its label: hours within a day or two, dates beyond. */
export const timeTick = (seconds: number, span: number): string => (span > 2 * 86_400 ? dayMonth : clock).format(new Date(seconds * 1000));
export const timeFull = (seconds: number): string => full.format(new Date(seconds * 1000));

export function TimeChart({ title, times, series, height = 220 }: { title: string; times: number[]; series: Series[]; height?: number }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  const axes = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || times.length === 0) return;
    const width = () => Math.max(240, el.clientWidth);
    const fmt = series[0]?.format ?? ((v: number) => number.format(v));
    const span = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
    // What the axes show, kept to say it in words after each draw (the canvas is opaque to assistive technology).
    const shown = { x: [] as string[], y: [] as string[] };
    const plot = new uPlot(
      {
        width: width(),
        height,
        series: [
          { value: (_u: uPlot, v: number | null) => (v === null ? '—' : timeFull(v)) },
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, value: (_u: uPlot, v: number | null) => (v === null ? '—' : (s.format ?? fmt)(v)) })),
        ],
        axes: [
          { values: (_u: uPlot, vals: number[]) => (shown.x = vals.map((v) => timeTick(v, span))) },
          { size: 80, values: (_u: uPlot, vals: number[]) => (shown.y = vals.map((v) => fmt(v))) },
        ],
        scales: { x: { time: true } },
        hooks: {
          draw: [
            () => {
              if (axes.current) axes.current.textContent = `Time axis: ${shown.x.join(', ')}. Value axis: ${shown.y.join(', ')}.`;
            },
          ],
        },
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
  const from = times[0];
  const to = times[times.length - 1];
  return (
    <figure className="chart" data-from={from} data-to={to}>
      <figcaption>
        {title}
        {from !== undefined && to !== undefined ? (
          <span className="muted period">
            {' '}
            ({timeFull(from)} – {timeFull(to)})
          </span>
        ) : null}
      </figcaption>
      {times.length === 0 ? (
        <p className="muted">No data for this period yet.</p>
      ) : (
        <>
          <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${(s.format ?? ((v: number) => number.format(v)))(s.values.reduce((a, b) => a + b, 0))}`).join(', ')} in total`} />
          <p ref={axes} className="sr-only axes" />
        </>
      )}
    </figure>
  );
}
