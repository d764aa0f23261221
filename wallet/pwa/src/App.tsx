// The wallet's screens and the pay flow: scan → verify offline → confirm → commit → show; bad input lands on a problem screen.
import { useCallback, useEffect, useState } from 'react';
import type { CheckedRequest } from '../../core.js';
import { formatMoney, parseMoney } from '../../money.js';
import { explain, precheck, problem, type Problem } from './problems.js';
import { QrCode } from './QrCode.js';
import { Scanner } from './Scanner.js';
import { Account } from './Account.js';
import { History } from './History.js';
import type { PaymentRecord } from './store.js';
import type { PurseView, WebWallet } from './wallet.js';

export type Screen =
  | { s: 'home' }
  | { s: 'scan'; purpose: 'pay' | 'receipt' }
  | { s: 'paste'; purpose: 'pay' | 'receipt' }
  | { s: 'confirm'; req: CheckedRequest }
  | { s: 'show'; payment: PaymentRecord }
  | { s: 'problem'; p: Problem; retry?: 'pay' | 'receipt' }
  | { s: 'receipt'; payment: PaymentRecord }
  | { s: 'history' }
  | { s: 'transit' }
  | { s: 'account' };

export interface AppProps {
  wallet: WebWallet;
  /** Bumped when reconciliation changed what the wallet knows (settled payments, purse states). */
  revision: number;
  installPrompt?: () => void;
  online: boolean;
  /** navigator.storage.persist()'s answer (absent while asking, or where the browser has no such API). */
  persisted?: boolean;
}

function PurseCard({ p }: { p: PurseView }) {
  const status = p.state !== 'active' ? p.state : p.expired ? 'expired' : 'active';
  return (
    <section className={`purse ${status}`} data-testid="purse" data-state={status}>
      <div className="available" data-testid="available">{formatMoney(p.available, p.currency)}</div>
      <div className="muted">
        left of {formatMoney(p.cap, p.currency)} · up to {formatMoney(p.perPaymentLimit, p.currency)} a payment
      </div>
      <div className="muted">
        {status === 'active' ? `valid until ${new Date(p.notAfter * 1000).toLocaleDateString()}` : <strong className="bad">{status === 'denied' ? 'Revoked by the issuer' : status === 'expired' ? 'Expired' : `Purse ${status}`}</strong>}
        {p.settled !== undefined ? ` · ${formatMoney(p.settled, p.currency)} settled` : ''}
      </div>
    </section>
  );
}

