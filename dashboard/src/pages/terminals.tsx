// Terminals: fleet health (last seen, backlog, versions, devices, staleness) as a list, or on a map of where they report they stand.
import { Suspense, lazy, type ReactNode } from 'react';
import { apiAll } from '../api/client.js';
import type { ListHealth, Terminal } from '../api/types.js';
import { useLoad } from '../components/hooks.js';
import { PagedTable } from '../components/paged.js';
import { Loadable, Waiting } from '../components/ui.js';
import { ago, time } from '../format.js';
import { navigate, useRoute } from '../router.js';

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

// The map is its own chunk, fetched only when someone asks for it.
const TerminalMap = lazy(() => import('./terminal-map.js'));

export default function Terminals(): ReactNode {
  const { params } = useRoute();
  const view = params.get('view') === 'map' ? 'map' : 'list';
  return (
    <>
      <h1>Terminals</h1>
      <div className="toggle" role="group" aria-label="Show the fleet as">
        {(['list', 'map'] as const).map((v) => (
          <button key={v} type="button" aria-pressed={view === v} className={view === v ? 'primary' : undefined} onClick={() => navigate(v === 'map' ? '/terminals?view=map' : '/terminals', true)}>
            {v === 'list' ? 'List' : 'Map'}
          </button>
        ))}
      </div>
      {view === 'map' ? <MapView /> : <ListView />}
    </>
  );
}

function MapView(): ReactNode {
  const all = useLoad(() => apiAll<Terminal>('/terminals', {}, 2_000), []);
  return (
    <Loadable state={all} what="terminals">
      {(terminals) => (
        <Suspense fallback={<Waiting what="the map" />}>
          <TerminalMap terminals={terminals} />
        </Suspense>
      )}
    </Loadable>
  );
}

function ListView(): ReactNode {
  return (
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
        { label: 'Where', cell: (t) => t.location?.label ?? (t.location ? `${t.location.lat}, ${t.location.lon}` : '—') },
      ]}
    />
  );
}
