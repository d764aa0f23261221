// The service worker: precaches the whole app (it opens and pays with no network after the first visit) and reconciles on background sync.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { reconcile } from './online.js';
import { openWalletDb } from './store.js';

interface SyncEvent extends Event {
  tag: string;
  waitUntil(p: Promise<unknown>): void;
}
declare global {
  // workbox-build replaces the literal `self.__WB_MANIFEST` with the precache list at build time.
  interface Window {
    __WB_MANIFEST: (string | { url: string; revision: string | null })[];
  }
}
interface SwScope {
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'sync', fn: (e: SyncEvent) => void): void;
  addEventListener(type: 'install' | 'activate', fn: (e: Event & { waitUntil(p: Promise<unknown>): void }) => void): void;
}
const sw = self as unknown as SwScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Every in-app path (/wallet/callback, /wallet/pay…) is the same single page, served from the cache.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/wallet/index.html'), { allowlist: [/^\/wallet\//] }));

sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));

/** The page registers 'reconcile' when it could not reach the back office; the browser fires it once back online. */
sw.addEventListener('sync', (e) => {
  if (e.tag === 'reconcile') e.waitUntil(openWalletDb().then((db) => reconcile(db)));
});
