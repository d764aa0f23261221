// Refunds (a merchant's own, or any merchant's for an operator): a merchant pays a customer back for one of their transactions (idempotent; referencing the original txId), and the list of refunds made, with a CSV export.
import { useRef, type ReactNode } from 'react';
import { apiPost } from '../../api/client.js';
import type { MoneyValue, Refund } from '../../api/types.js';
import { CsvExport } from '../../components/export.js';
import { ActionForm } from '../../components/form.js';
import { PagedTable } from '../../components/paged.js';
import { Link, Money, Time } from '../../components/ui.js';
import { csvDecimal, money, short } from '../../format.js';
import { useMerchantScope } from '../../components/merchant-scope.js';
import { amountOf } from '../operator/accounts.js';

export default function Refunds(): ReactNode {
  const { merchant, picker } = useMerchantScope();
  return (
    <>
      <h1>Refunds</h1>
      {picker}
      {merchant ? <Scoped merchant={merchant} /> : <p className="muted">Choose a merchant to see and make its refunds.</p>}
    </>
  );
}

function Scoped({ merchant }: { merchant: string }): ReactNode {
  const path = `/merchants/${encodeURIComponent(merchant)}/refunds`;
  const reload = useRef<() => void>(() => undefined);
  return (
    <>
      <p>
        Refund all or part of a payment. Find its transaction id in <Link to="/transactions">Transactions</Link>; a payment’s page shows how much of
        it has been refunded.
      </p>
      <ActionForm
        title="Refund a payment"
        submit="Refund"
        fields={[
          { name: 'txId', label: 'Transaction id', required: true },
          { name: 'amount', label: 'Amount to refund', required: true, placeholder: '3.40' },
          { name: 'currency', label: 'Currency of the payment', initial: 'EUR', required: true, hint: 'Only to read the amount: the refund is in the payment’s own currency.' },
          { name: 'reason', label: 'Reason', required: true },
        ]}
        action={(v, key) => {
          const currency = (v.currency ?? 'EUR').toUpperCase();
          return apiPost<{ refunded: MoneyValue; remaining: MoneyValue }>(path, { txId: v.txId, amount: amountOf(v.amount, currency), reason: v.reason }, key);
        }}
        onDone={() => reload.current()}
        describe={(r) => {
          const x = r as { refunded: MoneyValue; remaining: MoneyValue };
          return `Refunded; ${money(x.refunded)} of this payment refunded in all, ${money(x.remaining)} left.`;
        }}
      />
      <h2>Refunds made</h2>
      <CsvExport<Refund>
        path={path}
        what="refunds"
        file={`refunds-${merchant}-${new Date().toISOString().slice(0, 10)}.csv`}
        header={['refundId', 'time', 'txId', 'source', 'terminal', 'by', 'reason', 'currency', 'amount']}
        row={(r) => [r.refundId, new Date(r.createdAt * 1000).toISOString(), r.txId, r.source, r.terminalId, r.actor, r.reason, r.amount.currency, csvDecimal(r.amount)]}
      />
      <PagedTable<Refund>
        path={path}
        what="refunds"
        caption="Refunds, newest first"
        rowKey={(r) => String(r.id)}
        empty="No refund yet."
        onReload={(r) => (reload.current = r)}
        columns={[
          { label: 'When', cell: (r) => <Time at={r.createdAt} /> },
          { label: 'Payment', cell: (r) => <Link to={`/transactions/${encodeURIComponent(r.txId)}`}>{short(r.txId, 12)}</Link> },
          { label: 'Made', cell: (r) => (r.source === 'terminal' ? `at terminal ${r.terminalId ?? ''}` : `by ${r.actor}`) },
          { label: 'Reason', cell: (r) => r.reason },
          { label: 'Amount', num: true, cell: (r) => <Money amount={r.amount} /> },
        ]}
      />
    </>
  );
}
