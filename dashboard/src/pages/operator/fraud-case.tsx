// One fraud case: both signed payments side by side, and its resolution (pay the merchant or charge the purse's account back) with a reason.
import type { ReactNode } from 'react';
import { apiGet, apiPost, newIdempotencyKey } from '../../api/client.js';
import type { FraudCase as Case } from '../../api/types.js';
import { ActionForm } from '../../components/form.js';
import { useLoad } from '../../components/hooks.js';
import { Fields, Json, Link, Loadable, Money, Time } from '../../components/ui.js';
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
                  { name: 'outcome', label: 'Outcome', type: 'select', options: ['pay-merchant', 'charge-back'], hint: 'pay-merchant: the merchant keeps the money, taken from the purse holder. charge-back: the payment is reversed.' },
                  { name: 'reason', label: 'Reason', type: 'textarea', required: true },
                ]}
                action={(v) => apiPost<Case>(`/fraud-cases/${encodeURIComponent(id)}/resolve`, { outcome: v.outcome, reason: v.reason }, newIdempotencyKey())}
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
