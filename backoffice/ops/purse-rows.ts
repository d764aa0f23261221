// A purse as plain data: the ledger's record with amounts in their currency, its deny-list entry and its early closure.
import type { PurseRecord } from '../ledger.js';
import { purseOf, type Row } from '../ledger-rows.js';
import { balanceOf, one, type Query } from './db.js';
import { money, num, type Money } from './view.js';
import { purseAccount } from '../ledger.js';

export interface PurseView {
  purseId: string;
  account: string;
  status: 'active' | 'closed';
  cap: Money;
  perPaymentLimit: Money;
  spent: Money;
  reserved: Money;
  walletKey: string;
  notBefore: number;
  notAfter: number;
  /** TK1 text of the purse certificate. */
  cert: string;
  denied: { reason: string; addedAt: number } | null;
  /** Set when an operator closed it before it expired. */
  closure: { reason: string; actor: string; returned: Money; closedAt: number } | null;
}

export function* purseRow(purseId: string): Query<PurseRecord | undefined> {
  const r = yield* one('SELECT * FROM purses WHERE purse_id = ?', [purseId]);
  return r ? purseOf({ ...r, reserved: yield* balanceOf(purseAccount(purseId)) }) : undefined;
}

export function* purseView(purseId: string): Query<PurseView | undefined> {
  const p = yield* purseRow(purseId);
  if (!p) return undefined;
  const d: Row | undefined = yield* one('SELECT reason, added_at FROM denylist WHERE purse_id = ?', [purseId]);
  const c: Row | undefined = yield* one('SELECT * FROM purse_closures WHERE purse_id = ?', [purseId]);
  const m = (n: number) => money(n, p.currency);
  return {
    purseId: p.purseId,
    account: p.account,
    status: p.status,
    cap: m(p.cap),
    perPaymentLimit: m(p.perPaymentLimit),
    spent: m(p.spent),
    reserved: m(p.reserved),
    walletKey: p.walletKey,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    cert: p.cert,
    denied: d ? { reason: d.reason as string, addedAt: num(d, 'added_at') } : null,
    closure: c ? { reason: c.reason as string, actor: c.actor as string, returned: m(num(c, 'returned')), closedAt: num(c, 'closed_at') } : null,
  };
}
