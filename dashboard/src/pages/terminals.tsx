// Terminals: fleet health (last seen, backlog, versions, devices, staleness) as a list, and a map when terminals report positions.
import type { ReactNode } from 'react';
import type { ListHealth, Terminal } from '../api/types.js';
import { PagedTable } from '../components/paged.js';
import { ago, time } from '../format.js';

const listAge = (l: ListHealth | null | undefined): string => (l?.version === null || l?.version === undefined ? '—' : `v${l.version}${l.ageSeconds !== null && l.ageSeconds !== undefined ? ` (${ago(Math.floor(Date.now() / 1000) - l.ageSeconds).replace(' ago', ' old')})` : ''}${l.state && l.state !== 'fresh' ? ` ${l.state}` : ''}`);

/**
 * A terminal is "offline" when its retained status says so (or it has not been seen for 5 minutes),
 * "behind" while it holds unacknowledged journal records, "stale" when a list nears TRUST_STALE.
 */
export function healthOf(t: Terminal, now = Date.now() / 1000): { label: string; tone: 'ok' | 'warn' | 'bad' } {
  const h = t.health;
  if (!h || h.lastSeen === null || h.lastSeen === undefined) return { label: 'never seen', tone: 'bad' };
  if (h.online === false || now - h.lastSeen > 300) return { label: 'offline', tone: 'bad' };
  if (h.storage && (h.storage as { ok?: boolean }).ok === false) return { label: 'storage failed', tone: 'bad' };
  if ((h.backlog ?? 0) > 0) return { label: `behind (${h.backlog})`, tone: 'warn' };
  if ([h.trust?.state, h.denylist?.state].some((s) => s === 'stale' || s === 'stale-soon')) return { label: 'lists going stale', tone: 'warn' };
  return { label: 'online', tone: 'ok' };
}

function devices(d: Record<string, unknown> | null | undefined): string {
  if (!d) return '—';
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null && 'state' in v ? String((v as { state: unknown }).state) : String(v)}`)
    .join(', ');
}

export default function Terminals(): ReactNode {
  return (
    <>
      <h1>Terminals</h1>
      <PagedTable<Terminal>
        path="/terminals"
        what="terminals"
        caption="Fleet health"
        limit={100}
        rowKey={(t) => t.terminalId}
        empty="No terminal is enrolled yet."
        columns={[
          { label: 'Terminal', cell: (t) => <strong>{t.terminalId}</strong> },
          { label: 'Name', cell: (t) => t.displayName },
          { label: 'Mode', cell: (t) => t.mode },
          { label: 'Merchant', cell: (t) => t.merchantId },
          {
            label: 'Health',
            cell: (t) => {
              const h = healthOf(t);
              return <span className={`badge ${h.tone}`}>{h.label}</span>;
            },
          },
          { label: 'Last seen', cell: (t) => <span title={time(t.health?.lastSeen)}>{ago(t.health?.lastSeen)}</span> },
          { label: 'Backlog', num: true, cell: (t) => t.health?.backlog ?? '—' },
          { label: 'Version', cell: (t) => t.health?.version ?? '—' },
          { label: 'Trust list', cell: (t) => listAge(t.health?.trust) },
          { label: 'Deny list', cell: (t) => listAge(t.health?.denylist) },
          { label: 'Devices', cell: (t) => devices(t.health?.devices) },
        ]}
        after={(page) => {
          const placed = page.items.filter((t) => t.position);
          return (
            <>
              <h2>Map</h2>
              {placed.length === 0 ? <p className="muted">No terminal reports a position, so there is no map: the list above is the fleet.</p> : <Map terminals={placed} />}
            </>
          );
        }}
      />
    </>
  );
}

/** Positions on a plain equirectangular frame fitted to the fleet (no tile server: the dashboard talks only to the back office). */
function Map({ terminals }: { terminals: Terminal[] }): ReactNode {
  const pts = terminals.map((t) => ({ t, lat: t.position?.lat ?? 0, lon: t.position?.lon ?? 0 }));
  const [minLat, maxLat] = [Math.min(...pts.map((p) => p.lat)), Math.max(...pts.map((p) => p.lat))];
  const [minLon, maxLon] = [Math.min(...pts.map((p) => p.lon)), Math.max(...pts.map((p) => p.lon))];
  const sx = (lon: number) => 20 + ((lon - minLon) / (maxLon - minLon || 1)) * 560;
  const sy = (lat: number) => 20 + ((maxLat - lat) / (maxLat - minLat || 1)) * 260;
  return (
    <svg viewBox="0 0 600 300" className="map" role="img" aria-label={`Map of ${pts.length} terminals`}>
      <rect width="600" height="300" fill="#f4f6f8" />
      {pts.map(({ t, lat, lon }) => (
        <g key={t.terminalId}>
          <circle cx={sx(lon)} cy={sy(lat)} r="6" className={`dot ${healthOf(t).tone}`} />
          <text x={sx(lon) + 9} y={sy(lat) + 4} fontSize="12">
            {t.terminalId}
          </text>
        </g>
      ))}
    </svg>
  );
}
