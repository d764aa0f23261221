// The ledger's storage interface: every money movement and clearing decision the back office persists.
//
// Methods are async so a PostgreSQL ledger can implement the same interface; the SQLite one is
// synchronous inside. Each method is atomic (one transaction) and safe when several clearing
// processes share the store: the store, not the caller, enforces chain continuity, idempotence
// (unique transaction ids, unique purse+sequence) and balances.

import type { AckStatus } from '#protocol';
import type { LedgerAudit } from './ledger-audit.js';
import type { OpsDb } from './ops/db.js';

/** Account kinds: a customer's funds, a purse reservation, a merchant's receivable, the outside world. */
export type AccountKind = 'customer' | 'purse' | 'merchant' | 'external';

export interface Account {
  id: string;
  kind: AccountKind;
  name: string | null;
  currency: string;
  /** Minor units, the sum of the account's postings (never stored); for the external account it is minus everything ever funded. */
  balance: number;
  createdAt: number;
}

export interface TerminalRecord {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: 'merchant' | 'transit';
  publicKey: Uint8Array;
  /** TC1 text of the issued certificate. */
  cert: string;
  notAfter: number;
  operatorId: string | null;
  line: string | null;
  /** The terminal's current journal chain: 1 at enrolment, one more at each re-enrolment with a new key. */
  chain: number;
  /** Highest contiguous journal index recorded in the current chain (0 before the first record). */
  lastIndex: number;
  lastHash: Uint8Array;
}

/** A journal chain of a terminal: one per key the terminal was enrolled with. */
export interface ChainRecord {
  terminalId: string;
  chain: number;
  /** Who the chain's certificate named (a re-enrolment may move the terminal id elsewhere). */
  merchantId: string;
  mode: 'merchant' | 'transit';
  publicKey: Uint8Array;
  /** TC1 text of the certificate the chain's key held. */
  cert: string;
  lastIndex: number;
  lastHash: Uint8Array;
  /** When a re-enrolment with another key retired it; null for the current chain. */
  retiredAt: number | null;
}

/** One recorded journal record as stored (evidence for chain verification). */
export interface StoredRecord {
  index: number;
  hash: Uint8Array;
  status: AckStatus;
  /** The record's COSE bytes. */
  record: Uint8Array;
}

export interface PurseRecord {
  purseId: string;
  account: string;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  walletKey: string;
  notBefore: number;
  notAfter: number;
  /** TK1 text of the purse certificate. */
  cert: string;
  status: 'active' | 'closed';
  /** Sum of settled charges. */
  spent: number;
  /** What is still reserved for it (cap − spent while active, 0 once closed). */
  reserved: number;
}

/** What verification (outside the store) concluded about one journal record. */
export type EntryVerdict =
  | { kind: 'declined' }
  | { kind: 'rejected'; reason: string }
  | {
      kind: 'payment';
      purseId: string;
      seq: number;
      cumulative: number;
      /** What the payment authorised (exact amount, or the transit maximum). */
      authorised: number;
      /** What the terminal charged and the back office settles. */
      charged: number;
    }
  | {
      /** A void or refund the terminal journalled: recorded with the batch, then settled as a refund of `original`. */
      kind: 'adjustment';
      adjustment: 'void' | 'refund';
      /** The adjusted payment's txId (hex). */
      original: string;
      amount: number;
      currency: string;
      note: string | null;
      reference: string | null;
    };

/** One signature-verified journal record, ready to be chained and cleared. */
export interface JournalEntry {
  terminalId: string;
  /** The chain the record belongs to (the chain of the key that signed it). */
  chain: number;
  index: number;
  prevHash: Uint8Array;
  /** recordHash of the record's COSE bytes. */
  hash: Uint8Array;
  txId: string;
  /** The record's COSE bytes (kept as evidence). */
  record: Uint8Array;
  /** The payment's COSE bytes (empty for a void or refund record, which carries none). */
  payment: Uint8Array;
  time: number;
  verdict: EntryVerdict;
}


export interface EntryOutcome {
  index: number;
  txId: string;
  status: AckStatus;
  reason?: string;
}

export interface BatchOutcome {
  /** Highest contiguous journal index recorded for the terminal after this batch. */
  upTo: number;
  /** Outcomes of the records recorded now (including held ones that became contiguous). */
  outcomes: EntryOutcome[];
  /** Indexes held back because an earlier record is missing. */
  held: number[];
  /** True when the batch put a purse on the deny list (a new list must be published). */
  denylistChanged: boolean;
  /** Set when the chain applied to was (or, by a concurrent re-enrolment, had just become) a retired one. */
  retired?: true;
}

export type FraudKind = 'double-spend' | 'over-cap' | 'inconsistent-cumulative' | 'replay';

export interface FraudCase {
  id: number;
  purseId: string;
  kind: FraudKind;
  detail: string;
  firstTxId: string | null;
  secondTxId: string;
  /** Hex of the COSE bytes of the payment settled first (evidence), when there is one. */
  firstPayment: string | null;
  secondPayment: string;
  terminalId: string;
  index: number;
  amount: number;
  openedAt: number;
}

export type IncidentKind = 'unknown-terminal' | 'bad-record' | 'gap' | 'fork' | 'chain-break' | 'invalid-payment' | 'retired-chain' | 'refused-adjustment';

/**
 * One incident row stands for `count` occurrences of one kind at one terminal: one batch's worth,
 * or, past the per-terminal cap, everything of that kind until the window ends (see incidents.ts).
 */
