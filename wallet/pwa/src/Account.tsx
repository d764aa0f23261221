// Onboarding and upkeep, online: sign in, get a purse for this wallet's key, refresh or return it, see the account; a developer can import a purse file.
import { useEffect, useState } from 'react';
import { formatMoney, parseMoney } from '../../money.js';
import { accountBalance, reconcile, refreshPurse, requestPurse, signIn } from './online.js';
import { ReturnPurse } from './ReturnPurse.js';
import { getSession } from './store.js';
import type { PurseView, WebWallet } from './wallet.js';

export function Account({ wallet, online, onHome }: { wallet: WebWallet; online: boolean; onHome(): void }) {
  const [signedIn, setSignedIn] = useState(false);
  const [balance, setBalance] = useState<string>();
  const [purses, setPurses] = useState<PurseView[]>([]);
  const [cap, setCap] = useState('50.00');
  const [file, setFile] = useState('');
  const [message, setMessage] = useState('');
  const [returning, setReturning] = useState<PurseView>();
  const reload = async () => {
    setPurses(await wallet.purses());
    const s = await getSession(wallet.db);
    setSignedIn(!!s && s.expiresAt > Date.now());
  };
  useEffect(() => {
    void reload();
  }, []);
  useEffect(() => {
    if (!signedIn || !online) return;
    void accountBalance(wallet.db)
      .then((b) => setBalance(b ? formatMoney(b.amount, b.currency) : undefined))
      .catch((e: Error) => setMessage(e.message));
  }, [signedIn, online, wallet]);
  const act = async (what: () => Promise<string>) => {
    try {
      setMessage(await what());
      await reload();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  const importText = async (text: string) => `Purse ${(await wallet.importPurse(text)).purseId.slice(0, 8)}… added`;
  if (returning)
    return (
      <ReturnPurse
        wallet={wallet}
        purse={returning}
        onDone={(m) => {
          setReturning(undefined);
          setMessage(m);
          void reload();
        }}
      />
    );
  return (
    <main data-testid="screen-account">
      <h2>Account</h2>
      <p className="muted">Wallet key (it never leaves this device):</p>
      <code className="key" data-testid="public-key">{wallet.publicKey}</code>
      {!signedIn ? (
        <button className="primary" data-testid="sign-in" disabled={!online} onClick={() => void act(async () => (await signIn(), 'Signing in…'))}>Sign in{online ? '' : ' (offline)'}</button>
      ) : (
        <>
          {balance ? <p data-testid="account-balance">Account balance: {balance}</p> : null}
          <label>New purse of<input data-testid="cap" inputMode="decimal" value={cap} onChange={(e) => setCap(e.target.value)} /></label>
          <button className="primary" data-testid="get-purse" onClick={() => void act(async () => {
            const amount = parseMoney(cap, 'EUR');
            if (amount === undefined) throw new Error(`"${cap}" is not an amount`);
            return importText(await requestPurse(wallet.db, wallet.publicKey, (m) => wallet.signChallenge(m), amount));
          })}>Get a purse</button>
          {purses.filter((p) => p.state === 'active' && !p.expired).map((p) => (
            <div className="row" key={p.purseId}>
              <button data-testid="refresh" onClick={() => void act(async () => importText(await refreshPurse(wallet.db, p.purseId)))}>
                Refresh purse {p.purseId.slice(0, 8)}… ({formatMoney(p.available, p.currency)} left)
              </button>
              <button data-testid="return-purse" data-purse={p.purseId} onClick={() => setReturning(p)}>Return it</button>
            </div>
          ))}
          <button data-testid="reconcile" onClick={() => void act(async () => `${(await reconcile(wallet.db)).settled} newly settled`)}>Update from the issuer</button>
        </>
      )}
      <details>
        <summary>Import a purse file (developers)</summary>
        <textarea data-testid="purse-file" rows={5} value={file} onChange={(e) => setFile(e.target.value)} placeholder='{"format":"tessera-purse/1",…}' />
        <button data-testid="import-purse" onClick={() => void act(() => importText(file))}>Import</button>
      </details>
      {message ? <p data-testid="account-message">{message}</p> : null}
      <button onClick={onHome}>Home</button>
    </main>
  );
}
