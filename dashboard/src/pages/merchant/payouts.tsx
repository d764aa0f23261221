// A merchant's payouts: what the operator paid out of their receivable.
import type { ReactNode } from 'react';
import type { Payout } from '../../api/types.js';
import { PagedTable } from '../../components/paged.js';
import { Money, Time } from '../../components/ui.js';
import { useMe } from '../../me.js';

export default function Payouts(): ReactNode {
  const merchant = useMe().merchantId ?? '';
  return (
    <>
      <h1>Payouts</h1>
      <PagedTable<Payout>
        path={`/merchants/${encodeURIComponent(merchant)}/payouts`}
        what="payouts"
        caption="Payouts"
        rowKey={(p) => p.id}
        empty="No payout yet."
        columns={[
          { label: 'Payout', cell: (p) => <code>{p.id}</code> },
          { label: 'When', cell: (p) => <Time at={p.at} /> },
          { label: 'State', cell: (p) => p.status ?? '—' },
          { label: 'Amount', num: true, cell: (p) => <Money amount={p.amount} currency={p.currency} /> },
        ]}
      />
    </>
  );
}