export function App({ wallet, revision, installPrompt, online, persisted }: AppProps) {
  const [screen, setScreen] = useState<Screen>({ s: 'home' });
  const [purses, setPurses] = useState<PurseView[]>([]);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [pasted, setPasted] = useState('');
  const [transit, setTransit] = useState({ operator: 'OP-METRO', line: '*', max: '3.00' });
  const home = useCallback(() => setScreen({ s: 'home' }), []);

  useEffect(() => {
    void wallet.purses().then(setPurses);
  }, [wallet, screen, revision]);

  const onRequest = useCallback(
    async (text: string) => {
      const pre = precheck(text);
      if (pre) return setScreen({ s: 'problem', p: pre, retry: 'pay' });
      try {
        setScreen({ s: 'confirm', req: await wallet.check(text) });
      } catch (e) {
        setScreen({ s: 'problem', p: explain(e), retry: 'pay' });
      }
    },
    [wallet],
  );
  const onReceipt = useCallback(
    async (text: string) => {
      try {
        setScreen({ s: 'receipt', payment: await wallet.verifyReceipt(text) });
      } catch (e) {
        setScreen({ s: 'problem', p: problem('other', e instanceof Error ? e.message : String(e)), retry: 'receipt' });
      }
    },
    [wallet],
  );
  const onCameraError = useCallback((m: string) => setScreen({ s: 'problem', p: problem('camera', `${m} You can paste the request text instead.`), retry: 'pay' }), []);
  const onReceiptCameraError = useCallback((m: string) => setScreen({ s: 'problem', p: problem('camera', `${m} You can paste the receipt text instead.`), retry: 'receipt' }), []);

  const confirm = async (req: CheckedRequest) => {
    if (busy) return;
    setBusy(true);
    performance.mark('tessera:confirm');
    try {
      const payment = await wallet.pay(req, note.trim() || undefined);
      setNote('');
      setScreen({ s: 'show', payment });
    } catch (e) {
      setScreen({ s: 'problem', p: explain(e), retry: 'pay' });
    } finally {
      setBusy(false);
    }
  };

  const payTransit = async () => {
    const currency = purses[0]?.currency ?? 'EUR';
    const max = parseMoney(transit.max, currency);
    if (max === undefined) return setScreen({ s: 'problem', p: problem('other', `"${transit.max}" is not an amount`) });
    try {
      setScreen({ s: 'show', payment: await wallet.payTransit({ operator: transit.operator, line: transit.line || '*', max }) });
    } catch (e) {
      setScreen({ s: 'problem', p: explain(e) });
    }
  };

  switch (screen.s) {
    case 'home':
      return (
        <main data-testid="screen-home">
          <header>
            <h1>Tessera</h1>
            <span className={online ? 'badge ok' : 'badge'} data-testid="network">{online ? 'online' : 'offline'}</span>
          </header>
          {purses.length === 0 ? <p className="muted" data-testid="no-purse">No purse yet: open Account to sign in and get one.</p> : purses.map((p) => <PurseCard key={p.purseId} p={p} />)}
          <button className="primary big" data-testid="pay" onClick={() => setScreen({ s: 'scan', purpose: 'pay' })}>Pay</button>
          <div className="row">
            <button data-testid="transit" onClick={() => setScreen({ s: 'transit' })}>Transit code</button>
            <button data-testid="history" onClick={() => setScreen({ s: 'history' })}>History</button>
          </div>
          <div className="row">
            <button data-testid="scan-receipt" onClick={() => setScreen({ s: 'scan', purpose: 'receipt' })}>Check a receipt</button>
            <button data-testid="account" onClick={() => setScreen({ s: 'account' })}>Account</button>
          </div>
          {installPrompt ? <button data-testid="install" onClick={installPrompt}>Install the app</button> : null}
          {persisted === undefined ? null : persisted ? (
            <p className="muted" data-testid="storage" data-persisted="true">Storage: persistent (the browser keeps this wallet’s key and payments).</p>
          ) : (
            <p className="muted" data-testid="storage" data-persisted="false">
              The browser did not grant persistent storage: it may clear this wallet’s key and unspent codes when space runs low. Installing the app usually keeps it.
            </p>
          )}
        </main>
      );
    case 'scan':
      return (
        <main data-testid="screen-scan">
          <h2>{screen.purpose === 'pay' ? 'Scan the terminal’s code' : 'Scan the receipt’s code'}</h2>
          <Scanner onText={screen.purpose === 'pay' ? onRequest : onReceipt} onCameraError={screen.purpose === 'pay' ? onCameraError : onReceiptCameraError} />
          <button data-testid="paste-instead" onClick={() => setScreen({ s: 'paste', purpose: screen.purpose })}>Paste the text instead</button>
          <button onClick={home}>Cancel</button>
        </main>
      );
    case 'paste':
      return (
        <main data-testid="screen-paste">
          <h2>Paste the code’s text</h2>
          <textarea data-testid="paste-text" rows={6} value={pasted} onChange={(e) => setPasted(e.target.value)} placeholder="TQ1:…" />
          <button className="primary" data-testid="paste-check" onClick={() => void (screen.purpose === 'pay' ? onRequest(pasted) : onReceipt(pasted)).then(() => setPasted(''))}>Check</button>
          <button onClick={home}>Cancel</button>
        </main>
      );
    case 'confirm': {
      const r = screen.req;
      return (
        <main data-testid="screen-confirm">
          <p className="muted">Pay</p>
          <div className="merchant" data-testid="merchant">{r.displayName}</div>
          <div className="muted">certified terminal {r.terminalId}{r.reference ? ` · ref ${r.reference}` : ''}</div>
          <div className="amount" data-testid="amount">{formatMoney(r.amount, r.currency)}</div>
          <label>
            Note for your issuer (sealed, optional)
            <input data-testid="note" maxLength={80} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button className="primary big" data-testid="confirm" disabled={busy} onClick={() => void confirm(r)}>Pay {formatMoney(r.amount, r.currency)}</button>
          <button data-testid="cancel" onClick={home}>Cancel</button>
        </main>
      );
    }
    case 'show': {
      const p = screen.payment;
      return (
        <main className="show" data-testid="screen-show" data-txid={p.txId} data-seq={p.seq}>
          <QrCode text={p.text} onDrawn={() => performance.mark('tessera:qr-shown')} />
          <div className="amount">{formatMoney(p.amount, p.currency)}</div>
          <div className="muted">{p.payeeKind === 'transit' ? `up to, for ${p.payeeName ?? p.payee}` : `to ${p.payeeName ?? p.payee}`} · #{p.seq}</div>
          <button className="primary" data-testid="done" onClick={home}>Done</button>
        </main>
      );
    }
    case 'problem':
      return (
        <main data-testid="screen-problem" data-kind={screen.p.kind}>
          <h2 className="bad">{screen.p.title}</h2>
          <p data-testid="problem-detail">{screen.p.detail}</p>
          {screen.retry ? <button className="primary" data-testid="retry" onClick={() => setScreen({ s: 'scan', purpose: screen.retry ?? 'pay' })}>Scan again</button> : null}
          {screen.retry ? <button data-testid="paste-instead" onClick={() => setScreen({ s: 'paste', purpose: screen.retry ?? 'pay' })}>Paste the text instead</button> : null}
          <button data-testid="home" onClick={home}>Home</button>
        </main>
      );
    case 'receipt': {
      const p = screen.payment;
      return (
        <main data-testid="screen-receipt">
          <h2 className="good">Genuine receipt</h2>
          <p>
            {formatMoney(p.receipt?.amount ?? p.amount, p.currency)} to {p.payeeName ?? p.payee}, signed by its certified terminal (journal #{p.receipt?.journalIndex}).
          </p>
          <button data-testid="home" onClick={home}>Home</button>
        </main>
      );
    }
    case 'history':
      return <History wallet={wallet} revision={revision} onShow={(payment) => setScreen({ s: 'show', payment })} onHome={home} />;
    case 'transit':
      return (
        <main data-testid="screen-transit">
          <h2>Transit code</h2>
          <p className="muted">Authorises the validator to charge its fare, up to the amount below, for the next minute.</p>
          <label>Operator<input data-testid="transit-operator" value={transit.operator} onChange={(e) => setTransit({ ...transit, operator: e.target.value })} /></label>
          <label>Line (* for any)<input data-testid="transit-line" value={transit.line} onChange={(e) => setTransit({ ...transit, line: e.target.value })} /></label>
          <label>Up to<input data-testid="transit-max" inputMode="decimal" value={transit.max} onChange={(e) => setTransit({ ...transit, max: e.target.value })} /></label>
          <button className="primary big" data-testid="transit-show" onClick={() => void payTransit()}>Show code</button>
          <button onClick={home}>Cancel</button>
        </main>
      );
    case 'account':
      return <Account wallet={wallet} online={online} onHome={home} />;
  }
}
