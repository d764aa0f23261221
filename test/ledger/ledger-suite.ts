// One behaviour suite for every Ledger backend: accounts, purses, terminals and chains, clearing outcomes, deny list, incidents.
import { createHash } from 'node:crypto';
import type { Test } from 'tap';
import { EXTERNAL_ACCOUNT, merchantAccount, purseAccount, type EntryVerdict, type JournalEntry, type Ledger } from '../../backoffice/ledger.js';
import { INCIDENT_CAP } from '../../backoffice/incidents.js';
import { APPEND_ONLY_TABLES } from '../../backoffice/ledger-audit.js';

/** Raw SQL on a ledger's database (what a DBA, or an attacker with the password, could run): one statement, its rows. */
type RawSql = (statement: string) => Promise<Record<string, unknown>[]>;

/** A fresh ledger, and raw SQL on its database. */
export type OpenLedger = () => Promise<{ ledger: Ledger; sql: RawSql }>;

const NOW = 1_800_000_000;
const GENESIS = new Uint8Array(32);
const key = (n: number) => new Uint8Array(33).fill(n);

/** Builds one terminal chain's records: each hash chains to the one before, as a real journal does. */
export class Chain {
  private readonly hashes = new Map<number, Uint8Array>();
  constructor(
    readonly terminalId: string,
    private readonly salt = '',
  ) {}
  hash(index: number): Uint8Array {
    if (index === 0) return GENESIS;
    let h = this.hashes.get(index);
    if (!h) this.hashes.set(index, (h = new Uint8Array(createHash('sha256').update(`${this.terminalId}${this.salt}:${index}`).digest())));
    return h;
  }
  entry(index: number, verdict: EntryVerdict, txId = `${this.terminalId}${this.salt}-${index}`): JournalEntry {
    return {
      terminalId: this.terminalId,
      chain: 1,
      index,
      prevHash: this.hash(index - 1),
      hash: this.hash(index),
      txId,
      record: new Uint8Array([1, index]),
      payment: new TextEncoder().encode(`payment ${txId}`),
      time: NOW,
      verdict,
    };
  }
}

export const pay = (purseId: string, seq: number, cumulative: number, charged: number): EntryVerdict => ({ kind: 'payment', purseId, seq, cumulative, authorised: charged, charged });

async function terminal(l: Ledger, id: string, merchantId = 'M-1', k = 1, replace = false): Promise<void> {
  await l.registerTerminal({ terminalId: id, merchantId, displayName: 'Shop', mode: 'merchant', publicKey: key(k), cert: `TC1:${id}:${k}`, notAfter: NOW + 86_400, operatorId: null, line: null }, NOW, replace);
}

/** A funded customer with one purse of `cap`. */
async function purse(l: Ledger, id: string, cap = 1_000): Promise<void> {
  const account = `acct-${id}`;
  await l.createAccount({ id: account, kind: 'customer', currency: 'EUR' }, NOW);
  await l.fund(account, cap + 500, 'top-up', NOW);
  await l.createPurse({ purseId: id, account, currency: 'EUR', cap, perPaymentLimit: cap, walletKey: 'wk', notBefore: NOW - 10, notAfter: NOW + 3_600, cert: `TK1:${id}` }, NOW);
}

const balance = async (l: Ledger, id: string) => (await l.getAccount(id))?.balance ?? 0;

