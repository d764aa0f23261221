// Human-readable text for the operator commands (--json prints the operations' data as is): amounts through formatAmount, ISO times.
import { amountText, isoSeconds as time } from '#common';
import type { Money } from '../ops/view.js';
import type { DailyStatement, FraudCaseView, FraudEvidence, Page, PurseLookup, TerminalLookup, TransactionSummary, TransactionView } from '../ops/index.js';

/** An amount for people ("EUR 4.50", "ISK 1,000", "JOD 1.250"); minor units only for a ledger with no currency yet. */
export const amount = (m: Money | null): string => (m ? amountText(m.amount, m.currency) : '-');
const more = (p: Page<unknown>): string[] => (p.nextCursor ? [`more: --cursor ${p.nextCursor}`] : []);

/** One line per item, '(none)' for an empty page, and the cursor of the next page. */
export function pageText<T>(p: Page<T>, line: (x: T) => string): string {
  return [...(p.items.length ? p.items.map(line) : ['(none)']), ...more(p)].join('\n');
}

export function formatSummaries(p: Page<TransactionSummary>): string {
  return pageText(p, (x) => `${time(x.time)}  ${x.txId}  ${x.terminalId}#${x.index}  ${x.merchantId ?? '-'}  ${x.status}${x.reason ? ` (${x.reason})` : ''}  ${amount(x.amount)}`);
}

export function formatTransaction(v: TransactionView): string {
  const out = [`transaction ${v.txId} (merchant ${v.merchantId ?? '-'})`];
  const p = v.payment;
  if (p && 'error' in p) out.push(`  payment does not decode: ${p.error}`);
  else if (p) out.push(`  payment: purse ${p.purseId ?? '?'} seq ${p.seq} cumulative ${amount({ amount: p.cumulative, currency: p.authorised.currency })}, authorised ${amount(p.authorised)} to ${p.payeeKind} ${p.payee} at ${time(p.time)}`);
  for (const r of v.records) {
    const pv = r.verification?.payment;
    const verdict = !pv ? '-' : pv.kind === 'payment' ? 'ok' : pv.kind === 'rejected' ? `rejected (${pv.reason})` : pv.kind;
    const check = r.verification ? `; re-verified: record ${r.verification.record}, payment ${verdict}` : '';
    out.push(`  record ${r.terminalId} chain ${r.chain} #${r.index}: ${r.record.decision}, charged ${amount({ amount: r.record.amountCharged, currency: v.refunded.currency })}; clearing: ${r.status}${r.reason ? ` (${r.reason})` : ''}${check}`);
    const adj = r.record.adjustment;
    if (adj) out.push(`    ${adj.kind} of ${adj.original}: gives back ${amount({ amount: r.record.amountCharged, currency: adj.currency })}${adj.note ? ` (${adj.note})` : ''}`);
  }
  out.push(v.settlement ? `  settled ${amount(v.settlement.amount)} to ${v.settlement.merchantId} at ${time(v.settlement.settledAt)}` : '  not settled');
  for (const r of v.refunds) out.push(`  refund ${r.refundId}: ${amount(r.amount)} to ${r.account} (${r.reason}) by ${r.actor} at ${time(r.createdAt)}`);
  if (v.fraudCases.length) out.push(`  fraud cases: ${v.fraudCases.join(', ')}`);
  if (v.sealed === 'hidden') out.push('  sealed details: hidden');
  else if (v.sealed) out.push(`  sealed details: ${v.sealed.status === 'opened' ? (v.sealed.text ?? `hex ${v.sealed.hex ?? ''}`) : `unreadable (${v.sealed.error ?? ''})`}`);
  return out.join('\n');
}

export function formatPurse(l: PurseLookup): string {
  const p = l.purse;
  const out = [
    `purse ${p.purseId} (account ${p.account}): ${p.status}, cap ${amount(p.cap)}, spent ${amount(p.spent)}, reserved ${amount(p.reserved)}, valid until ${time(p.notAfter)}`,
  ];
  if (p.denied) out.push(`  denied: ${p.denied.reason} (${time(p.denied.addedAt)})`);
  if (p.closure) out.push(`  closed early by ${p.closure.actor}: ${p.closure.reason}; returned ${amount(p.closure.returned)}`);
  if (l.fraudCases.length) out.push(`  fraud cases: ${l.fraudCases.join(', ')}`);
  for (const x of l.payments.items) out.push(`  #${x.seq} ${x.txId} ${amount(x.amount)} at ${x.terminalId} (${x.merchantId}) ${time(x.settledAt)}`);
  return [...out, ...more(l.payments)].join('\n');
}

export function formatTerminal(t: TerminalLookup): string {
  const records = Object.entries(t.records).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  return [
    `terminal ${t.terminalId} (${t.mode}) of ${t.merchantId} "${t.displayName}", certificate until ${time(t.notAfter)}`,
    ...t.chains.map((c) => `  chain ${c.chain}${c.retiredAt === null ? ' (current)' : ` (retired ${time(c.retiredAt)})`}: up to #${c.lastIndex}`),
    `  records: ${records}; settled ${t.settled.count} for ${amount(t.settled.amount)}; held ${t.held}`,
    ...t.incidents.map((i) => `  incident ${i.id} ${i.kind} ×${i.count}: ${i.detail}`),
  ].join('\n');
}

export function formatCase(c: FraudCaseView & { evidence?: FraudEvidence }): string {
  const out = [`fraud case ${c.id} (${c.status}): ${c.kind} of purse ${c.purseId}, ${amount(c.amount)} at ${c.terminalId}#${c.index} (${c.merchantId ?? '-'}), opened ${time(c.openedAt)}: ${c.detail}`];
  if (c.evidence) {
    for (const [name, e] of [['first', c.evidence.first], ['second', c.evidence.second]] as const) {
      if (e) out.push(`  ${name} payment: ${'error' in e ? `does not decode (${e.error})` : `seq ${e.seq} cumulative ${amount({ amount: e.cumulative, currency: e.authorised.currency })}, ${amount(e.authorised)} to ${e.payee} at ${time(e.time)}`}`);
    }
  }
  const r = c.resolution;
  if (r) out.push(`  resolved ${r.outcome} by ${r.actor} at ${time(r.resolvedAt)}: ${amount(r.amount)} from ${r.debit} to ${r.credit} (${r.reason})`);
  return out.join('\n');
}

export function formatStatement(s: DailyStatement): string {
  return [
    `statement of ${s.merchantId ? `merchant ${s.merchantId}` : `terminal ${s.terminalId ?? ''}`} for ${s.date} (${s.timeZone})`,
    `  payments ${s.payments.count}: ${amount(s.payments.amount)}`,
    `  refunds ${s.refunds.count}: ${amount(s.refunds.amount)}`,
    `  fraud cases opened ${s.fraud.opened.count}: ${amount(s.fraud.opened.amount)}; paid by resolutions ${s.fraud.paid.count}: ${amount(s.fraud.paid.amount)}`,
    `  net ${amount(s.net)}`,
    ...s.terminals.map((x) => `    ${x.terminalId}: ${x.count} payments, ${amount(x.amount)}`),
  ].join('\n');
}
