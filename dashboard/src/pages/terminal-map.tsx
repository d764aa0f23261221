// The fleet on a map: Web Mercator positions fitted to the terminals over a graticule and a scale bar, in SVG (no map tiles: nothing leaves for a map server), markers coloured by health, focusable and labelled.
import type { ReactNode } from 'react';
import type { Location, Terminal } from '../api/types.js';
import { href, navigate } from '../router.js';
import { healthOf } from './terminals.js';

const W = 800;
const H = 480;
const PAD = 72;
/** Smallest span shown (unit-square Mercator, about 2 km at the equator): one terminal still gets a readable frame. */
const MIN_SPAN = 0.00005;
const EARTH_CIRCUMFERENCE_M = 40_075_016.686;
const LAT_LIMIT = 85.05112878;
const STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 45, 90];

/** Web Mercator onto the unit square: x east from 180°W, y south from the top edge. */
export function mercator(l: Location): { x: number; y: number } {
  const lat = Math.max(-LAT_LIMIT, Math.min(LAT_LIMIT, l.lat));
  return { x: (l.lon + 180) / 360, y: (1 - Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / Math.PI) / 2 };
}

const lonOf = (x: number): number => x * 360 - 180;
const latOf = (y: number): number => (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;

/** The frame: unit-square coordinates to SVG pixels, fitted to the points with a margin, keeping the shape of the land. */
export function frame(points: { x: number; y: number }[]): { sx(x: number): number; sy(y: number): number; scale: number; cx: number; cy: number } {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((W - 2 * PAD) / Math.max(maxX - minX, MIN_SPAN), (H - 2 * PAD) / Math.max(maxY - minY, MIN_SPAN));
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  return { sx: (x) => W / 2 + (x - cx) * scale, sy: (y) => H / 2 + (y - cy) * scale, scale, cx, cy };
}

function degrees(v: number, step: number, axis: 'lat' | 'lon'): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const n = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Math.abs(v));
  const side = v === 0 ? '' : axis === 'lat' ? (v > 0 ? ' N' : ' S') : v > 0 ? ' E' : ' W';
  return `${n}°${side}`;
}

function Graticule({ f }: { f: ReturnType<typeof frame> }): ReactNode {
  const x0 = f.cx - W / 2 / f.scale;
  const x1 = f.cx + W / 2 / f.scale;
  const y0 = f.cy - H / 2 / f.scale;
  const y1 = f.cy + H / 2 / f.scale;
  const [lonMin, lonMax, latMin, latMax] = [lonOf(x0), lonOf(x1), latOf(y1), latOf(y0)];
  const step = STEPS.find((s) => (lonMax - lonMin) / s <= 6) ?? 90;
  const ticks = (lo: number, hi: number) => Array.from({ length: Math.max(0, Math.floor(hi / step) - Math.ceil(lo / step) + 1) }, (_, i) => (Math.ceil(lo / step) + i) * step);
  return (
    <g className="graticule" aria-hidden="true">
      {ticks(lonMin, lonMax).map((lon) => {
        const x = f.sx(mercator({ lat: 0, lon }).x);
        return (
          <g key={`lon${lon}`}>
            <line x1={x} x2={x} y1={0} y2={H} />
            <text x={x + 3} y={H - 6}>
              {degrees(lon, step, 'lon')}
            </text>
          </g>
        );
      })}
      {ticks(Math.max(latMin, -LAT_LIMIT), Math.min(latMax, LAT_LIMIT)).map((lat) => {
        const y = f.sy(mercator({ lat, lon: 0 }).y);
        return (
          <g key={`lat${lat}`}>
            <line x1={0} x2={W} y1={y} y2={y} />
            <text x={4} y={y - 3}>
              {degrees(lat, step, 'lat')}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** A bar of a round length (1, 2 or 5 × 10ⁿ m) about a fifth of the width, at the centre's latitude. */
function ScaleBar({ f }: { f: ReturnType<typeof frame> }): ReactNode {
  const metresPerPixel = (EARTH_CIRCUMFERENCE_M * Math.cos((latOf(f.cy) * Math.PI) / 180)) / f.scale;
  const target = (metresPerPixel * W) / 5;
  const p = 10 ** Math.floor(Math.log10(target));
  const metres = [5, 2, 1].map((m) => m * p).find((m) => m <= target) ?? p;
  const px = metres / metresPerPixel;
  const text = metres >= 1_000 ? new Intl.NumberFormat(undefined, { style: 'unit', unit: 'kilometer' }).format(metres / 1_000) : new Intl.NumberFormat(undefined, { style: 'unit', unit: 'meter' }).format(metres);
  return (
    <g className="scale-bar" transform={`translate(${W - 16 - px}, 28)`}>
      <rect width={px} height={5} />
      <text x={px} y={-5} textAnchor="end">
        {text}
      </text>
    </g>
  );
}

export default function TerminalMap({ terminals }: { terminals: Terminal[] }): ReactNode {
  const placed = terminals.filter((t): t is Terminal & { location: Location } => !!t.location);
  const unplaced = terminals.filter((t) => !t.location);
  if (placed.length === 0) {
    return <p className="muted">No terminal reports where it stands (a terminal's config sets its `location`), so there is no map: the list is the fleet.</p>;
  }
  const pts = placed.map((t) => ({ t, ...mercator(t.location), health: healthOf(t) }));
  const f = frame(pts);
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} className="map" role="group" aria-label={`Map of ${placed.length} terminals by where they stand`}>
        <rect width={W} height={H} className="map-bg" />
        <Graticule f={f} />
        <ScaleBar f={f} />
        {pts.map(({ t, x, y, health }) => {
          const place = t.location.label ? `, at ${t.location.label}` : '';
          const to = `/transactions?terminal=${encodeURIComponent(t.terminalId)}`;
          return (
            <a
              key={t.terminalId}
              href={href(to)}
              className="marker"
              data-terminal={t.terminalId}
              aria-label={`${t.terminalId} (${t.displayName}): ${health.label}${place}. Open its transactions.`}
              onClick={(e) => {
                e.preventDefault();
                navigate(to);
              }}
            >
              <title>{`${t.terminalId}: ${health.label}`}</title>
              <circle cx={f.sx(x)} cy={f.sy(y)} r={9} className={`dot ${health.tone}`} />
              {/* Labels face the middle, so one near an edge stays inside the frame. */}
              <text x={f.sx(x) + (f.sx(x) > W / 2 ? -13 : 13)} y={f.sy(y) + 5} textAnchor={f.sx(x) > W / 2 ? 'end' : 'start'} className="marker-label">
                {t.terminalId}
              </text>
            </a>
          );
        })}
      </svg>
      <ul className="legend" aria-label="Marker colours">
        <li>
          <span className="swatch ok" aria-hidden="true" /> online
        </li>
        <li>
          <span className="swatch warn" aria-hidden="true" /> behind or lists going stale
        </li>
        <li>
          <span className="swatch bad" aria-hidden="true" /> offline, never seen or storage failed
        </li>
      </ul>
      {unplaced.length > 0 ? <p className="muted">Not on the map (no location reported): {unplaced.map((t) => t.terminalId).join(', ')}.</p> : null}
    </>
  );
}
