// The back office report: balances, settlements per merchant, purses, fraud cases and incidents, as data or a table.
import { amountText, isoSeconds } from '#common';
import { indexRange } from './incidents.js';
import type { Account, DenyList, FraudCase, Incident, Ledger, MerchantTotal, PurseRecord } from './ledger.js';
import { recentSealed, type SealedView } from './ops/sealed.js';

export interface Report {
  /** The back office's currency (ISO 4217): every amount below is integer minor units of it. */
  currency: string;
  accounts: Account[];
  merchants: MerchantTotal[];
  purses: PurseRecord[];
  fraudCases: FraudCase[];
  incidents: Incident[];
  denylist: DenyList;
  settlementCount: number;
  /** Sum of every posting: 0 unless the ledger is broken. */
  trialBalance: number;
  /** Opened sealed payment details: how many, and the newest (the report is the operator's: it shows them). */
  sealed: { count: number; recent: (SealedView & { txId: string })[] };
}

export async function buildReport(ledger: Ledger, currency: string): Promise<Report> {
  return {
    currency,
    accounts: await ledger.listAccounts(),
    merchants: await ledger.merchantTotals(),
    purses: await ledger.listPurses(),
    fraudCases: await ledger.fraudCases(),
    incidents: await ledger.incidents(),
    denylist: await ledger.denyList(),
    settlementCount: (await ledger.settlements()).length,
    trialBalance: await ledger.trialBalance(),
    sealed: await recentSealed(ledger),
  };
}

/** An amount cell: right-aligned like a number, formatted like every amount people read. */
class Amount {
  constructor(readonly text: string) {}
}

function table(headers: string[], rows: (string | number | Amount)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c instanceof Amount ? c.text : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const right = headers.map((_, i) => typeof rows[0]?.[i] === 'number' || rows[0]?.[i] instanceof Amount);
  return cells.map((r) => r.map((c, i) => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function formatReport(r: Report): string {
  const out: string[] = [];
  const money = (minor: number, currency = r.currency) => new Amount(amountText(minor, currency));
  out.push('ACCOUNTS', table(['account', 'kind', 'balance'], r.accounts.map((a) => [a.id, a.kind, money(a.balance, a.currency)])), '');
  out.push('SETTLEMENTS PER MERCHANT', r.merchants.length ? table(['merchant', 'payments', 'settled', 'balance'], r.merchants.map((m) => [m.merchantId, m.count, money(m.amount), money(m.balance)])) : '(none)', '');
  out.push(
    'PURSES',
    r.purses.length
      ? table(['purse', 'account', 'status', 'cap', 'spent', 'reserved', 'expires'], r.purses.map((p) => [p.purseId, p.account, p.status, money(p.cap, p.currency), money(p.spent, p.currency), money(p.reserved, p.currency), isoSeconds(p.notAfter)]))
      : '(none)',
    '',
  );
  out.push(
    'FRAUD CASES',
    r.fraudCases.length ? table(['case', 'purse', 'kind', 'terminal', 'amount', 'detail'], r.fraudCases.map((f) => [f.id, f.purseId, f.kind, `${f.terminalId}#${f.index}`, money(f.amount), f.detail])) : '(none)',
    '',
  );
  // One row may stand for many occurrences (a batch's worth, or a flood merged past the cap): show how many.
  out.push(
    'INCIDENTS',
    r.incidents.length ? table(['id', 'terminal', 'indexes', 'count', 'kind', 'detail'], r.incidents.map((i) => [i.id, i.terminalId, indexRange(i), i.count, i.kind, i.detail])) : '(none)',
    '',
  );
  out.push(
    `SEALED DETAILS (${r.sealed.count} opened${r.sealed.count > r.sealed.recent.length ? `, newest ${r.sealed.recent.length}` : ''})`,
    r.sealed.recent.length ? table(['txId', 'status', 'details'], r.sealed.recent.map((s) => [s.txId, s.status, s.text ?? (s.hex !== null ? `hex ${s.hex}` : (s.error ?? ''))])) : '(none)',
    '',
  );
  const unpublished = r.denylist.unpublished ? ` (${r.denylist.unpublished} not yet published)` : '';
  out.push(`deny list version ${r.denylist.version}: ${r.denylist.purseIds.length} purse(s)${unpublished}; ${r.settlementCount} settlement(s); trial balance ${amountText(r.trialBalance, r.currency)}`);
  return out.join('\n');
}
