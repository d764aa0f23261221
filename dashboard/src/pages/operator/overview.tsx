// Operator overview: today's payments, settled volume, open fraud cases, terminals offline or behind, and charts over time.
import { useMemo, type ReactNode } from 'react';
import { apiAll, apiGet } from '../../api/client.js';
import type { Overview as OverviewData, Terminal, Transaction } from '../../api/types.js';
import { TimeChart } from '../../components/chart.js';
import { useLoad } from '../../components/hooks.js';
import { Card, Link, Loadable, Money } from '../../components/ui.js';
import { money, split } from '../../format.js';
import { healthOf } from '../terminals.js';

const HOUR = 3600;

/** Payments and volume per hour over the last 24 hours, from the API's own series or from the transactions. */
function hourly(o: OverviewData, txs: Transaction[], now: number): { times: number[]; payments: number[]; volume: number[] } {
  if (o.series && o.series.length > 0) return { times: o.series.map((s) => s.time), payments: o.series.map((s) => s.payments), volume: o.series.map((s) => s.volume) };
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
      apiAll<Transaction>('/transactions', { from: now - 24 * HOUR }, 5_000),
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
  const currency = o.currency ?? 'EUR';
  const series = useMemo(() => hourly(o, txs, now), [o, txs, now]);
  const chartSeries = useMemo(
    () => ({
      count: [{ label: 'Payments', values: series.payments, color: '#1d5fa8' }],
      volume: [{ label: 'Settled volume', values: series.volume, color: '#1e7a46', format: (v: number) => money(Math.round(v), currency) }],
    }),
    [series, currency],
  );
  const troubled = terminals.filter((t) => healthOf(t, now).tone !== 'ok');
  const offline = o.terminalsOffline ?? troubled.filter((t) => healthOf(t, now).tone === 'bad').length;
  const behind = o.terminalsBehind ?? troubled.filter((t) => healthOf(t, now).tone === 'warn').length;
  return (
    <>
      <div className="cards">
        <Card label="Payments today" value={o.paymentsToday ?? '—'} />
        <Card label="Settled volume today" value={<Money amount={o.settledVolumeToday ?? o.settledVolume} currency={currency} />} />
        <Card label="Open fraud cases" value={o.openFraudCases ?? '—'} note={<Link to="/fraud">Fraud cases</Link>} />
        <Card label="Terminals offline / behind" value={`${offline} / ${behind}`} note={<Link to="/terminals">Fleet health</Link>} />
      </div>
      <div className="charts">
        <TimeChart title="Payments per hour (last 24 h)" times={series.times} series={chartSeries.count} />
        <TimeChart title="Settled volume per hour (last 24 h)" times={series.times} series={chartSeries.volume} />
      </div>
      {troubled.length > 0 ? (
        <>
          <h2>Terminals needing attention</h2>
          <ul>
            {troubled.map((t) => (
              <li key={t.terminalId}>
                {t.terminalId} ({t.displayName}): {healthOf(t, now).label}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
