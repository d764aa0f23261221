// Returning a purse: what it means, asked once more before the wallet gives it back to the issuer.
import { useState } from 'react';
import { formatMoney } from '../../money.js';
import { returnPurse } from './online.js';
import type { PurseView, WebWallet } from './wallet.js';

export function ReturnPurse({ wallet, purse, onDone }: { wallet: WebWallet; purse: PurseView; onDone(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const give = async () => {
    setBusy(true);
    try {
      const r = await returnPurse(wallet.db, purse.purseId);
      onDone(`Purse ${purse.purseId.slice(0, 8)}… returned: ${formatMoney(r.returned, r.currency)} back on your account`);
    } catch (e) {
      onDone(`Purse ${purse.purseId.slice(0, 8)}… not returned: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <main data-testid="screen-return" data-purse={purse.purseId}>
      <h2>Return this purse?</h2>
      <div className="available">{formatMoney(purse.available, purse.currency)}</div>
      <p>
        Purse {purse.purseId.slice(0, 8)}… will no longer pay, here or anywhere. What it has not spent goes back to your account as soon as every payment
        made with it has reached the issuer.
      </p>
      <p className="muted">A payment code you showed that a terminal has not sent on yet holds the return back: try again once the shop is online.</p>
      <button className="primary big" data-testid="return-confirm" disabled={busy} onClick={() => void give()}>Return the purse</button>
      <button data-testid="return-cancel" disabled={busy} onClick={() => onDone('')}>Keep it</button>
    </main>
  );
}
