// Start-up: load the portable crypto, open the wallet (key + IndexedDB), ask for persistent storage, register the service worker, reconcile when online.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { loadNoble } from '../../../protocol/portable.js';
import { App } from './App.js';
import { APP_PATH, completeSignIn, reconcile } from './online.js';
import { WebWallet } from './wallet.js';
import './style.css';

interface InstallEvent extends Event {
  prompt(): Promise<void>;
}

function Root({ wallet, persisted }: { wallet: WebWallet; persisted: Promise<boolean | undefined> }) {
  const [online, setOnline] = useState(navigator.onLine);
  const [storage, setStorage] = useState<boolean>();
  useEffect(() => void persisted.then(setStorage), [persisted]);
  const [revision, setRevision] = useState(0);
  const [install, setInstall] = useState<InstallEvent>();
  useEffect(() => {
    const on = () => setOnline(navigator.onLine);
    const prompt = (e: Event) => {
      e.preventDefault();
      setInstall(e as InstallEvent);
    };
    addEventListener('online', on);
    addEventListener('offline', on);
    addEventListener('beforeinstallprompt', prompt);
    return () => {
      removeEventListener('online', on);
      removeEventListener('offline', on);
      removeEventListener('beforeinstallprompt', prompt);
    };
  }, []);
  // On every open and whenever the network returns: settled payments and purse states from the back office.
  useEffect(() => {
    if (!online) return scheduleSync();
    reconcile(wallet.db)
      .then(() => setRevision((r) => r + 1))
      .catch(() => scheduleSync());
  }, [online, wallet]);
  return <App wallet={wallet} revision={revision} online={online} {...(storage !== undefined ? { persisted: storage } : {})} {...(install ? { installPrompt: () => void install.prompt().then(() => setInstall(undefined)) } : {})} />;
}

/** Background sync: the browser wakes the service worker to reconcile once it is back online (where supported). */
function scheduleSync(): void {
  void navigator.serviceWorker?.ready
    .then((r) => (r as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }).sync?.register('reconcile'))
    .catch(() => undefined);
}

async function start(): Promise<void> {
  await loadNoble();
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register(`${APP_PATH}sw.js`, { scope: APP_PATH }).catch(() => undefined);
  // Without this the browser may evict the key and counters under storage pressure; the answer is shown
  // (a browser that says no is told to the person, who can install the app to keep the storage).
  const persisted: Promise<boolean | undefined> = navigator.storage?.persist ? navigator.storage.persist().catch(() => false) : Promise.resolve(undefined);
  const wallet = await WebWallet.open();
  if (location.pathname === `${APP_PATH}callback`) await completeSignIn(wallet.db).catch((e: unknown) => console.error('sign-in failed', e));
  (globalThis as { tesseraWallet?: WebWallet }).tesseraWallet = wallet;
  createRoot(document.getElementById('root') as HTMLElement).render(
    <StrictMode>
      <Root wallet={wallet} persisted={persisted} />
    </StrictMode>,
  );
  performance.mark('tessera:interactive');
}

void start();
