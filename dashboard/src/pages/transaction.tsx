// One transaction: the decoded signed payment, its verification, the journal record and the sealed details when the role may see them.
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
        {(t) => (
          <>
            <Fields
              items={[
                ['Transaction id', <code key="id" className="wrap">{t.txId}</code>],
                ['Status', t.status ?? 'settled'],
                ['Amount', <Money key="a" amount={t.amount} currency={t.currency} />],
                ['Time', <Time key="t" at={t.settledAt ?? t.time} />],
                ['Terminal', `${t.terminalId}${t.index !== undefined ? ` · journal #${t.index}` : ''}`],
                ['Merchant', t.merchantId],
                ['Purse', <Link key="p" to={`/transactions?purse=${t.purseId}`}>{t.purseId}</Link>],
                ['Sequence', t.seq ?? '—'],
              ]}
            />
            <div className="evidence">
              <section>
                <h2>Signed payment (decoded)</h2>
                <Json value={t.payment} label="Decoded payment" />
              </section>
              <section>
                <h2>Verification</h2>
                <Json value={t.verification} label="Verification result" />
              </section>
              <section>
                <h2>Journal record</h2>
                <Json value={t.journal ?? t.record} label="Journal record" />
              </section>
              <section>
                <h2>Sealed details</h2>
                <Json value={t.sealed} label="Sealed details" />
              </section>
            </div>
          </>
        )}
      </Loadable>
    </>
  );
}
