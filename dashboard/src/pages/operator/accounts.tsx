// Accounts: list with balances, create one, fund one (idempotent: one key per submitted form).
import { useRef, type ReactNode } from 'react';
import { apiGet, apiPost } from '../../api/client.js';
import type { Account, Page } from '../../api/types.js';
import { ActionForm } from '../../components/form.js';
import { useLoad } from '../../components/hooks.js';
import { PagedTable } from '../../components/paged.js';
import { Money, Time } from '../../components/ui.js';
import { money, parseMoney } from '../../format.js';

export function amountOf(text: string | undefined, currency: string): number {
  const n = parseMoney(text ?? '', currency);
  if (n === undefined || n <= 0) throw new Error(`"${text}" is not an amount in ${currency} (for example 12.50).`);
  return n;
}

/** The ledger's one currency (every account holds it; the ledger never converts), for reading typed amounts. */
export function useLedgerCurrency(): string {
  const first = useLoad((signal) => apiGet<Page<Account>>('/accounts', { limit: 1 }, signal), []);
  return first.data?.items[0]?.currency ?? 'EUR';
}

export default function Accounts(): ReactNode {
  const reload = useRef<() => void>(() => {});
  const currency = useLedgerCurrency();
  return (
    <>
      <h1>Accounts</h1>
      <div className="forms">
        <ActionForm
          title="Create an account"
          submit="Create"
          fields={[
            { name: 'id', label: 'Account id', required: true, placeholder: 'acct-ana' },
            { name: 'name', label: 'Holder name' },
          ]}
          action={(v) => apiPost<Account>('/accounts', { id: v.id, ...(v.name ? { name: v.name } : {}) })}
          describe={(r) => `Account ${(r as Account).id} created.`}
          onDone={() => reload.current()}
        />
        <ActionForm
          title="Fund an account"
          submit="Fund"
          fields={[
            { name: 'account', label: 'Account id', required: true },
            { name: 'amount', label: `Amount (${currency})`, required: true, placeholder: '100.00' },
            { name: 'memo', label: 'Memo (bank reference)' },
          ]}
          action={(v, key) => apiPost<Account>(`/accounts/${encodeURIComponent(v.account ?? '')}/fund`, { amount: amountOf(v.amount, currency), ...(v.memo ? { memo: v.memo } : {}) }, key)}
          describe={(r) => `Funded; ${(r as Account).id} now holds ${money((r as Account).balance, (r as Account).currency)}.`}
          onDone={() => reload.current()}
        />
      </div>
      <PagedTable<Account>
        path="/accounts"
        what="accounts"
        caption="Accounts"
        rowKey={(a) => a.id}
        onReload={(r) => (reload.current = r)}
        columns={[
          { label: 'Account', cell: (a) => <code>{a.id}</code> },
          { label: 'Kind', cell: (a) => a.kind },
          { label: 'Name', cell: (a) => a.name ?? '—' },
          { label: 'Created', cell: (a) => <Time at={a.createdAt} /> },
          { label: 'Balance', num: true, cell: (a) => <Money amount={a.balance} currency={a.currency} /> },
        ]}
      />
    </>
  );
}
