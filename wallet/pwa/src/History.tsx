// Payment history from what this wallet signed (offline), marked settled once the back office says so; unsettled codes can be shown again.
import { useEffect, useState } from 'react';
import { formatMoney } from '../../money.js';
import type { PaymentRecord } from './store.js';
import type { WebWallet } from './wallet.js';

export function History({ wallet, revision, onShow, onHome }: { wallet: WebWallet; revision: number; onShow(p: PaymentRecord): void; onHome(): void }) {
  const [items, setItems] = useState<PaymentRecord[]>([]);
  useEffect(() => {
    void wallet.history().then(setItems);
  }, [wallet, revision]);
  return (
    <main data-testid="screen-history">
      <h2>History</h2>
      {items.length === 0 ? <p className="muted">No payments yet.</p> : null}
      <ul className="history">
        {items.map((p) => (
          <li key={p.txId} data-testid="payment" data-txid={p.txId} data-status={p.settled !== undefined ? 'settled' : 'signed'}>
            <div className="row spread">
              <strong>{p.payeeName ?? p.payee}</strong>
              <span>{formatMoney(p.settled ?? p.amount, p.currency)}</span>
            </div>
            <div className="muted">
              {new Date(p.time * 1000).toLocaleString()} · #{p.seq} · {p.settled !== undefined ? <span className="good">settled</span> : 'not settled yet'}
              {p.receipt ? ' · receipt verified' : ''}
              {p.note ? ` · note: ${p.note}` : ''}
            </div>
            {p.settled === undefined ? (
              <button data-testid="show-again" onClick={() => onShow(p)}>Show code again</button>
            ) : null}
          </li>
        ))}
      </ul>
      <button onClick={onHome}>Home</button>
    </main>
  );
}
