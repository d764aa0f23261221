// Transactions: search by txId, purse, terminal, merchant, status and time range; cursor paging; CSV export.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Transaction } from '../api/types.js';
import { CsvExport } from '../components/export.js';
import { PagedTable } from '../components/paged.js';
import { Link, Money, Time } from '../components/ui.js';
import { decimal, minorUnits, short, split } from '../format.js';
import { isOperator, useMe } from '../me.js';
import { useRoute } from '../router.js';

const FIELDS = ['txId', 'purse', 'terminal', 'merchant', 'status', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

/** Date inputs give local days; the API takes Unix seconds. */
function toQuery(f: Filters): Record<string, string | number | undefined> {
  // `to` is exclusive: the start of the day after the one chosen.
  const day = (d: string | undefined, end: boolean) => {
    if (!d) return undefined;
    const t = new Date(`${d}T00:00:00`);
    if (end) t.setDate(t.getDate() + 1);
    return Math.floor(t.getTime() / 1000);
  };
  return { ...f, from: day(f.from, false), to: day(f.to, true) };
}

export default function Transactions(): ReactNode {
  const me = useMe();
  const { params } = useRoute();
  const initial: Filters = {};
  for (const k of FIELDS) {
    const v = params.get(k);
    if (v) initial[k] = v;
  }
  const [filters, setFilters] = useState<Filters>(initial);
  const [draft, setDraft] = useState<Filters>(initial);
  const query = toQuery(filters);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ ...draft });
  };
  const input = (k: (typeof FIELDS)[number], label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} name={k} value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </label>
  );
  return (
    <>
      <h1>Transactions</h1>
      <form className="filters" onSubmit={submit} aria-label="Search transactions">
        {input('txId', 'Transaction id')}
        {input('purse', 'Purse id')}
        {input('terminal', 'Terminal')}
        {isOperator(me) ? input('merchant', 'Merchant') : null}
        <label>
          Status
          <select name="status" value={draft.status ?? ''} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">any</option>
            {['settled', 'fraud', 'duplicate', 'declined', 'rejected'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {input('from', 'From (day)', 'date')}
        {input('to', 'To (day)', 'date')}
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <CsvExport<Transaction>
        path="/transactions"
        query={query}
        what="transactions"
        file={`transactions-${new Date().toISOString().slice(0, 10)}.csv`}
        header={['txId', 'status', 'time', 'terminal', 'index', 'merchant', 'purse', 'currency', 'amount']}
        row={(t) => {
          const m = split(t.amount, t.currency);
          return [t.txId, t.status, new Date(t.time * 1000).toISOString(), t.terminalId, t.index ?? '', t.merchantId, t.purseId, m?.currency ?? '', m ? decimal(m.minor, minorUnits(m.currency)) : ''];
        }}
      />
      <PagedTable<Transaction>
        path="/transactions"
        query={query}
        what="transactions"
        caption="Transactions, newest first"
        rowKey={(t) => `${t.txId}/${t.terminalId}/${t.index ?? ''}`}
        empty="No transaction matches."
        columns={[
          { label: 'Transaction', cell: (t) => <Link to={`/transactions/${encodeURIComponent(t.txId)}`}>{short(t.txId, 12)}</Link> },
          { label: 'Time', cell: (t) => <Time at={t.time} /> },
          { label: 'Terminal', cell: (t) => t.terminalId },
          { label: 'Merchant', cell: (t) => t.merchantId ?? '—' },
          { label: 'Purse', cell: (t) => (t.purseId ? <Link to={`/transactions?purse=${t.purseId}`}>{short(t.purseId)}</Link> : '—') },
          {
            label: 'Status',
            cell: (t) =>
              t.fraudCase ? (
                <Link to={`/fraud/${t.fraudCase}`}>
                  <span className="badge bad">{t.status}</span> case #{t.fraudCase}
                </Link>
              ) : (
                <span className={`badge ${t.status === 'settled' ? 'ok' : 'warn'}`}>{t.status}</span>
              ),
          },
          { label: 'Amount', num: true, cell: (t) => <Money amount={t.amount} currency={t.currency} /> },
        ]}
      />
    </>
  );
}
