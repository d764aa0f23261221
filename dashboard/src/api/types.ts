// Shapes of the back-office API's resources (/v1), as the dashboard reads them.

export type Role = 'operator' | 'merchant' | 'customer';

export interface Me {
  sub: string;
  roles: Role[];
  merchantId: string | null;
  accountId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; requestId?: string };
}

export interface Account {
  id: string;
  kind: string;
  name: string | null;
  currency: string;
  balance: number;
  createdAt: number;
}

/** A purse in the list (newest first). */
export interface Purse {
  purseId: string;
  account: string;
  status: 'active' | 'closed';
  cap: MoneyValue;
  spent: MoneyValue;
  reserved: MoneyValue;
  notAfter: number;
  denied: boolean;
  createdAt: number;
}

/** Money as the API gives it: integer minor units with the currency (some figures give a bare integer beside a currency field). */
export interface MoneyValue {
  amount: number;
  currency: string;
}
export type Amount = number | MoneyValue | null | undefined;

/** One journal record as a transaction in a list. */
export interface Transaction {
  txId: string;
  terminalId: string;
  chain?: number;
  index?: number;
  merchantId: string | null;
  /** settled, duplicate, declined, fraud or rejected: what clearing concluded. */
  status: string;
  reason?: string | null;
  purseId: string | null;
  amount: Amount;
  currency?: string;
  fraudCase?: number | null;
  /** Terminal time of the payment (Unix seconds). */
  time: number;
  processedAt?: number;
}

export interface DecodedPayment {
  purseId: string | null;
  seq: number;
  cumulative: number;
  authorised: MoneyValue;
  payeeKind: string;
  payee: string;
  time: number;
  hasSealed?: boolean;
  error?: string;
  bytes: string;
  [k: string]: unknown;
}

/** GET /v1/transactions/{txId}: the payment decoded, each journal record with its verification, the settlement, refunds, fraud cases, sealed details. */
export interface TransactionDetail {
  txId: string;
  merchantId: string | null;
  payment: DecodedPayment | null;
  records: (Transaction & { record: unknown; verification: { record: string; payment: unknown } | null })[];
  settlement: { purseId: string; seq: number; amount: Amount; terminalId: string; merchantId: string; index: number; settledAt: number } | null;
  refunds?: { refundId: string; amount: Amount; reason: string; createdAt: number }[];
  refunded?: Amount;
  fraudCases?: number[];
  sealed: unknown;
}

export interface ListHealth {
  version: number | null;
  ageSeconds?: number | null;
  state?: string | null;
}

/** A terminal's health from its retained MQTT status. */
export interface TerminalHealth {
  online?: boolean;
  lastSeen?: number | null;
  backlog?: number | null;
  version?: string | null;
  devices?: Record<string, unknown> | null;
  trust?: ListHealth | null;
  denylist?: ListHealth | null;
  clockSkewSeconds?: number;
  [k: string]: unknown;
}

export interface Location {
  lat: number;
  lon: number;
  label?: string;
}

export interface Terminal {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: string;
  notAfter?: number;
  lastIndex?: number;
  health?: TerminalHealth | null;
  /** Where it stands (WGS 84 degrees), from its config via its status; null when it does not say. */
  location?: Location | null;
  [k: string]: unknown;
}

export interface FraudCase {
  id: number;
  purseId: string;
  kind: string;
  detail: string;
  merchantId?: string | null;
  terminalId: string;
  index: number;
  amount: Amount;
  openedAt: number;
  firstTxId: string | null;
  secondTxId: string;
  status: 'open' | 'resolved';
  resolution: { outcome: string; reason: string; actor?: string; amount?: Amount; resolvedAt?: number } | null;
  /** In the detail view: both signed payments, decoded. */
  evidence?: { first: DecodedPayment | null; second: DecodedPayment };
}

export interface Incident {
  id: number;
  terminalId: string;
  index: number | null;
  lastIndex: number | null;
  count: number;
  kind: string;
  detail: string;
  at: number;
  lastAt: number;
}

export interface DenyEntry {
  purseId: string;
}

/** GET /v1/denylist: a page of denied purses with the list's signed version. */
export interface DenyListView {
  version: number;
  unpublished: number;
  total: number;
  items: DenyEntry[];
  nextCursor: string | null;
}

/** GET /v1/overview: the operator's figures at `at` (the last day: the 24 hours before it). */
export interface Overview {
  at: number;
  terminals: number;
  purses: { active: number; reserved: MoneyValue };
  lastDay: { settlements: number; amount: MoneyValue; incidents: number };
  fraud: { open: number; openAmount: MoneyValue; resolved: number };
  denylist: { size: number };
}

export interface Totals {
  count: number;
  amount: MoneyValue;
}

/** A merchant's daily statement (Z-report) for one day cut in a time zone. */
export interface Statement {
  date: string;
  timeZone: string;
  from: number;
  to: number;
  merchantId: string | null;
  currency: string;
  payments: Totals;
  refunds: Totals;
  fraud: { opened: Totals; paid: Totals };
  net: MoneyValue;
  terminals: { terminalId: string; count: number; amount: MoneyValue }[];
}

/** One payout: what one UTC day added to the merchant's account (payments − refunds + fraud paid). */
export interface Payout {
  date: string;
  from: number;
  to: number;
  payments: Totals;
  refunds: Totals;
  fraudPaid: Totals;
  net: MoneyValue;
}

/** GET /v1/merchants/{id}/payouts: what the operator owes the merchant, what was settled to them, and a page of payouts. */
export interface Payouts extends Page<Payout> {
  merchantId: string;
  due: MoneyValue;
  settled: Totals;
}

/** A refund of (part of) a payment, made by the merchant or journalled by one of its terminals. */
export interface Refund {
  id: number;
  refundId: string;
  merchantId: string;
  txId: string;
  amount: MoneyValue;
  reason: string;
  source: 'merchant' | 'terminal';
  terminalId: string | null;
  actor: string;
  createdAt: number;
}
