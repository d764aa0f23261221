// A small history router under the app's base path (/dashboard/): the current in-app path and a navigate() that pushes it.
import { useSyncExternalStore } from 'react';
import { BASE } from './config.js';

const subscribers = new Set<() => void>();
window.addEventListener('popstate', () => subscribers.forEach((s) => s()));

/** The in-app path with its query, e.g. "/transactions?purse=ab" (always starts with "/"). */
export function currentPath(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length - 1) : location.pathname;
  return `${p || '/'}${location.search}`;
}

export function navigate(path: string, replace = false): void {
  const url = `${BASE.replace(/\/$/, '')}${path}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.scrollTo(0, 0);
  subscribers.forEach((s) => s());
}

export function useRoute(): { path: string; params: URLSearchParams } {
  const full = useSyncExternalStore(
    (cb) => {
      subscribers.add(cb);
      return () => subscribers.delete(cb);
    },
    currentPath,
  );
  const [path, search] = full.split('?', 2) as [string, string | undefined];
  return { path, params: new URLSearchParams(search ?? '') };
}

/** Matches "/fraud/:id" against "/fraud/12" → { id: "12" }, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x.startsWith(':')) out[x.slice(1)] = decodeURIComponent(y);
    else if (x !== y) return undefined;
  }
  return out;
}

export const href = (path: string): string => `${BASE.replace(/\/$/, '')}${path}`;
