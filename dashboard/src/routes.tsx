// Which pages exist, for which roles, under which paths: the navigation and the router both read this table.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Role } from './api/types.js';

type Page = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

export interface RouteDef {
  path: string;
  title: string;
  roles: Role[];
  page: Page & { preload(): void };
  /** Shown in the navigation (detail pages are not). */
  nav?: boolean;
}

// Pages load on first visit, so the first screen only pays for itself; preload() starts the fetch
// early (while the session is checked), and the module cache makes the later lazy render instant.
const p = (f: () => Promise<{ default: ComponentType<{ params: Record<string, string> }> }>): Page & { preload(): void } =>
  Object.assign(lazy(f), { preload: () => void f().catch(() => undefined) });

export const ROUTES: RouteDef[] = [
  { path: '/overview', title: 'Overview', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/overview.js')) },
  { path: '/transactions', title: 'Transactions', roles: ['operator', 'merchant'], nav: true, page: p(() => import('./pages/transactions.js')) },
  { path: '/transactions/:txId', title: 'Transaction', roles: ['operator', 'merchant'], page: p(() => import('./pages/transaction.js')) },
  { path: '/accounts', title: 'Accounts', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/accounts.js')) },
  { path: '/purses', title: 'Purses', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/purses.js')) },
  { path: '/terminals', title: 'Terminals', roles: ['operator', 'merchant'], nav: true, page: p(() => import('./pages/terminals.js')) },
  { path: '/fraud', title: 'Fraud cases', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/fraud-cases.js')) },
  { path: '/fraud/:id', title: 'Fraud case', roles: ['operator'], page: p(() => import('./pages/operator/fraud-case.js')) },
  { path: '/denylist', title: 'Deny list', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/denylist.js')) },
  { path: '/incidents', title: 'Incidents', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/incidents.js')) },
  { path: '/fleet', title: 'Fleet publishing', roles: ['operator'], nav: true, page: p(() => import('./pages/operator/fleet.js')) },
  { path: '/statements', title: 'Daily statements', roles: ['merchant'], nav: true, page: p(() => import('./pages/merchant/statements.js')) },
  { path: '/refunds', title: 'Refunds', roles: ['merchant', 'operator'], nav: true, page: p(() => import('./pages/merchant/refunds.js')) },
  { path: '/payouts', title: 'Payouts', roles: ['merchant', 'operator'], nav: true, page: p(() => import('./pages/merchant/payouts.js')) },
];

/** Where each role lands after signing in. */
export const HOME: Record<Role, string> = { operator: '/overview', merchant: '/statements', customer: '/' };
