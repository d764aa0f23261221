// One fraud case: both signed payments side by side, and its resolution (pay the merchant or charge the purse's account back) with a reason.
import type { ReactNode } from 'react';
import { apiGet, apiPost } from '../../api/client.js';
import type { FraudCase as Case, DecodedPayment } from '../../api/types.js';
import { ActionForm } from '../../components/form.js';
import { useLoad } from '../../components/hooks.js';
import { Fields, Json, Link, Loadable, Money, Table, Time } from '../../components/ui.js';
import { caseState } from './fraud-cases.js';

export default function FraudCase({ params }: { params: Record<string, string> }): ReactNode {
  const id = params.id ?? '';
  const c = useLoad((signal) => apiGet<Case>(`/fraud-cases/${encodeURIComponent(id)}`, undefined, signal), [id]);
  return (
    <>
      <p>
        <Link to="/fraud">← Fraud cases</Link>
      </p>
      <h1>Fraud case #{id}</h1>
      <Loadable state={c} what="the case">
        {(f) => (
          <>
            <Fields
              items={[
                ['State', <strong key="s">{caseState(f)}</strong>],
                ['Kind', f.kind],
                ['What clearing found', f.detail],
                ['Purse', <Link key="p" to={`/transactions?purse=${f.purseId}`}>{f.purseId}</Link>],
                ['Amount at stake', <Money key="a" amount={f.amount} />],
                ['Opened', <Time key="o" at={f.openedAt} />],
                ...(f.resolution ? ([['Resolution', `${f.resolution.outcome}: “${f.resolution.reason}”${f.resolution.actor ? ` by ${f.resolution.actor}` : ''}`], ['Resolved', <Time key="r" at={f.resolution.resolvedAt} />]] as [string, ReactNode][]) : []),
              ]}
            />
            <Compare first={f.evidence?.first ?? null} second={f.evidence?.second ?? null} />
            <div className="side-by-side">
              <section aria-labelledby="first-h">
                <h2 id="first-h">First payment (settled)</h2>
                <p>{f.firstTxId ? <Link to={`/transactions/${encodeURIComponent(f.firstTxId)}`}>{f.firstTxId}</Link> : 'none settled'}</p>
                <Json value={f.evidence?.first} label="First signed payment" />
              </section>
              <section aria-labelledby="second-h">
                <h2 id="second-h">Second payment (flagged)</h2>
                <p>
                  {f.secondTxId} at {f.terminalId} #{f.index}
                </p>
                <Json value={f.evidence?.second} label="Second signed payment" />
              </section>
            </div>
            {caseState(f) === 'open' ? (
              <ActionForm
                title="Resolve this case"
                submit="Resolve"
                fields={[
                  { name: 'outcome', label: 'Outcome', type: 'select', options: ['pay-merchant', 'charge-back'], hint: 'Either way the merchant is paid what its terminal accepted. pay-merchant: the operator bears the loss. charge-back: the purse holder’s account is charged.' },
                  { name: 'reason', label: 'Reason', type: 'textarea', required: true },
                ]}
                action={(v, key) => apiPost<Case>(`/fraud-cases/${encodeURIComponent(id)}/resolve`, { outcome: v.outcome, reason: v.reason }, key)}
                describe={() => 'Case resolved.'}
                onDone={c.reload}
              />
            ) : null}
          </>
        )}
      </Loadable>
    </>
  );
}

/** The two payments' key fields in one table, so what they share (purse, sequence) and what differs (payee, amount) reads at a glance. */
function Compare({ first, second }: { first: DecodedPayment | null; second: DecodedPayment | null }): ReactNode {
  const rows: { label: string; cell: (p: DecodedPayment | null) => ReactNode }[] = [
    { label: 'Purse', cell: (p) => p?.purseId ?? '—' },
    { label: 'Sequence', cell: (p) => p?.seq ?? '—' },
    { label: 'Cumulative', cell: (p) => (p ? <Money amount={p.cumulative} currency={p.authorised?.currency} /> : '—') },
    { label: 'Authorised', cell: (p) => (p ? <Money amount={p.authorised} /> : '—') },
    { label: 'Payee', cell: (p) => (p ? `${p.payee} (${p.payeeKind})` : '—') },
    { label: 'Signed at', cell: (p) => <Time at={p?.time} /> },
  ];
  return (
    <Table
      caption="The two signed payments compared"
      rows={rows}
      rowKey={(r) => r.label}
      columns={[
        { label: 'Field', cell: (r) => r.label },
        { label: 'First payment', cell: (r) => r.cell(first) },
        { label: 'Second payment', cell: (r) => r.cell(second) },
      ]}
    />
  );
}
