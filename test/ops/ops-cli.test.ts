// tessera-backoffice's operator commands end to end on a real home: look-ups, search paging, fraud resolution, refunds, close/undeny, statements, sealed details; --json and text.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { START, opsWorld } from './ops-world.js';

const BO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backoffice', 'cli', 'main.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS_')));
  return new Promise((resolve) =>
    execFile(process.execPath, [BO, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

t.test('operator commands', async (t) => {
  const w = await opsWorld(undefined);
  t.teardown(() => w.close());
  const cafe = await w.terminal('T-1');
  const bakery = await w.terminal('T-2', 'M-BAKERY');
  const ann = await w.purse('ann');
  const clone = await w.purse('cleo', 1_000);
  const basket = '{"basket":"2 coffees"}';
  const paid = await w.pay(cafe, ann, 450, { sealed: basket });
  w.clock.advance(60_000);
  await w.pay(cafe, ann, 50);
  await w.pay(cafe, clone, 500);
  await w.pay(bakery, clone, 500, { again: true });
  await w.clear(cafe);
  await w.clear(bakery);

  const home = ['--home', w.home];
  const json = async (...args: string[]) => {
    const r = await cli([...home, ...args, '--json']);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown> & { items?: Record<string, unknown>[]; nextCursor?: string | null };
  };
  const text = async (...args: string[]) => {
    const r = await cli([...home, ...args]);
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (code: string, ...args: string[]) => {
    const r = await cli([...home, ...args, '--json']);
    t.equal(r.code, 1, `${args.join(' ')} fails`);
    t.match(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}'), { error: { code } });
  };

  t.match(await json('tx', 'show', paid.txId), { txId: paid.txId, merchantId: 'M-CAFE', settlement: { amount: { amount: 450, currency: 'EUR' } }, sealed: { status: 'opened', text: basket } });
  t.match(await json('tx', 'show', paid.txId, '--no-sealed'), { sealed: 'hidden' });
  t.match(await text('tx', 'show', paid.txId), /record T-1 chain 1 #1: approved, charged EUR 4\.50; clearing: settled; re-verified: record ok, payment ok\n[\s\S]*sealed details: \{"basket":"2 coffees"\}/);
  await fails('USAGE', 'tx', 'show', 'xyz');
  await fails('NOT_FOUND', 'tx', 'show', '00'.repeat(32));

  const page1 = await json('tx', 'search', '--merchant', 'M-CAFE', '--limit', '2');
  t.equal(page1.items?.length, 2);
  t.type(page1.nextCursor, 'string');
  const page2 = await json('tx', 'search', '--merchant', 'M-CAFE', '--limit', '2', '--cursor', page1.nextCursor as string);
  t.same(page2.items?.map((x) => x.txId), [paid.txId], 'the oldest on the last page');
  t.equal(page2.nextCursor, null);
  t.match(await text('tx', 'search', '--status', 'fraud'), /T-2#1 {2}M-BAKERY {2}fraud/);
  t.equal((await json('tx', 'search', '--from', new Date((START + 30) * 1000).toISOString())).items?.length, 3, 'ISO time accepted');

  t.match(await json('purse', 'show', ann.purseId), { purse: { spent: { amount: 500 } }, payments: { items: [{ seq: 2 }, { seq: 1 }] } });
  t.match(await json('terminal', 'show', 'T-1'), { terminalId: 'T-1', merchantId: 'M-CAFE', settled: { count: 3 } });

  const open = await json('fraud', 'list', '--status', 'open');
  const id = String(open.items?.[0]?.id);
  t.match(await json('fraud', 'show', id), { kind: 'double-spend', evidence: { first: { seq: 1 }, second: { seq: 1 } } });
  t.match(await json('fraud', 'resolve', id, '--outcome', 'charge-back', '--reason', 'cloned wallet', '--actor', 'ops-anna'), { created: true, case: { status: 'resolved', resolution: { actor: 'ops-anna' } } });
  t.match(await json('fraud', 'resolve', id, '--outcome', 'charge-back', '--reason', 'cloned wallet'), { created: false });
  await fails('CONFLICT', 'fraud', 'resolve', id, '--outcome', 'pay-merchant', '--reason', 'other');
  t.match(await json('purse', 'undeny', clone.purseId, '--reason', 'holder verified'), { removed: true, published: false });

  t.match(await json('refund', paid.txId, '100', '--merchant', 'M-CAFE', '--id', 'r-1', '--reason', 'one coffee cold'), { created: true, remaining: { amount: 350 } });
  t.match(await text('refund', paid.txId, '100', '--merchant', 'M-CAFE', '--id', 'r-1', '--reason', 'one coffee cold'), /^already refunded EUR 1\.00 of [0-9a-f]{64} to acct-ann; EUR 1\.00 refunded in all, EUR 3\.50 left$/m);
  await fails('REFUND_EXCEEDS_PAYMENT', 'refund', paid.txId, '351', '--merchant', 'M-CAFE', '--id', 'r-2', '--reason', 'too much');

  const date = new Date(START * 1000).toISOString().slice(0, 10);
  t.match(await json('statement', '--merchant', 'M-CAFE', '--date', date), { payments: { count: 3, amount: { amount: 1_000 } }, refunds: { count: 0 }, net: { amount: 1_000 } });
  // The CLI runs on the real clock: the refund lands on today's statement.
  const today = new Date().toISOString().slice(0, 10);
  t.match(await json('statement', '--merchant', 'M-CAFE', '--date', today), { payments: { count: 0 }, refunds: { count: 1, amount: { amount: 100 } }, net: { amount: -100 } });
  t.match(await text('statement', '--terminal', 'T-2', '--date', date), /fraud cases opened 1: EUR 5\.00; paid by resolutions 0: EUR 0\.00\n {2}net EUR 0\.00/);
  t.match(await text('statement', '--terminal', 'T-2', '--date', today), /fraud cases opened 0: EUR 0\.00; paid by resolutions 1: EUR 5\.00\n {2}net EUR 5\.00/);

  t.match(await json('purse', 'close', ann.purseId, '--reason', 'phone lost'), { created: true, published: false, purse: { status: 'closed', closure: { returned: { amount: 9_500 } } } });
  await fails('CONFLICT', 'purse', 'undeny', ann.purseId, '--reason', 'found it');
  t.same(await json('sealed', 'open'), { scanned: 2, stored: 0 }, 'clearing opened them already (the two others carry none)');
  t.match(await text('report'), /SEALED DETAILS \(1 opened\)\ntxId +status +details\n[0-9a-f]{64} +opened +\{"basket":"2 coffees"\}/);
  t.match(await json('purse', 'list', '--status', 'closed'), { items: [{ purseId: ann.purseId, status: 'closed', denied: true }], nextCursor: null });
  t.match(await text('terminal', 'list', '--merchant', 'M-BAKERY'), /^T-2 {2}M-BAKERY {2}merchant {2}chain 1 up to #1/);
  t.match(await json('account', 'statement', 'acct-ann', '--limit', '1'), { balance: { amount: 14_600 }, postings: { items: [{ kind: 'close', amount: { amount: 9_500 } }] } });
  t.match(await json('overview'), { terminals: 2, fraud: { open: 0, resolved: 1 } });
  t.match(await json('audit'), { ok: true });
});
