// Refunds: a merchant pays a customer back for one of their transactions (idempotent; referencing the original txId).
import type { ReactNode } from 'react';
import { apiPost } from '../../api/client.js';
import type { MoneyValue } from '../../api/types.js';
import { ActionForm } from '../../components/form.js';
import { Link } from '../../components/ui.js';
import { money } from '../../format.js';
import { useMe } from '../../me.js';
import { amountOf } from '../operator/accounts.js';

export default function Refunds(): ReactNode {
  const me = useMe();
  const merchant = me.merchantId ?? '';
  return (
    <>
      <h1>Refunds</h1>
      <p>
        Refund all or part of a payment. Find its transaction id in <Link to="/transactions">Transactions</Link>; refunded payments show there with
        the status “refunded”.
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
          return apiPost<{ refunded: MoneyValue; remaining: MoneyValue }>(`/merchants/${encodeURIComponent(merchant)}/refunds`, { txId: v.txId, amount: amountOf(v.amount, currency), reason: v.reason }, key);
        }}
        describe={(r) => {
          const x = r as { refunded: MoneyValue; remaining: MoneyValue };
          return `Refunded; ${money(x.refunded)} of this payment refunded in all, ${money(x.remaining)} left.`;
        }}
      />
    </>
  );
}
