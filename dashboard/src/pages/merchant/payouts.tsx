// A merchant's payouts: what the operator owes them now, and what has been settled to their receivable.
import type { ReactNode } from 'react';
import { apiGet } from '../../api/client.js';
import type { Payouts as PayoutsData } from '../../api/types.js';
import { useLoad } from '../../components/hooks.js';
import { Card, Loadable, Money } from '../../components/ui.js';
import { useMe } from '../../me.js';

export default function Payouts(): ReactNode {
  const merchant = useMe().merchantId ?? '';
  const p = useLoad((signal) => apiGet<PayoutsData>(`/merchants/${encodeURIComponent(merchant)}/payouts`, undefined, signal), [merchant]);
  return (
    <>
      <h1>Payouts</h1>
      <Loadable state={p} what="payouts">
        {(d) => (
          <>
            <div className="cards">
              <Card label="Due to you now" value={<Money amount={d.due} />} note="settled payments less refunds, not yet paid out" />
              <Card label="Settled to date" value={<Money amount={d.settled.amount} />} note={`${d.settled.count} payments`} />
            </div>
            <p className="muted">The operator pays out what is due to {d.merchantId}; each day&apos;s detail is in Daily statements.</p>
          </>
        )}
      </Loadable>
    </>
  );
}
