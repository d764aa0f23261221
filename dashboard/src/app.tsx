// The shell: sign-in state, role-based navigation, the connection banner, and the page for the current path.
import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { apiGet } from './api/client.js';
import type { Me, Role } from './api/types.js';
import { finishLogin, justSignedOut, logout } from './auth/oidc.js';
import { session } from './auth/session.js';
import { PageBoundary } from './components/boundary.js';
import { NetBanner } from './components/net-banner.js';
import { sessionEvents } from './components/hooks.js';
import { Link, Waiting } from './components/ui.js';
import { Login } from './login.js';
import { currentPath, match, navigate, useRoute } from './router.js';
import { MeContext } from './me.js';
import { HOME, ROUTES, type RouteDef } from './routes.js';

type Auth = { state: 'checking' } | { state: 'signing-out' } | { state: 'signed-out'; reason?: string; error?: unknown } | { state: 'signed-in'; me: Me };

const roleOf = (me: Me): Role | undefined => (me.roles.includes('operator') ? 'operator' : me.roles.includes('merchant') ? 'merchant' : me.roles[0]);

export function App(): ReactNode {
  const { path } = useRoute();
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });

  useEffect(() => {
    let cancelled = false;
    const set = (a: Auth) => !cancelled && setAuth(a);
    (async () => {
      if (path === '/callback') {
        try {
          const back = await finishLogin(new URL(location.href));
          navigate(back === '/callback' || back === '/login' ? '/' : back, true);
        } catch (error) {
          navigate('/login', true);
          return set({ state: 'signed-out', error });
        }
      }
      if (!session.get()) return set(justSignedOut() ? { state: 'signed-out', reason: 'You are signed out.' } : { state: 'signed-out' });
      // Fetch the page's code while /me answers, instead of after.
      const target = currentPath().split('?')[0] ?? '/';
      ROUTES.find((r) => match(r.path, target))?.page.preload();
      try {
        set({ state: 'signed-in', me: await apiGet<Me>('/me') });
      } catch (error) {
        set({ state: 'signed-out', error });
      }
    })();
    return () => {
      cancelled = true;
    };
    // Only on start and after a sign-in round trip: later navigation keeps the session.
  }, [path === '/callback']);

  useEffect(() => {
    // An API 401 or a token past its expiry: remember this page, show the sign-in screen.
    const expire = () => {
      const here = currentPath();
      if (here !== '/login') session.rememberReturn(here);
      session.clear();
      setAuth({ state: 'signed-out', reason: 'Your session has ended. Sign in again to continue where you were.' });
    };
    sessionEvents.addEventListener('expired', expire);
    const s = session.get();
    const timer = s ? setTimeout(expire, Math.max(0, s.expiresAt - Date.now())) : undefined;
    return () => {
      sessionEvents.removeEventListener('expired', expire);
      clearTimeout(timer);
    };
  }, [auth.state]);

  if (auth.state === 'signing-out') return <Waiting what="signing out" />;
  if (auth.state === 'checking' || path === '/callback') return <Waiting what="signing in" />;
  if (auth.state === 'signed-out') return <Login reason={auth.reason} error={auth.error} />;
  return (
    <Shell
      me={auth.me}
      onLogout={async () => {
        setAuth({ state: 'signing-out' });
        // Normally the browser leaves for the issuer's sign-out and comes back to the sign-in screen.
        if (await logout()) return;
        justSignedOut();
        navigate('/login');
        setAuth({ state: 'signed-out', reason: 'You are signed out.' });
      }}
    />
  );
}

function Shell({ me, onLogout }: { me: Me; onLogout: () => Promise<void> }): ReactNode {
  const { path, params: search } = useRoute();
  const role = roleOf(me);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  let route: RouteDef | undefined;
  let params: Record<string, string> = {};
  for (const r of ROUTES) {
    const m = match(r.path, path);
    if (m) {
      route = r;
      params = m;
      break;
    }
  }
  useEffect(() => {
    document.title = `${route?.title ?? 'Tessera'} · Tessera`;
  }, [route]);
  const home = role ? HOME[role] : '/';
  const atRoot = (path === '/' || path === '/login') && home !== '/';
  useEffect(() => {
    if (atRoot) navigate(home, true);
  }, [atRoot, home]);
  if (atRoot) return <Waiting what="your home page" />;
  const nav = ROUTES.filter((r) => r.nav && role && r.roles.includes(role));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Tessera</span>
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <span className="who">
          {me.sub} · {role ?? 'no role'}
          {me.merchantId ? ` · ${me.merchantId}` : ''}
        </span>
        <button type="button" onClick={() => void onLogout()}>
          Sign out
        </button>
      </header>
      <NetBanner />
      <nav id="nav" className={menuOpen ? 'side open' : 'side'} aria-label="Pages">
        <ul>
          {nav.map((r) => (
            <li key={r.path}>
              <Link to={r.path} className={path === r.path || path.startsWith(`${r.path}/`) ? 'current' : undefined}>
                {r.title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {!role || !ROUTES.some((r) => r.roles.includes(role)) ? (
          <>
            <h1>No dashboard for this account</h1>
            <div className="error" role="alert">
              <strong>Refused:</strong> the dashboard is for operators and merchants; you are signed in as {role ?? 'a user without a role'}. Customers use the wallet app.{' '}
              <code className="code">FORBIDDEN</code>
            </div>
          </>
        ) : !route ? (
          <>
            <h1>Not found</h1>
            <p>There is no page at {path}.</p>
          </>
        ) : !role || !route.roles.includes(role) ? (
          <>
            <h1>{route.title}</h1>
            <div className="error" role="alert">
              <strong>Refused:</strong> this page is for {route.roles.join(' and ')} accounts; you are signed in as {role ?? 'a user without a role'}.{' '}
              <code className="code">FORBIDDEN</code>
            </div>
          </>
        ) : (
          <MeContext.Provider value={me}>
            <PageBoundary key={path}>
              <Suspense fallback={<Waiting what="the page" />}>
                <route.page key={`${path}?${search.toString()}`} params={params} />
              </Suspense>
            </PageBoundary>
          </MeContext.Provider>
        )}
      </main>
    </div>
  );
}
