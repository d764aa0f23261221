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

export interface Purse {
  purseId: string;
  account: string;
  currency: string;
  cap: number;
  perPaymentLimit: number;
  notBefore: number;
  notAfter: number;
  status: string;
  spent: number;
  reserved: number;
  denied?: boolean;
}

export interface Transaction {
  txId: string;
  purseId: string;
  seq?: number;
  amount: number;
  currency?: string;
  terminalId: string;
  merchantId: string;
  index?: number;
  status?: string;
  settledAt?: number;
  time?: number;
}

/** GET /v1/transactions/{txId}: the settlement plus its evidence, each part present when the role may see it. */
export interface TransactionDetail extends Transaction {
  payment?: unknown;
  verification?: unknown;
  journal?: unknown;
  record?: unknown;
  sealed?: unknown;
  fraudCases?: unknown;
}

export interface TerminalHealth {
  lastSeen?: number | null;
  backlog?: number | null;
  version?: string | null;
  devices?: Record<string, unknown> | null;
  trustVersion?: number | null;
  denylistVersion?: number | null;
  stale?: boolean;
  online?: boolean;
  [k: string]: unknown;
}

export interface Terminal {
  terminalId: string;
  merchantId: string;
  displayName: string;
  mode: string;
  notAfter?: number;
  lastIndex?: number;
  chain?: number;
  health?: TerminalHealth | null;
  position?: { lat: number; lon: number } | null;
  [k: string]: unknown;
}

export interface FraudCase {
  id: number;
  purseId: string;
  kind: string;
  detail: string;
  firstTxId: string | null;
  secondTxId: string;
  firstPayment: unknown;
  secondPayment: unknown;
  terminalId: string;
  index: number;
  amount: number;
  currency?: string;
  openedAt: number;
  status?: string;
  resolution?: { outcome: string; reason: string; at?: number; by?: string } | null;
  [k: string]: unknown;
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
  reason?: string;
  at?: number;
}

export interface DenyListView {
  version: number;
  unpublished?: number;
  items: DenyEntry[];
}

export interface Overview {
  currency?: string;
  paymentsToday?: number;
  settledVolume?: number;
  settledVolumeToday?: number;
  openFraudCases?: number;
  terminalsOffline?: number;
  terminalsBehind?: number;
  series?: { time: number; payments: number; volume: number }[];
  [k: string]: unknown;
}

export interface Statement {
  merchantId: string;
  date: string;
  currency?: string;
  count?: number;
  amount?: number;
  refunds?: number;
  net?: number;
  terminals?: { terminalId: string; count: number; amount: number }[];
  [k: string]: unknown;
}

export interface Payout {
  id: string;
  amount: number;
  currency?: string;
  at?: number;
  status?: string;
  [k: string]: unknown;
}
