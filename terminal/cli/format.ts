// Human-readable output for the tessera CLI: amounts, times, status and transaction tables.
import type { TransactionJson } from '../api/transactions.js';
import type { DaemonStatus } from '../daemon/daemon.js';
import type { PaymentState } from '../checkout/types.js';
import type { ListFreshness } from '../checkout/limits.js';
import { amountText, isoTime } from '#common';

/** An amount for people: the one formatter of the display and receipts (#common formatAmount); minor units when the currency is unknown. */
export function money(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return '-';
  return amountText(amount, currency);
}

export function statusText(s: DaemonStatus): string {
  const cur = s.fleet.config ? `fares v${s.fleet.config.version}` : 'no fare config';
  const dl = s.fleet.denylist ? `deny list v${s.fleet.denylist.version} (${s.fleet.denylist.size} purses)` : 'no deny list';
  const lat = s.latency.count ? `p50 ${s.latency.p50Ms} ms · p99 ${s.latency.p99Ms} ms (${s.latency.count} decisions since start)` : 'no decisions since start';
  const devices = Object.entries(s.devices)
    .map(([k, v]) => `${k} ${v.state}${v.code ? ` (${v.code})` : ''}${v.paper ? ` [paper ${v.paper}, cover ${v.coverOpen ? 'open' : 'closed'}${v.error ? ', error' : ''}]` : ''}`)
    .join(' · ');
  const lines = [
    ['Terminal', `${s.terminalId} (${s.mode}, ${s.displayName}) ${s.ready ? 'READY' : `NOT READY: ${s.notReady ?? ''}`}${s.unhealthy ? ` · UNHEALTHY: ${s.unhealthy}` : ''}`],
    ['Clock', `${s.clock.trusted ? 'trusted' : 'NOT TRUSTED'} (wall ${isoTime(s.clock.wallMs)}, last known ${isoTime(s.clock.highWaterMarkMs)})`],
    ['Journal', `${s.journal.head} records, ${s.journal.backlog} not yet synced, last sync ${isoTime(s.journal.lastSyncMs)}`],
    ['Storage', s.storage.ok ? 'writable' : `${s.storage.error}: ${s.storage.detail} (payments declined until it is writable)`],
    ['Unsynced', `${s.unsynced.count} payments, ${money(s.unsynced.amount, null)}`],
    ['Latency', lat],
    ['Decisions', `${s.counters.approved} approved, ${s.counters.declined} declined (${s.counters.unreadable} unreadable), ${s.counters.rereads} re-reads`],
    ['Trust', `trust list v${s.fleet.trust.version} issued ${isoTime(s.fleet.trust.issuedAt * 1000)}, ${dl}, ${cur}`],
    ['Freshness', freshnessLine(s.freshness)],
    ['Devices', devices],
    ['Memory', `RSS ${s.memory.rssMb} MB · heap ${s.memory.heapUsedMb} MB of ${s.memory.heapLimitMb} MB`],
    ...Object.entries(s.components).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), typeof v === 'string' ? v : JSON.stringify(v)]),
    ['Payment', s.payment ? paymentLine(s.payment) : 'none open'],
  ];
  return lines.map(([k, v]) => `${(k as string).padEnd(10)} ${v as string}`).join('\n');
}

function listAge(name: string, f: ListFreshness): string {
  const left = f.maxAgeHours - f.ageHours;
  const when = `declines as TRUST_STALE from ${isoTime(f.staleAt * 1000)}`;
  if (f.state === 'stale') return `${name} STALE (${f.ageHours} h old, max ${f.maxAgeHours} h): every payment is declined until a newer one arrives`;
  if (f.state === 'stale-soon') return `${name} STALE SOON (${f.ageHours} h old, max ${f.maxAgeHours} h; ${when}, in ${Math.max(0, left).toFixed(1)} h)`;
  return `${name} ${f.ageHours} h old (max ${f.maxAgeHours} h)`;
}

export function freshnessLine(f: DaemonStatus['freshness']): string {
  return `${listAge('trust list', f.trust)} · ${listAge(f.denylist.installed ? 'deny list' : 'no deny list: trust list', f.denylist)}`;
}

export function paymentLine(p: PaymentState): string {
  const ref = p.reference ? ` ref ${p.reference}` : '';
  const extra = p.status === 'approved' ? ` tx ${p.txId ?? ''}` : p.lastDecline ? ` (last decline: ${p.lastDecline.reason})` : '';
  return `${p.status} ${money(p.amount, p.currency)}${ref} id ${p.id}${extra}`;
}

export function txTable(rows: TransactionJson[]): string {
  if (rows.length === 0) return 'no transactions';
  // The register's reference gets a column only when some row has one (transit journals never do).
  const refs = rows.some((r) => r.reference !== null);
  const head = ['#', 'time', 'decision', 'amount', 'reason', 'tx', ...(refs ? ['reference'] : [])];
  // A void or refund shows what it gave back, as a negative amount, and the payment it adjusts.
  const body = rows.map((r) => {
    const adj = r.kind !== 'payment';
    const amount = r.decision !== 'approved' ? '-' : adj ? `−${money(r.amount, r.currency)}` : money(r.amount, r.currency);
    return [String(r.index), r.time.replace('.000Z', 'Z'), adj ? r.kind : r.decision, amount, adj ? `of ${(r.originalTxId ?? '').slice(0, 16)}` : (r.reason ?? ''), r.txId.slice(0, 16), ...(refs ? [r.reference ?? ''] : [])];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(w[i] as number)).join('  ').trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}

export function txText(r: TransactionJson): string {
  return Object.entries(r)
    .map(([k, v]) => `${k.padEnd(10)} ${v === null ? '-' : String(v)}`)
    .join('\n');
}
