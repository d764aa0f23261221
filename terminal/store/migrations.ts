// Schema migrations by PRAGMA user_version: each entry upgrades from its index to index+1.

export const MIGRATIONS: readonly string[] = [
  // 0 → 1: journal, replay guard, purse state, deny list, fleet state, key/value state.
  `
  CREATE TABLE journal (
    idx INTEGER PRIMARY KEY,
    tx_id BLOB NOT NULL,
    record BLOB NOT NULL,
    hash BLOB NOT NULL,
    decision INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT,
    purse_id BLOB,
    seq INTEGER,
    time_ms INTEGER NOT NULL,
    latency_us INTEGER,
    reference TEXT
  );
  CREATE INDEX journal_tx ON journal(tx_id);
  CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
  CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;

  -- The replay guard: one approved payment per purse sequence, one per transaction id.
  CREATE TABLE payments (
    purse_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    tx_id BLOB NOT NULL UNIQUE,
    journal_idx INTEGER NOT NULL REFERENCES journal(idx),
    amount INTEGER NOT NULL,
    cumulative INTEGER NOT NULL,
    PRIMARY KEY (purse_id, seq)
  ) WITHOUT ROWID;
  CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
    BEGIN SELECT RAISE(ABORT, 'payments are append-only'); END;

  CREATE TABLE purses (
    purse_id BLOB PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    last_cumulative INTEGER NOT NULL,
    total_charged INTEGER NOT NULL,
    payments INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE denylist (purse_id BLOB PRIMARY KEY) WITHOUT ROWID;

  CREATE TABLE fleet (
    kind TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    issued_at INTEGER NOT NULL,
    applied_at_ms INTEGER NOT NULL
  );

  CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 1 → 2: the replay guard and purse state move into the journal. Every approval used to write five
  // B-trees (journal, its tx index, payments, payments' tx index, purses); now it writes three, which
  // is a third less commit time on the decision path (docs/performance.md §Decision). A partial
  // unique index on the approved rows' (purse, seq) is the guard: one transaction id has one purse
  // sequence, so UNIQUE(tx_id) was implied by it. The purse state is the purse's highest approved
  // sequence, read through that index. The journal is append-only; its update trigger is lifted
  // only for this one-time copy of the cumulative amounts, which no record signature covers.
  `
  ALTER TABLE journal ADD COLUMN cumulative INTEGER;
  DROP TRIGGER journal_no_update;
  UPDATE journal SET cumulative = (SELECT p.cumulative FROM payments p WHERE p.journal_idx = journal.idx) WHERE decision = 0;
  CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
  CREATE UNIQUE INDEX journal_guard ON journal(purse_id, seq) WHERE decision = 0;
  DROP TRIGGER payments_no_delete;
  DROP TABLE payments;
  DROP TABLE purses;
  `,
  // 2 → 3: merchant payment requests, so a register learns a request's outcome after a restart and a
  // retried POST with the same Idempotency-Key finds its request. Not part of the journal: the journal
  // stays the one record of money; a request's approval is looked up there (rows after head_idx).
  `
  CREATE TABLE payment_requests (
    id TEXT PRIMARY KEY,
    idem_key TEXT UNIQUE,
    body_hash TEXT,
    head_idx INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  CREATE INDEX payment_requests_created ON payment_requests(created_ms);
  `,
  // 3 → 4: the register searches the journal by its reference and by time, and the Z-report reads one
  // day. The time index is one more B-tree per decision, appended at its right edge (times grow); the
  // reference index is partial: only rows that carry a reference (merchant requests) pay for it.
  `
  CREATE INDEX journal_time ON journal(time_ms);
  CREATE INDEX journal_reference ON journal(reference) WHERE reference IS NOT NULL;
  `,
  // 4 → 5: voids and refunds are journal records too (an adjustment of an earlier approved payment):
  // the row names its kind and the payment it adjusts, so "what was given back of txId" is one seek.
  // Adding columns writes no row, so the append-only triggers stay in place.
  `
  ALTER TABLE journal ADD COLUMN adjustment INTEGER;
  ALTER TABLE journal ADD COLUMN original BLOB;
  CREATE INDEX journal_original ON journal(original) WHERE original IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
