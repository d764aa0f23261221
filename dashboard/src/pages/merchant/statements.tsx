// A merchant's daily statement (Z-report) for a chosen day in the viewer's time zone, per terminal, with a CSV export.
import { useState, type ReactNode } from 'react';
import { apiGet } from '../../api/client.js';
import type { MoneyValue, Statement } from '../../api/types.js';
import { download, toCsv } from '../../csv.js';
import { useLoad } from '../../components/hooks.js';
import { Card, Loadable, Money, Table } from '../../components/ui.js';
import { decimal, localDate, minorUnits } from '../../format.js';
import { useMe } from '../../me.js';

/** The day is cut where the viewer is, so "today" means their today. */
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

function exportCsv(s: Statement): void {
  const e = minorUnits(s.currency);
  const dec = (m: MoneyValue) => decimal(m.amount, e);
  const rows: (string | number)[][] = s.terminals.map((t) => [s.date, t.terminalId, 'payments', t.count, s.currency, dec(t.amount)]);
  rows.push([s.date, 'ALL', 'payments', s.payments.count, s.currency, dec(s.payments.amount)]);
  rows.push([s.date, 'ALL', 'refunds', s.refunds.count, s.currency, dec(s.refunds.amount)]);
  rows.push([s.date, 'ALL', 'fraud paid', s.fraud.paid.count, s.currency, dec(s.fraud.paid.amount)]);
  rows.push([s.date, 'ALL', 'net', '', s.currency, dec(s.net)]);
  download(`statement-${s.merchantId ?? 'merchant'}-${s.date}.csv`, toCsv(['date', 'terminal', 'line', 'count', 'currency', 'amount'], rows));
}

export default function Statements(): ReactNode {
  const me = useMe();
  const [date, setDate] = useState(localDate());
  const merchant = me.merchantId ?? '';
  const st = useLoad((signal) => apiGet<Statement>(`/merchants/${encodeURIComponent(merchant)}/statements`, { date, timeZone: TIME_ZONE }, signal), [merchant, date]);
  return (
    <>
      <h1>Daily statements</h1>
      <p>
        <label>
          Day ({TIME_ZONE})
          <input type="date" value={date} max={localDate()} onChange={(e) => e.target.value && setDate(e.target.value)} />
        </label>
      </p>
      <Loadable state={st} what="the statement">
        {(s) => (
          <>
            <div className="cards">
              <Card label="Payments" value={s.payments.count} />
              <Card label="Takings" value={<Money amount={s.payments.amount} />} />
              <Card label="Refunds" value={<Money amount={s.refunds.amount} />} note={`${s.refunds.count} refunds`} />
              <Card label="Net" value={<Money amount={s.net} />} />
            </div>
            <Table
              caption={`Z-report for ${s.date}, per terminal`}
              rows={s.terminals}
              rowKey={(t) => t.terminalId}
              empty="No payment that day."
              columns={[
                { label: 'Terminal', cell: (t) => t.terminalId },
                { label: 'Payments', num: true, cell: (t) => t.count },
                { label: 'Amount', num: true, cell: (t) => <Money amount={t.amount} /> },
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
