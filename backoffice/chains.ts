// Journal chain audit: re-verifies every stored record of a terminal's chains under the key that chain belonged to.
import { equalBytes, recordHash, toHex, verifyJournalRecord, type TrustStore } from '#protocol';
import type { ChainRecord, Ledger } from './ledger.js';

/** prevHash of a chain's first record (docs/protocol.md: journal records). */
const ZERO_HASH = new Uint8Array(32);

export interface ChainAudit {
  terminalId: string;
  chain: number;
  /** Hex of the public key the chain's records are signed with. */
  publicKey: string;
  retiredAt: number | null;
  records: number;
  lastIndex: number;
  ok: boolean;
  /** What does not hold, one line each (empty when ok). */
  problems: string[];
}

/**
 * Checks one chain from the stored evidence alone: indexes 1..n without a hole, each record signed
 * by the chain's key for this terminal, each prevHash the hash of the record before (the genesis
 * hash for index 1), stored hashes equal to the records' hashes, and the head matching the last one.
 */
export function auditChain(chain: ChainRecord, records: { index: number; hash: Uint8Array; record: Uint8Array }[], trust: Pick<TrustStore, 'backend'>): ChainAudit {
  const problems: string[] = [];
  let prev: Uint8Array = ZERO_HASH;
  let expected = 1;
  for (const r of records) {
    if (r.index !== expected) problems.push(`record ${r.index} follows record ${expected - 1}`);
    const v = verifyJournalRecord(r.record, { terminalPublicKey: chain.publicKey, terminalId: chain.terminalId, trust });
    if (!v.ok) {
      problems.push(`record ${r.index}: ${v.reason}: ${v.detail}`);
    } else {
      const rec = v.value.value;
      if (rec.index !== r.index) problems.push(`record ${r.index} is signed as index ${rec.index}`);
      if (!equalBytes(rec.prevHash, prev)) problems.push(`record ${r.index} does not chain to the record before it`);
    }
    if (!equalBytes(recordHash(r.record), r.hash)) problems.push(`record ${r.index}: stored hash is not the record's hash`);
    prev = r.hash;
    expected = r.index + 1;
  }
  const last = records.at(-1);
  if ((last?.index ?? 0) !== chain.lastIndex || !equalBytes(last?.hash ?? ZERO_HASH, chain.lastHash)) {
    problems.push(`chain head says ${chain.lastIndex}, the stored records end at ${last?.index ?? 0}`);
  }
  return {
    terminalId: chain.terminalId,
    chain: chain.chain,
    publicKey: toHex(chain.publicKey),
    retiredAt: chain.retiredAt,
    records: records.length,
    lastIndex: chain.lastIndex,
    ok: problems.length === 0,
    problems,
  };
}

/** Audits every chain of a terminal (or only `chain`), oldest first. */
export async function auditTerminal(ledger: Ledger, trust: Pick<TrustStore, 'backend'>, terminalId: string, chain?: number): Promise<ChainAudit[]> {
  const chains = (await ledger.chains(terminalId)).filter((c) => chain === undefined || c.chain === chain);
  const out: ChainAudit[] = [];
  for (const c of chains) out.push(auditChain(c, await ledger.chainRecords(terminalId, c.chain), trust));
  return out;
}
