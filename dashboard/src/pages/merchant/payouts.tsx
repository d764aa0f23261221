// A merchant's payouts (its own, or any merchant's for an operator): what the operator owes them now, what has been settled to them, and each day's payout (the day's net on their account), with a CSV export.
import type { ReactNode } from 'react';
import { apiGet } from '../../api/client.js';
import type { Payout, Payouts as PayoutsData } from '../../api/types.js';
import { CsvExport } from '../../components/export.js';
import { useLoad } from '../../components/hooks.js';
import { PagedTable } from '../../components/paged.js';
import { Card, Loadable, Money } from '../../components/ui.js';
import { csvDecimal } from '../../format.js';
import { useMerchantScope } from '../../components/merchant-scope.js';

export default function Payouts(): ReactNode {
  const { merchant, picker } = useMerchantScope();
  return (
    <>
      <h1>Payouts</h1>
      {picker}
      {merchant ? <Scoped merchant={merchant} /> : <p className="muted">Choose a merchant to see what is due to it and its payouts.</p>}
    </>
  );
}

function Scoped({ merchant }: { merchant: string }): ReactNode {
  const path = `/merchants/${encodeURIComponent(merchant)}/payouts`;
  const p = useLoad((signal) => apiGet<PayoutsData>(path, { limit: 1 }, signal), [path]);
  return (
    <>
      <Loadable state={p} what="what is due">
        {(d) => (
          <div className="cards">
            <Card label="Due now" value={<Money amount={d.due} />} note="settled payments less refunds, plus fraud cases paid" />
            <Card label="Settled to date" value={<Money amount={d.settled.amount} />} note={`${d.settled.count} payments`} />
          </div>
        )}
      </Loadable>
      <p>
        A payout is what one day added to what the operator owes the merchant: the payments settled that day, less the refunds made that day, plus
        fraud cases resolved in the merchant’s favour that day. Days run from midnight to midnight UTC.
      </p>
      <CsvExport<Payout>
        path={path}
        what="payouts"
        file={`payouts-${merchant}-${new Date().toISOString().slice(0, 10)}.csv`}
        header={['date', 'payments', 'payments amount', 'refunds', 'refunds amount', 'fraud paid', 'fraud paid amount', 'currency', 'net']}
        row={(x) => [x.date, x.payments.count, csvDecimal(x.payments.amount), x.refunds.count, csvDecimal(x.refunds.amount), x.fraudPaid.count, csvDecimal(x.fraudPaid.amount), x.net.currency, csvDecimal(x.net)]}
      />
      <PagedTable<Payout>
        path={path}
        what="payouts"
        caption="Payouts by day (UTC), newest first"
        rowKey={(x) => x.date}
        empty="No payment has settled to this merchant yet."
        columns={[
          { label: 'Day (UTC)', cell: (x) => x.date },
          { label: 'Payments', num: true, cell: (x) => <>{x.payments.count} · <Money amount={x.payments.amount} /></> },
          { label: 'Refunds', num: true, cell: (x) => <>{x.refunds.count} · <Money amount={x.refunds.amount} /></> },
          { label: 'Fraud paid', num: true, cell: (x) => <Money amount={x.fraudPaid.amount} /> },
          { label: 'Payout', num: true, cell: (x) => <strong><Money amount={x.net} /></strong> },
        ]}
      />
    </>
  );
}
