// A merchant's daily statement (Z-report) for a chosen day, per terminal, with a CSV export.
import { useState, type ReactNode } from 'react';
import { apiGet } from '../../api/client.js';
import type { Statement } from '../../api/types.js';
import { download, toCsv } from '../../csv.js';
import { useLoad } from '../../components/hooks.js';
import { Card, Loadable, Money, Table } from '../../components/ui.js';
import { decimal, localDate, minorUnits, split } from '../../format.js';
import { useMe } from '../../me.js';

export default function Statements(): ReactNode {
  const me = useMe();
  const [date, setDate] = useState(localDate());
  const merchant = me.merchantId ?? '';
  const st = useLoad((signal) => apiGet<Statement>(`/merchants/${encodeURIComponent(merchant)}/statements`, { date }, signal), [merchant, date]);
  const exportCsv = (s: Statement) => {
    const cur = split(s.amount, s.currency)?.currency ?? s.currency ?? 'EUR';
    const e = minorUnits(cur);
    const dec = (a: Parameters<typeof split>[0]) => decimal(split(a, cur)?.minor ?? 0, e);
    const rows = (s.terminals ?? []).map((t) => [s.date, t.terminalId, t.count, cur, dec(t.amount)]);
    rows.push([s.date, 'TOTAL', s.count ?? 0, cur, dec(s.amount)]);
    download(`statement-${merchant}-${s.date}.csv`, toCsv(['date', 'terminal', 'payments', 'currency', 'amount'], rows));
  };
  return (
    <>
      <h1>Daily statements</h1>
      <p>
        <label>
          Day{' '}
          <input type="date" value={date} max={localDate()} onChange={(e) => e.target.value && setDate(e.target.value)} />
        </label>
      </p>
      <Loadable state={st} what="the statement">
        {(s) => (
          <>
            <div className="cards">
              <Card label="Payments" value={s.count ?? 0} />
              <Card label="Takings" value={<Money amount={s.amount ?? 0} currency={s.currency} />} />
              <Card label="Refunds" value={<Money amount={s.refunds ?? 0} currency={s.currency} />} />
              <Card label="Net" value={<Money amount={s.net ?? (split(s.amount, s.currency)?.minor ?? 0) - (split(s.refunds, s.currency)?.minor ?? 0)} currency={split(s.amount, s.currency)?.currency} />} />
            </div>
            <Table
              caption={`Z-report for ${s.date}, per terminal`}
              rows={s.terminals ?? []}
              rowKey={(t) => t.terminalId}
              empty="No payment that day."
              columns={[
                { label: 'Terminal', cell: (t) => t.terminalId },
                { label: 'Payments', num: true, cell: (t) => t.count },
                { label: 'Amount', num: true, cell: (t) => <Money amount={t.amount} currency={s.currency} /> },
              ]}
            />
            <button type="button" onClick={() => exportCsv(s)}>
              Export CSV
            </button>
          </>
        )}
      </Loadable>
    </>
  );
}
