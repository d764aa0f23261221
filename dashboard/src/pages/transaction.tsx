// One transaction: the decoded signed payment, each journal record with its verification, the settlement, refunds, and the sealed details when the role may see them.
import type { ReactNode } from 'react';
import { apiGet } from '../api/client.js';
import type { TransactionDetail } from '../api/types.js';
import { useLoad } from '../components/hooks.js';
import { Fields, Json, Link, Loadable, Money, Time } from '../components/ui.js';

export default function Transaction({ params }: { params: Record<string, string> }): ReactNode {
  const txId = params.txId ?? '';
  const tx = useLoad((signal) => apiGet<TransactionDetail>(`/transactions/${encodeURIComponent(txId)}`, undefined, signal), [txId]);
  return (
    <>
      <p>
        <Link to="/transactions">← Transactions</Link>
      </p>
      <h1>Transaction</h1>
      <Loadable state={tx} what="the transaction">
        {(t) => {
          const first = t.records[0];
          const s = t.settlement;
          return (
            <>
              <Fields
                items={[
                  ['Transaction id', <code key="id" className="wrap">{t.txId}</code>],
                  ['Status', first?.status ?? '—'],
                  ['Amount', <Money key="a" amount={s?.amount ?? first?.amount} />],
                  ['Payment time', <Time key="t" at={first?.time} />],
                  ['Settled', s ? <Time key="s" at={s.settledAt} /> : 'not settled'],
                  ['Terminal', first ? `${first.terminalId} · journal #${first.index ?? '?'}` : '—'],
                  ['Merchant', t.merchantId ?? '—'],
                  ['Purse', first?.purseId ? <Link key="p" to={`/transactions?purse=${first.purseId}`}>{first.purseId}</Link> : '—'],
                  ['Sequence', t.payment?.seq ?? '—'],
                  ['Refunded', <Money key="r" amount={t.refunded ?? 0} currency={t.payment?.authorised?.currency} />],
                  ['Fraud cases', t.fraudCases?.length ? t.fraudCases.map((id) => <Link key={id} to={`/fraud/${id}`}>{`#${id} `}</Link>) : 'none'],
                ]}
              />
              <div className="evidence">
                <section>
                  <h2>Signed payment (decoded)</h2>
                  <Json value={t.payment} label="Decoded payment" />
                </section>
                <section>
                  <h2>Verification</h2>
                  <Json value={t.records.map((r) => ({ terminal: r.terminalId, index: r.index, ...r.verification }))} label="Verification result" />
                </section>
                <section>
                  <h2>Journal record{t.records.length > 1 ? 's' : ''}</h2>
                  <Json value={t.records.map((r) => r.record)} label="Journal record" />
                </section>
                <section>
                  <h2>Sealed details</h2>
                  {t.sealed === 'hidden' ? <p>Sealed details exist but your role may not open them.</p> : t.sealed === null ? <p className="muted">This payment carries no sealed details.</p> : <Json value={t.sealed} label="Sealed details" />}
                </section>
              </div>
            </>
          );
        }}
      </Loadable>
    </>
  );
}
