// The sign-in screen: why the user is here (signed out, session ended, a failed attempt) and the button that starts the OIDC flow.
import { useState, type ReactNode } from 'react';
import { startLogin } from './auth/oidc.js';
import { session } from './auth/session.js';
import { ErrorBox } from './components/ui.js';
import { currentPath } from './router.js';

export function Login({ reason, error }: { reason?: string | undefined; error?: unknown }): ReactNode {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(error);
  const signIn = async () => {
    setBusy(true);
    try {
      // The page on screen is where to come back to; from /login (after signing out) the page kept before.
      const here = currentPath();
      const kept = session.takeReturn();
      await startLogin(here === '/login' || here.startsWith('/callback') ? (kept ?? '/') : here);
    } catch (e) {
      setFailure(e);
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>Tessera dashboard</h1>
      <p>For the operator of the payment network and for merchants.</p>
      {reason ? <p role="status">{reason}</p> : null}
      <ErrorBox error={failure} />
      <button type="button" className="primary" onClick={signIn} disabled={busy}>
        {busy ? 'Opening the sign-in page…' : 'Sign in'}
      </button>
    </main>
  );
}
