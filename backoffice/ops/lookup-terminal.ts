// Look up a terminal: certificate fields, journal chains and heads, records by clearing status, settled total, held records, recent incidents.
import { TesseraError } from '#common';
import { toHex } from '#protocol';
import type { Incident, Ledger } from '../ledger.js';
import { incidentOf } from '../incidents.js';
import { all, one } from './db.js';
import { idOf } from './ids.js';
import { ledgerCurrency, money, num, type Money } from './view.js';

export interface TerminalLookup {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: 'merchant' | 'transit';
  publicKey: string;
  /** TC1 text of its certificate. */
  cert: string;
  notAfter: number;
  operatorId: string | null;
  line: string | null;
  chains: { chain: number; merchantId: string; lastIndex: number; lastHash: string; retiredAt: number | null }[];
  /** Recorded journal records by what clearing concluded (settled, duplicate, …). */
  records: Record<string, number>;
  settled: { count: number; amount: Money };
  /** Records held behind a gap, waiting for the ones before them. */
  held: number;
  /** The newest incidents (at most 20). */
  incidents: Incident[];
}

export async function lookupTerminal(ledger: Ledger, i: { terminalId: string; merchantId?: string | undefined }): Promise<TerminalLookup> {
  const id = idOf('terminal id', i.terminalId);
  const t = await ledger.getTerminal(id);
  if (!t || (i.merchantId !== undefined && t.merchantId !== i.merchantId)) throw new TesseraError('NOT_FOUND', `no terminal ${id}`);
  const chains = await ledger.chains(id);
  const r = await ledger.operations().read(function* () {
    return {
      statuses: yield* all('SELECT status, count(*) AS n FROM records WHERE terminal_id = ? GROUP BY status ORDER BY status', [id]),
      settled: yield* one('SELECT count(*) AS n, CAST(coalesce(sum(amount), 0) AS BIGINT) AS s FROM settlements WHERE terminal_id = ?', [id]),
      held: yield* one('SELECT count(*) AS n FROM held WHERE terminal_id = ?', [id]),
      incidents: yield* all('SELECT * FROM incidents WHERE terminal_id = ? ORDER BY id DESC LIMIT 20', [id]),
      currency: yield* ledgerCurrency(),
    };
  });
  return {
    terminalId: t.terminalId,
    merchantId: t.merchantId,
    displayName: t.displayName,
    mode: t.mode,
    publicKey: toHex(t.publicKey),
    cert: t.cert,
    notAfter: t.notAfter,
    operatorId: t.operatorId,
    line: t.line,
    chains: chains.map((c) => ({ chain: c.chain, merchantId: c.merchantId, lastIndex: c.lastIndex, lastHash: toHex(c.lastHash), retiredAt: c.retiredAt })),
    records: Object.fromEntries(r.statuses.map((s) => [s.status as string, num(s, 'n')])),
    settled: { count: num(r.settled ?? {}, 'n'), amount: money(num(r.settled ?? {}, 's'), r.currency) },
    held: num(r.held ?? {}, 'n'),
    incidents: r.incidents.map(incidentOf),
  };
}