export interface Incident {
  id: number;
  terminalId: string;
  /** First journal index concerned (null when no record index applies). */
  index: number | null;
  /** Last journal index concerned (equal to index for one record). */
  lastIndex: number | null;
  count: number;
  kind: IncidentKind;
  /** The first occurrence's detail. */
  detail: string;
  /** First and last occurrence (seconds). */
  at: number;
  lastAt: number;
}

/** What clearing reports; the ledger merges it into a row (see Incident). */
export type IncidentReport = Omit<Incident, 'id' | 'lastAt'>;

export interface Settlement {
  txId: string;
  purseId: string;
  seq: number;
  amount: number;
  terminalId: string;
  merchantId: string;
  index: number;
  settledAt: number;
}

export interface MerchantTotal {
  merchantId: string;
  count: number;
  amount: number;
  balance: number;
}

export interface DenyList {
  /** The highest version signed so far (0: none yet). */
  version: number;
  purseIds: string[];
  /** Purses denied since that version was signed: a new list is owed to the fleet. */
  unpublished: number;
}

export interface Ledger {
  close(): Promise<void>;

  createAccount(a: { id: string; kind: AccountKind; name?: string; currency: string }, now: number): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /**
   * Moves `amount` from the external account into a customer account. With `id` (chosen by the
   * caller, e.g. the bank reference), a retry with the same id, account and amount moves nothing
   * again; the same id for another account or amount is refused (ALREADY_EXISTS).
   */
  fund(account: string, amount: number, memo: string, now: number, id?: string): Promise<Account>;

  /** Enrols a terminal; with `replace`, a new key retires the current chain and opens the next one. */
  registerTerminal(t: Omit<TerminalRecord, 'lastIndex' | 'lastHash' | 'chain'>, now: number, replace?: boolean): Promise<void>;
  getTerminal(id: string): Promise<TerminalRecord | undefined>;
  /** Every chain of a terminal, oldest first (the last one is current). */
  chains(terminalId: string): Promise<ChainRecord[]>;
  /** The records of one chain in index order. */
  chainRecords(terminalId: string, chain: number): Promise<StoredRecord[]>;
  listTerminals(): Promise<TerminalRecord[]>;
  setTerminalRoute(id: string, operatorId: string | null, line: string | null): Promise<void>;

  /**
   * Reserves `cap` from the account for a new purse (fails when the balance is short). With `id`
   * (chosen by the caller), a retry with the same id and request (account, currency, cap, limit,
   * wallet key, validity length) returns the purse issued first; the same id for another request is
   * refused (ALREADY_EXISTS).
   */
  createPurse(p: Omit<PurseRecord, 'status' | 'spent' | 'reserved'>, now: number, id?: string): Promise<PurseRecord>;
  getPurse(id: string): Promise<PurseRecord | undefined>;
  listPurses(): Promise<PurseRecord[]>;
  /** Closes purses past notAfter + grace and returns what they did not spend to their account. */
  expirePurses(now: number, graceSeconds: number): Promise<{ purseId: string; returned: number }[]>;

  /**
   * Chains, de-duplicates, settles and detects double spending, atomically, for one terminal's batch
   * of one chain (the current one unless `chain` names a retired one).
   */
  applyJournal(terminalId: string, entries: JournalEntry[], now: number, chain?: number): Promise<BatchOutcome>;
  /** Records an incident, merged into an existing row once the terminal is over its cap. */
  recordIncident(i: IncidentReport): Promise<void>;

  /** Adds a purse to the deny list (the next signed version carries it). */
  deny(purseId: string, reason: string, now: number): Promise<DenyList & { added: boolean }>;
  /** The deny list as it stands, at the highest version allocated so far (0: none yet). */
  denyList(): Promise<DenyList>;
  /**
   * Allocates a new deny-list version, strictly higher than every one before (whichever process
   * asks), and returns it with the list as it stands, read in the same transaction: a higher
   * version never carries fewer purses.
   */
  nextDenyList(): Promise<DenyList>;
  /** Records signed fleet-message bytes of a series unless a newer version is already recorded. */
  recordSigned(series: string, version: number, bytes: Uint8Array): Promise<void>;
  /** The newest signed bytes recorded for a series (what a publisher re-publishes when it lost a race). */
  newestSigned(series: string): Promise<{ version: number; bytes: Uint8Array } | undefined>;
  /** Next version for a named fleet message series (config per terminal). */
  nextVersion(series: string): Promise<number>;

  settlements(): Promise<Settlement[]>;
  /** One purse's settlements in sequence order, those after `afterSeq`, at most `limit` (a wallet's payment history). */
  purseSettlements(purseId: string, afterSeq: number, limit: number): Promise<Settlement[]>;
  merchantTotals(): Promise<MerchantTotal[]>;
  fraudCases(): Promise<FraudCase[]>;
  incidents(): Promise<Incident[]>;
  /** Sum of every posting (always 0 in a consistent double-entry ledger). */
  trialBalance(): Promise<number>;
  /**
   * Checks the invariants (ledger-audit.ts): postings sum to 0 overall and per transfer, every
   * settled txId has exactly one settle transfer of its amount, every purse's spent is the sum of
   * its settlements (balances are sums of postings by construction). Not ok lists what broke.
   */
  audit(): Promise<LedgerAudit>;

  /** The operator queries' runner on this ledger's database (ops/: look-ups, resolutions, refunds, statements). */
  operations(): OpsDb;
}

export const EXTERNAL_ACCOUNT = 'external:funding';
export const purseAccount = (purseId: string): string => `purse:${purseId}`;
export const merchantAccount = (merchantId: string): string => `merchant:${merchantId}`;
