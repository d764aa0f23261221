// Purses: list with state and spending, issue one for a wallet key, close early, deny and undeny.
import { useRef, useState, type ReactNode } from 'react';
import { apiPost, newIdempotencyKey } from '../../api/client.js';
import type { Purse } from '../../api/types.js';
import { ActionForm } from '../../components/form.js';
import { useAction } from '../../components/hooks.js';
import { PagedTable } from '../../components/paged.js';
import { ErrorBox, Link, Money, Time } from '../../components/ui.js';
import { short } from '../../format.js';
import { amountOf, useLedgerCurrency } from './accounts.js';

export default function Purses(): ReactNode {
  const reload = useRef<() => void>(() => {});
  const currency = useLedgerCurrency();
  const [reason, setReason] = useState('');
  // One key per distinct request, kept until it succeeds: retrying the same click replays, not repeats.
  const keys = useRef(new Map<string, string>());
  const act = useAction(async (purseId: string, what: 'close' | 'deny' | 'undeny') => {
    if (!reason.trim()) throw new Error(`Give a reason first: it is recorded with the ${what === 'close' ? 'closure' : 'deny list'}.`);
    const request = `${purseId}/${what}/${reason.trim()}`;
    const key = keys.current.get(request) ?? newIdempotencyKey();
    keys.current.set(request, key);
    await apiPost<unknown>(`/purses/${purseId}/${what}`, { reason: reason.trim() }, key);
    keys.current.delete(request);
    reload.current();
    return `${what === 'close' ? 'Closed' : what === 'deny' ? 'Denied' : 'Undenied'} purse ${short(purseId)}.`;
  });
  const isDenied = (p: Purse) => p.denied;
  return (
    <>
      <h1>Purses</h1>
      <ActionForm
        title="Issue a purse"
        submit="Issue"
        fields={[
          { name: 'account', label: 'Customer account', required: true },
          { name: 'walletKey', label: 'Wallet public key (hex)', required: true },
          { name: 'cap', label: `Cap (${currency})`, required: true, placeholder: '50.00' },
          { name: 'perPaymentLimit', label: `Per-payment limit (${currency})`, required: true, placeholder: '20.00' },
          { name: 'days', label: 'Valid for (days)', type: 'number', initial: '30', required: true },
        ]}
        action={(v, key) =>
          apiPost<{ purse?: Purse; purseId?: string }>(
            '/purses',
            { account: v.account, walletKey: v.walletKey, cap: amountOf(v.cap, currency), perPaymentLimit: amountOf(v.perPaymentLimit, currency), days: Number(v.days) },
            key,
          )
        }
        describe={(r) => `Purse ${(r as { purse?: Purse; purseId?: string }).purse?.purseId ?? (r as { purseId?: string }).purseId ?? ''} issued.`}
        onDone={() => reload.current()}
      />
      <h2>All purses</h2>
      <div className="field inline">
        <label htmlFor="deny-reason">Reason for close, deny or undeny</label>
        <input id="deny-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="lost phone" />
      </div>
      <ErrorBox error={act.error} />
      {act.done ? <p role="status">{act.done}</p> : null}
      <PagedTable<Purse>
        path="/purses"
        what="purses"
        caption="Purses"
        rowKey={(p) => p.purseId}
        onReload={(r) => (reload.current = r)}
        columns={[
                { label: 'Purse', cell: (p) => <Link to={`/transactions?purse=${p.purseId}`}>{short(p.purseId, 12)}</Link> },
                { label: 'Account', cell: (p) => p.account },
                { label: 'State', cell: (p) => (isDenied(p) ? <span className="badge bad">{p.status}, denied</span> : p.status) },
                { label: 'Valid until', cell: (p) => <Time at={p.notAfter} /> },
                { label: 'Cap', num: true, cell: (p) => <Money amount={p.cap} /> },
                { label: 'Spent', num: true, cell: (p) => <Money amount={p.spent} /> },
                {
                  label: 'Actions',
                  cell: (p) => (
                    <span className="row-actions">
                      {p.status === 'active' ? (
                        <button type="button" disabled={act.busy} onClick={() => act.run(p.purseId, 'close')} aria-label={`Close purse ${short(p.purseId)}`}>
                          Close
                        </button>
                      ) : null}
                      <button type="button" disabled={act.busy} onClick={() => act.run(p.purseId, isDenied(p) ? 'undeny' : 'deny')} aria-label={`${isDenied(p) ? 'Undeny' : 'Deny'} purse ${short(p.purseId)}`}>
                        {isDenied(p) ? 'Undeny' : 'Deny'}
                      </button>
                    </span>
                  ),
                },
        ]}
      />
    </>
  );
}