export function ledgerSuite(t: Test, open: OpenLedger): void {
  const withLedger = (name: string, fn: (t: Test, l: Ledger, sql: RawSql) => Promise<void>) =>
    t.test(name, async (t) => {
      const { ledger, sql } = await open();
      t.teardown(() => ledger.close());
      await fn(t, ledger, sql);
    });

  withLedger('accounts and funding', async (t, l) => {
    const a = await l.createAccount({ id: 'alice', kind: 'customer', name: 'Alice', currency: 'EUR' }, NOW);
    t.match(a, { id: 'alice', kind: 'customer', name: 'Alice', currency: 'EUR', balance: 0, createdAt: NOW });
    await t.rejects(l.createAccount({ id: 'alice', kind: 'customer', currency: 'EUR' }, NOW), { code: 'ALREADY_EXISTS' });
    t.equal((await l.fund('alice', 1_234, 'cash', NOW)).balance, 1_234);
    t.equal((await l.fund('alice', 66, 'cash', NOW)).balance, 1_300);
    t.equal(await balance(l, EXTERNAL_ACCOUNT), -1_300, 'the outside world is minus everything funded');
    await t.rejects(l.fund('alice', 0, 'x', NOW), { code: 'USAGE' });
    await t.rejects(l.fund('alice', 1.5, 'x', NOW), { code: 'USAGE' });
    await t.rejects(l.fund('nobody', 10, 'x', NOW), { code: 'NOT_FOUND' });
    await t.rejects(l.fund(EXTERNAL_ACCOUNT, 10, 'x', NOW), { code: 'NOT_FOUND' }, 'only customer accounts are funded');
    t.same((await l.listAccounts()).map((x) => [x.id, x.balance]), [['alice', 1_300], [EXTERNAL_ACCOUNT, -1_300]]);
    t.equal(await l.trialBalance(), 0);

    // A funding with the caller's id, retried (also several at once), credits once.
    t.equal((await l.fund('alice', 500, 'wire', NOW, 'bank-1')).balance, 1_800);
    t.equal((await l.fund('alice', 500, 'wire', NOW, 'bank-1')).balance, 1_800, 'a retry moves nothing');
    const retries = await Promise.all(Array.from({ length: 4 }, () => l.fund('alice', 700, 'wire', NOW, 'bank-2')));
    t.ok(retries.every((a) => a.balance === 2_500), 'concurrent retries credit once');
    await t.rejects(l.fund('alice', 501, 'wire', NOW, 'bank-1'), { code: 'ALREADY_EXISTS' }, 'the id with another amount');
    await l.createAccount({ id: 'ben', kind: 'customer', currency: 'EUR' }, NOW);
    await t.rejects(l.fund('ben', 500, 'wire', NOW, 'bank-1'), { code: 'ALREADY_EXISTS' }, 'the id for another account');
    t.equal((await l.fund('ben', 500, 'wire', NOW, 'bank-3')).balance, 500);
    t.equal(await balance(l, EXTERNAL_ACCOUNT), -3_000);
    // The funding account holds EUR: a USD account cannot be funded from it.
    await l.createAccount({ id: 'dollar', kind: 'customer', currency: 'USD' }, NOW);
    await t.rejects(l.fund('dollar', 100, 'wire', NOW), { code: 'CURRENCY_MISMATCH' });
    t.equal(await balance(l, 'dollar'), 0);
    t.match(await l.audit(), { ok: true });
  });

  withLedger('purses reserve their cap and return the unspent part when they expire', async (t, l) => {
    await l.createAccount({ id: 'bob', kind: 'customer', currency: 'EUR' }, NOW);
    await l.fund('bob', 1_500, 'top-up', NOW);
    const spec = { account: 'bob', currency: 'EUR', perPaymentLimit: 500, walletKey: 'wk', notBefore: NOW, notAfter: NOW + 100, cert: 'TK1:x' };
    t.match(await l.createPurse({ ...spec, purseId: 'P1', cap: 1_000 }, NOW), { purseId: 'P1', status: 'active', spent: 0, reserved: 1_000, cap: 1_000 });
    t.equal(await balance(l, 'bob'), 500);
    await t.rejects(l.createPurse({ ...spec, purseId: 'P2', cap: 501 }, NOW), { code: 'INSUFFICIENT_FUNDS' });
    await t.rejects(l.createPurse({ ...spec, purseId: 'P3', cap: 100, currency: 'USD' }, NOW), { code: 'USAGE' });
    await t.rejects(l.createPurse({ ...spec, purseId: 'P4', cap: 100, account: 'nobody' }, NOW), { code: 'NOT_FOUND' });
    t.equal((await l.listPurses()).length, 1, 'a refused purse leaves nothing behind');

    await terminal(l, 'T-1');
    const c = new Chain('T-1');
    t.equal((await l.applyJournal('T-1', [c.entry(1, pay('P1', 1, 300, 300))], NOW)).outcomes[0]?.status, 'settled');
    t.same(await l.expirePurses(NOW + 150, 100), [], 'not before notAfter + grace');
    t.same(await l.expirePurses(NOW + 201, 100), [{ purseId: 'P1', returned: 700 }]);
    t.match(await l.getPurse('P1'), { status: 'closed', spent: 300, reserved: 0 });
    t.equal(await balance(l, 'bob'), 1_200);
    t.same(await l.expirePurses(NOW + 300, 100), [], 'a closed purse expires once');
    const late = await l.applyJournal('T-1', [c.entry(2, pay('P1', 2, 400, 100))], NOW);
    t.match(late.outcomes[0], { status: 'rejected', reason: 'purse P1 is closed' });
    t.equal(await l.trialBalance(), 0);
  });

  withLedger('terminals, routes and re-enrolment chains', async (t, l) => {
    await terminal(l, 'T-1', 'M-1', 1);
    t.match(await l.getTerminal('T-1'), { terminalId: 'T-1', merchantId: 'M-1', chain: 1, lastIndex: 0, lastHash: GENESIS });
    await terminal(l, 'T-1', 'M-1', 1);
    t.equal((await l.getTerminal('T-1'))?.chain, 1, 'the same key keeps its chain');
    await l.setTerminalRoute('T-1', 'OP', 'L1');
    t.match(await l.getTerminal('T-1'), { operatorId: 'OP', line: 'L1' });
    await t.rejects(l.setTerminalRoute('T-9', null, null), { code: 'NOT_FOUND' });

    const c1 = new Chain('T-1');
    await l.applyJournal('T-1', [c1.entry(1, { kind: 'declined' }), c1.entry(2, { kind: 'declined' })], NOW);
    await t.rejects(terminal(l, 'T-1', 'M-1', 2), { code: 'ALREADY_EXISTS' }, 'another key needs replace');
    await terminal(l, 'T-1', 'M-2', 2, true);
    t.match(await l.getTerminal('T-1'), { chain: 2, lastIndex: 0, merchantId: 'M-2' });
    await t.rejects(terminal(l, 'T-1', 'M-2', 1, true), { code: 'ALREADY_EXISTS' }, 'a retired key cannot come back');
    const chains = await l.chains('T-1');
    t.same(chains.map((c) => [c.chain, c.lastIndex, c.retiredAt, c.merchantId]), [[1, 2, NOW, 'M-1'], [2, 0, null, 'M-2']]);
    t.same((await l.chainRecords('T-1', 1)).map((r) => [r.index, r.status]), [[1, 'declined-recorded'], [2, 'declined-recorded']]);

    // The new chain starts from the genesis hash again; a late record of the old chain clears as the old merchant's.
    await purse(l, 'P1');
    const c2 = new Chain('T-1', '/2');
    t.match(await l.applyJournal('T-1', [c2.entry(1, pay('P1', 2, 300, 200))], NOW), { upTo: 1, outcomes: [{ status: 'settled' }] });
    const late = await l.applyJournal('T-1', [c1.entry(3, pay('P1', 1, 100, 100))], NOW, 1);
    t.match(late, { upTo: 3, retired: true, outcomes: [{ status: 'settled' }] });
    t.equal(await balance(l, merchantAccount('M-1')), 100, "the retired chain's merchant is paid");
    t.equal(await balance(l, merchantAccount('M-2')), 200);
    await t.rejects(l.applyJournal('T-1', [], NOW, 7), { code: 'NOT_FOUND' });
    await t.rejects(l.applyJournal('T-9', [], NOW), { code: 'NOT_FOUND' });
    t.same((await l.listTerminals()).map((x) => x.terminalId), ['T-1']);
  });

  withLedger('chaining: duplicates, forks, gaps held until filled, chain breaks', async (t, l) => {
    await terminal(l, 'T-1');
    await purse(l, 'P1');
    const c = new Chain('T-1');
    const e1 = c.entry(1, pay('P1', 1, 100, 100));
    t.match(await l.applyJournal('T-1', [e1], NOW), { upTo: 1, held: [], outcomes: [{ index: 1, status: 'settled' }] });
    t.match(await l.applyJournal('T-1', [e1], NOW), { upTo: 1, outcomes: [{ index: 1, status: 'duplicate' }] }, 're-delivery');
    const fork = { ...c.entry(1, { kind: 'declined' }), hash: new Uint8Array(32).fill(9) };
    t.match(await l.applyJournal('T-1', [fork], NOW), { outcomes: [{ status: 'rejected', reason: 'fork: another record holds this index' }] });

    // 3 and 4 arrive before 2: held, then cleared in order when 2 comes.
    const gap = await l.applyJournal('T-1', [c.entry(4, pay('P1', 4, 400, 100)), c.entry(3, pay('P1', 3, 300, 100))], NOW);
    t.match(gap, { upTo: 1, outcomes: [], held: [3, 4] });
    const filled = await l.applyJournal('T-1', [c.entry(2, pay('P1', 2, 200, 100))], NOW);
    t.same(filled.outcomes.map((o) => [o.index, o.status]), [[2, 'settled'], [3, 'settled'], [4, 'settled']]);
    t.match(filled, { upTo: 4, held: [] });

    const broken = { ...c.entry(5, { kind: 'declined' }), prevHash: new Uint8Array(32).fill(7) };
    t.match(await l.applyJournal('T-1', [broken], NOW), { upTo: 4, outcomes: [{ status: 'rejected', reason: 'chain break: previous hash does not match' }] });
    t.equal((await l.getTerminal('T-1'))?.lastIndex, 4);
    t.same((await l.chainRecords('T-1', 1)).map((r) => r.index), [1, 2, 3, 4], 'a rejected break is not recorded');
    const twice = await l.applyJournal('T-1', [c.entry(5, { kind: 'declined' }), c.entry(5, { kind: 'declined' })], NOW);
    t.same(twice.outcomes.map((o) => o.status), ['declined-recorded', 'duplicate'], 'a record twice in one batch is recorded once');
    t.equal(await balance(l, merchantAccount('M-1')), 400);
    t.same((await l.incidents()).map((i) => i.kind).sort(), ['chain-break', 'fork', 'gap']);
    t.same((await l.settlements()).map((s) => s.txId), ['T-1-1', 'T-1-2', 'T-1-3', 'T-1-4']);
    t.equal((await l.getTerminal('T-1'))?.lastIndex, 5);
    t.same(await l.merchantTotals(), [{ merchantId: 'M-1', count: 4, amount: 400, balance: 400 }]);
  });

  withLedger('clearing outcomes: fraud opens a case with evidence and denies the purse', async (t, l) => {
    await terminal(l, 'T-A', 'M-A');
    await terminal(l, 'T-B', 'M-B');
    await purse(l, 'P1', 1_000);
    const a = new Chain('T-A');
    const b = new Chain('T-B');
    const first = a.entry(1, pay('P1', 1, 300, 300));
    t.equal((await l.applyJournal('T-A', [first], NOW)).outcomes[0]?.status, 'settled');

    const r = await l.applyJournal(
      'T-B',
      [
        b.entry(1, pay('P1', 1, 200, 200)), // the same sequence, another payment
        b.entry(2, pay('P1', 2, 400, 200), first.txId), // the settled payment presented again elsewhere
        b.entry(3, pay('P1', 3, 350, 100)), // says 250 was spent before it: seq 1 alone reached 300
        b.entry(4, pay('P1', 4, 1_500, 800)), // 300 + 800 > 1000
        b.entry(5, pay('P-NONE', 1, 10, 10)),
        b.entry(6, { kind: 'rejected', reason: 'BAD_SIGNATURE' }),
        b.entry(7, { kind: 'declined' }),
      ],
      NOW,
    );
    t.same(
      r.outcomes.map((o) => [o.index, o.status, o.reason?.split(':')[0]]),
      [
        [1, 'fraud', 'double-spend'],
        [2, 'fraud', 'replay'],
        [3, 'fraud', 'inconsistent-cumulative'],
        [4, 'fraud', 'over-cap'],
        [5, 'rejected', 'purse P-NONE was not issued by this back office'],
        [6, 'rejected', 'BAD_SIGNATURE'],
        [7, 'declined-recorded', undefined],
      ],
    );
    t.equal(r.upTo, 7, 'every record is recorded');
    t.equal(r.denylistChanged, true);
    const cases = await l.fraudCases();
    t.same(cases.map((c) => [c.kind, c.firstTxId, c.secondTxId, c.index, c.terminalId]), [
      ['double-spend', 'T-A-1', 'T-B-1', 1, 'T-B'],
      ['replay', 'T-A-1', 'T-A-1', 2, 'T-B'],
      ['inconsistent-cumulative', 'T-A-1', 'T-B-3', 3, 'T-B'],
      ['over-cap', 'T-A-1', 'T-B-4', 4, 'T-B'],
    ]);
    t.equal(cases[0]?.firstPayment, Buffer.from(first.payment).toString('hex'), 'evidence: the settled payment');
    t.equal(cases[0]?.secondPayment, Buffer.from(b.entry(1, pay('P1', 1, 200, 200)).payment).toString('hex'));
    t.equal(await balance(l, merchantAccount('M-B')), 0, 'nothing fraudulent is paid');
    t.equal(await balance(l, purseAccount('P1')), 700);
    t.match(await l.denyList(), { version: 0, purseIds: ['P1'], unpublished: 1 });
    t.same((await l.incidents()).map((i) => [i.kind, i.count, i.index, i.lastIndex]), [['invalid-payment', 2, 5, 6]]);

    // The same fraudulent batch re-delivered: duplicates, no second case, no new denial.
    const again = await l.applyJournal('T-B', [b.entry(1, pay('P1', 1, 200, 200))], NOW);
    t.match(again, { denylistChanged: false, outcomes: [{ status: 'duplicate' }] });
    t.equal((await l.fraudCases()).length, 4);
    t.equal(await l.trialBalance(), 0);
  });

  withLedger('sequences out of order across batches: the stored neighbours below and above decide, not only the highest', async (t, l) => {
    await terminal(l, 'T-A', 'M-A');
    await terminal(l, 'T-B', 'M-B');
    await purse(l, 'P1', 1_000);
    const a = new Chain('T-A');
    const b = new Chain('T-B');
    const stored = await l.applyJournal('T-A', [a.entry(1, pay('P1', 1, 100, 100)), a.entry(2, pay('P1', 5, 500, 100)), a.entry(3, pay('P1', 9, 900, 100))], NOW);
    t.same(stored.outcomes.map((o) => o.status), ['settled', 'settled', 'settled']);
    const r = await l.applyJournal(
      'T-B',
      [
        b.entry(1, pay('P1', 3, 350, 100)), // between 1 and 5, consistent with both
        b.entry(2, pay('P1', 7, 750, 100)), // between 5 and 9
        b.entry(3, pay('P1', 4, 460, 50)), // seq 5 says only 400 was spent before it
        b.entry(4, pay('P1', 5, 520, 20)), // seq 5 is settled already
      ],
      NOW,
    );
    t.same(
      r.outcomes.map((o) => [o.status, o.reason?.split(':')[0]]),
      [
        ['settled', undefined],
        ['settled', undefined],
        ['fraud', 'inconsistent-cumulative'],
        ['fraud', 'double-spend'],
      ],
    );
    t.same((await l.fraudCases()).map((c) => [c.kind, c.firstTxId]), [['inconsistent-cumulative', 'T-A-2'], ['double-spend', 'T-A-2']]);
    t.match(await l.getPurse('P1'), { spent: 500 });
  });

  withLedger('a settlement that would cross currencies refuses the whole batch', async (t, l) => {
    await terminal(l, 'T-1', 'M-1');
    await terminal(l, 'T-2', 'M-USD');
    await purse(l, 'P1');
    // The merchant's account was opened in dollars; the purse holds euros.
    await l.createAccount({ id: merchantAccount('M-USD'), kind: 'merchant', currency: 'USD' }, NOW);
    const c = new Chain('T-2');
    await t.rejects(l.applyJournal('T-2', [c.entry(1, { kind: 'declined' }), c.entry(2, pay('P1', 1, 100, 100))], NOW), { code: 'CURRENCY_MISMATCH' });
    t.match(await l.getTerminal('T-2'), { lastIndex: 0 }, 'nothing of the batch is recorded');
    t.match(await l.getPurse('P1'), { spent: 0, reserved: 1_000 });
    t.equal(await balance(l, merchantAccount('M-USD')), 0);
    // The same purse pays a euro merchant.
    t.equal((await l.applyJournal('T-1', [new Chain('T-1').entry(1, pay('P1', 1, 100, 100))], NOW)).outcomes[0]?.status, 'settled');
    t.match(await l.audit(), { ok: true, settlements: 1 });
  });

  withLedger('deny-list versions and signed fleet messages', async (t, l) => {
    t.same(await l.denyList(), { version: 0, purseIds: [], unpublished: 0 });
    t.match(await l.deny('P2', 'lost', NOW), { added: true, purseIds: ['P2'], unpublished: 1 });
    t.match(await l.deny('P2', 'lost', NOW), { added: false, unpublished: 1 });
    t.same(await l.nextDenyList(), { version: 1, purseIds: ['P2'], unpublished: 0 });
    await l.deny('P1', 'stolen', NOW);
    t.same(await l.denyList(), { version: 1, purseIds: ['P1', 'P2'], unpublished: 1 });
    // Concurrent signers each get a new, strictly higher version that carries everything denied.
    const lists = await Promise.all(Array.from({ length: 8 }, () => l.nextDenyList()));
    t.same(lists.map((x) => x.version).sort((x, y) => x - y), [2, 3, 4, 5, 6, 7, 8, 9]);
    t.ok(lists.every((x) => x.purseIds.length === 2));
    t.same([await l.nextVersion('config:T-1'), await l.nextVersion('config:T-1'), await l.nextVersion('config:T-2')], [1, 2, 1]);

    t.equal(await l.newestSigned('denylist'), undefined);
    await l.recordSigned('denylist', 5, new Uint8Array([5]));
    await l.recordSigned('denylist', 4, new Uint8Array([4]));
    t.same(await l.newestSigned('denylist'), { version: 5, bytes: new Uint8Array([5]) }, 'an older version never overwrites a newer one');
    await l.recordSigned('denylist', 6, new Uint8Array([6]));
    t.equal((await l.newestSigned('denylist'))?.version, 6);
  });

  withLedger('incidents: one row per report until the cap, merged after', async (t, l) => {
    const report = (i: number) => ({ terminalId: 'T-X', kind: 'bad-record' as const, index: i, lastIndex: i, count: 1, detail: `bad ${i}`, at: NOW + i });
    for (let i = 1; i <= INCIDENT_CAP + 20; i++) await l.recordIncident(report(i));
    await l.recordIncident({ terminalId: 'T-X', kind: 'gap', index: null, lastIndex: null, count: 3, detail: 'gap', at: NOW + 500 });
    const rows = await l.incidents();
    t.equal(rows.length, INCIDENT_CAP + 1, 'the cap, plus one row for a kind not seen yet');
    const bad = rows.filter((r) => r.kind === 'bad-record');
    t.equal(bad.reduce((s, r) => s + r.count, 0), INCIDENT_CAP + 20, 'no occurrence is lost');
    t.match(bad.at(-1), { count: 21, index: INCIDENT_CAP, lastIndex: INCIDENT_CAP + 20, lastAt: NOW + INCIDENT_CAP + 20, detail: `bad ${INCIDENT_CAP}` });
    t.match(rows.at(-1), { kind: 'gap', count: 3, index: null });
  });

  withLedger('money tables are append-only, and the audit finds what breaks the invariants', async (t, l, sql) => {
    await terminal(l, 'T-1');
    await purse(l, 'P1');
    const c = new Chain('T-1');
    await l.applyJournal('T-1', [c.entry(1, pay('P1', 1, 100, 100)), c.entry(2, pay('P1', 2, 350, 250)), c.entry(3, pay('P1', 2, 300, 200))], NOW);
    t.same(await l.audit(), { ok: true, postingsSum: 0, settlements: 2, problems: [] });

    for (const table of APPEND_ONLY_TABLES) {
      await t.rejects(sql(`UPDATE ${table} SET amount = amount + 1`), /append-only/, `UPDATE ${table} is refused`);
      await t.rejects(sql(`DELETE FROM ${table}`), /append-only/, `DELETE FROM ${table} is refused`);
    }
    t.same((await l.settlements()).map((s) => s.amount), [100, 250], 'nothing changed');

    // Inserts stay possible: a lone posting breaks the double entry, and the audit says where.
    await sql("INSERT INTO postings (transfer_id, account, amount) SELECT min(id), 'acct-P1', 5 FROM transfers");
    t.equal(await l.trialBalance(), 5);
    const one = await l.audit();
    t.equal(one.ok, false);
    t.equal(one.postingsSum, 5);
    t.match(one.problems, [/^all postings sum to 5, not 0$/, /^transfer \d+: 3 postings summing to 5 \(want 2 summing to 0\)$/]);

    // A second settle transfer for a settled txId is refused: the txId is the transfer's idempotency id.
    await t.rejects(
      sql("INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) SELECT kind, debit, credit, amount, ref, created_at, idem FROM transfers WHERE ref = 'T-1-1'"),
      /unique|UNIQUE/,
    );
    // One written around the ledger under another id: a settle transfer without a settlement or postings.
    await sql("INSERT INTO transfers (kind, debit, credit, amount, ref, created_at, idem) SELECT kind, debit, credit, amount, 'T-1-9', created_at, 'forged' FROM transfers WHERE ref = 'T-1-1'");
    const two = await l.audit();
    t.ok(two.problems.includes('settle transfer for T-1-9 has no settlement'), two.problems.join('; '));
    t.ok(two.problems.some((p) => /^transfer \d+ has no postings$/.test(p)));

    // A transfer written around the ledger between two currencies.
    await sql("INSERT INTO accounts (id, kind, currency, created_at) VALUES ('usd', 'customer', 'USD', 0)");
    await sql("INSERT INTO transfers (kind, debit, credit, amount, ref, created_at) VALUES ('fund', 'acct-P1', 'usd', 1, 'x', 0)");
    t.ok((await l.audit()).problems.some((p) => /^transfer \d+ moves EUR into USD$/.test(p)));
  });

  withLedger('balances are sums of postings; merchant ids and settle ids are columns of their own', async (t, l, sql) => {
    await terminal(l, 'T-1', 'M:colon-1');
    await purse(l, 'P1');
    const c = new Chain('T-1');
    await l.applyJournal('T-1', [c.entry(1, pay('P1', 1, 100, 100)), c.entry(2, pay('P1', 2, 250, 150))], NOW);
    await t.rejects(sql('SELECT balance FROM accounts'), /balance/, 'no stored balance to drift from the postings');
    // A posting inserted around the ledger moves the balance read: it is computed, not kept.
    await sql(`INSERT INTO postings (transfer_id, account, amount) SELECT min(id), '${merchantAccount('M:colon-1')}', 7 FROM transfers`);
    t.equal(await balance(l, merchantAccount('M:colon-1')), 257);
    t.same(await sql("SELECT merchant_id FROM accounts WHERE kind = 'merchant'"), [{ merchant_id: 'M:colon-1' }]);
    t.same(await l.merchantTotals(), [{ merchantId: 'M:colon-1', count: 2, amount: 250, balance: 257 }]);
    // The merchant id comes from the column, not from the account id.
    await sql(`INSERT INTO accounts (id, kind, currency, created_at, merchant_id) VALUES ('merchant-legacy', 'merchant', 'EUR', 0, 'M-2')`);
    t.same((await l.merchantTotals()).map((m) => m.merchantId), ['M-2', 'M:colon-1'], 'in account id order');
    t.same((await sql("SELECT idem FROM transfers WHERE kind = 'settle' ORDER BY id")).map((r) => r.idem), ['settle:T-1-1', 'settle:T-1-2']);
  });

  withLedger('purse issuance with a client id: a retry gets the same purse, another request is refused', async (t, l) => {
    await l.createAccount({ id: 'cara', kind: 'customer', currency: 'EUR' }, NOW);
    await l.fund('cara', 5_000, 'top-up', NOW);
    const spec = { account: 'cara', currency: 'EUR', cap: 1_000, perPaymentLimit: 500, walletKey: 'ab01', notBefore: NOW, notAfter: NOW + 100, cert: 'TK1:first' };
    const first = await l.createPurse({ ...spec, purseId: 'PA' }, NOW, 'req-1');
    // The retry comes later, with the purse id and certificate the issuer chose for it.
    const retry = await l.createPurse({ ...spec, purseId: 'PB', cert: 'TK1:second', notBefore: NOW + 50, notAfter: NOW + 150 }, NOW + 50, 'req-1');
    t.same(retry, first, 'the purse issued first');
    const racing = await Promise.all(Array.from({ length: 4 }, (_, i) => l.createPurse({ ...spec, purseId: `PR${i}` }, NOW, 'req-2')));
    t.equal(new Set(racing.map((p) => p.purseId)).size, 1, 'concurrent retries issue one purse');
    t.equal(await balance(l, 'cara'), 3_000, 'two reservations, not six');
    await t.rejects(l.createPurse({ ...spec, purseId: 'PC', cap: 900 }, NOW, 'req-1'), { code: 'ALREADY_EXISTS' }, 'another cap');
    await t.rejects(l.createPurse({ ...spec, purseId: 'PD', walletKey: 'ab02' }, NOW, 'req-1'), { code: 'ALREADY_EXISTS' }, 'another wallet key');
    await t.rejects(l.createPurse({ ...spec, purseId: 'PE', notAfter: NOW + 200 }, NOW, 'req-1'), { code: 'ALREADY_EXISTS' }, 'another validity');
    t.same((await l.listPurses()).map((p) => p.purseId).sort(), ['PA', racing[0]?.purseId].sort());
    t.equal((await l.createPurse({ ...spec, purseId: 'PF' }, NOW)).purseId, 'PF', 'without an id every call issues');
    t.match(await l.audit(), { ok: true });
  });
}
