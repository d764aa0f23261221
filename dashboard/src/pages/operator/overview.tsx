// Operator overview: today's payments, settled volume, open fraud cases, terminals offline or behind, and charts over time.
import { useMemo, type ReactNode } from 'react';
import { apiAll, apiGet } from '../../api/client.js';
import type { Overview as OverviewData, Terminal, Transaction } from '../../api/types.js';
import { TimeChart } from '../../components/chart.js';
import { useLoad } from '../../components/hooks.js';
import { Card, Link, Loadable, Money } from '../../components/ui.js';
import { money, split, startOfDay } from '../../format.js';
import { healthOf } from '../terminals.js';

const HOUR = 3600;

/** Settled payments and volume per hour over the last 24 hours, from the transactions (terminal time). */
function hourly(txs: Transaction[], now: number): { times: number[]; payments: number[]; volume: number[] } {
  const end = Math.ceil(now / HOUR) * HOUR;
  const times = Array.from({ length: 24 }, (_, i) => end - (24 - i) * HOUR);
  const payments = times.map(() => 0);
  const volume = times.map(() => 0);
  for (const t of txs) {
    const i = Math.floor((t.time - (end - 24 * HOUR)) / HOUR);
    if (i >= 0 && i < 24 && t.status === 'settled') {
      payments[i] = (payments[i] ?? 0) + 1;
      volume[i] = (volume[i] ?? 0) + (split(t.amount)?.minor ?? 0);
    }
  }
  return { times, payments, volume };
}

export default function Overview(): ReactNode {
  const data = useLoad(async (signal) => {
    const now = Math.floor(Date.now() / 1000);
    const [overview, txs, terminals] = await Promise.all([
      apiGet<OverviewData>('/overview', undefined, signal),
      apiAll<Transaction>('/transactions', { from: Math.min(startOfDay(), now - 24 * HOUR) }, 5_000),
      apiAll<Terminal>('/terminals', {}, 1_000),
    ]);
    return { overview, txs, terminals, now };
  }, []);
  return (
    <>
      <h1>Overview</h1>
      <Loadable state={data} what="today's figures">
        {(d) => <Figures {...d} />}
      </Loadable>
    </>
  );
}

function Figures({ overview: o, txs, terminals, now }: { overview: OverviewData; txs: Transaction[]; terminals: Terminal[]; now: number }): ReactNode {
  const currency = o.lastDay.amount.currency;
  const series = useMemo(() => hourly(txs, now), [txs, now]);
  const chartSeries = useMemo(
    () => ({
      count: [{ label: 'Payments', values: series.payments, color: '#1d5fa8' }],
      volume: [{ label: 'Settled volume', values: series.volume, color: '#1e7a46', format: (v: number) => money(Math.round(v), currency) }],
    }),
    [series, currency],
  );
  const today = txs.filter((t) => t.status === 'settled' && t.time >= startOfDay());
  const todayVolume = today.reduce((a, t) => a + (split(t.amount, currency)?.minor ?? 0), 0);
  const health = terminals.map((t) => ({ t, h: healthOf(t, now) }));
  const offline = health.filter((x) => x.h.tone === 'bad');
  const behind = health.filter((x) => x.h.tone === 'warn');
  return (
    <>
      <div className="cards">
        <Card label="Payments today" value={today.length} note={`last 24 h: ${o.lastDay.settlements} settled`} />
        <Card label="Settled volume today" value={<Money amount={todayVolume} currency={currency} />} note={<>last 24 h: {money(o.lastDay.amount)}</>} />
        <Card label="Open fraud cases" value={o.fraud.open} note={<Link to="/fraud">{`${money(o.fraud.openAmount)} at stake · ${o.fraud.resolved} resolved`}</Link>} />
        <Card label="Terminals offline / behind" value={`${offline.length} / ${behind.length}`} note={<Link to="/terminals">{`of ${o.terminals} · Fleet health`}</Link>} />
        <Card label="Active purses" value={o.purses.active} note={<>{money(o.purses.reserved)} reserved</>} />
        <Card label="Denied purses" value={o.denylist.size} note={<Link to="/denylist">Deny list</Link>} />
        <Card label="Incidents, last 24 h" value={o.lastDay.incidents} note={<Link to="/incidents">Incidents</Link>} />
      </div>
      <div className="charts">
        <TimeChart title="Settled payments per hour (last 24 h)" times={series.times} series={chartSeries.count} />
        <TimeChart title="Settled volume per hour (last 24 h)" times={series.times} series={chartSeries.volume} />
      </div>
      {offline.length + behind.length > 0 ? (
        <>
          <h2>Terminals needing attention</h2>
          <ul>
            {[...offline, ...behind].map(({ t, h }) => (
              <li key={t.terminalId}>
                {t.terminalId} ({t.displayName}): {h.label}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
