// The auth-refusal matrix, driven by the served OpenAPI document: EVERY route refuses no token, an expired one, another issuer's, an unsigned or forged one, the wrong role, and someone else's resource.
import t from 'tap';
import { TestIssuer, startTestApi, type TokenClaims } from '../../backoffice/api/testkit/index.js';
import type { Role } from '../../backoffice/api/auth.js';
import { opsWorld } from '../ops/ops-world.js';

interface Operation {
  'x-tessera-access'?: { public?: true; roles?: Role[]; owner?: string };
  parameters?: { in: string; name: string }[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Routes open to merchants or customers that concern only the caller themselves (no one else's data to reach). */
const SELF_ONLY = new Set(['GET /v1/me', 'POST /v1/wallet/challenge', 'POST /v1/wallet/purses']);

t.test('every route in the OpenAPI document refuses what it must', { timeout: 240_000 }, async (t) => {
  const w = await opsWorld(undefined);
  t.teardown(() => w.close());
  const api = await startTestApi({ backOffice: w.bo });
  t.teardown(() => api.close());
  const stranger = await new TestIssuer().start();
  t.teardown(() => stranger.stop());

  // A café terminal with a settled payment by Ana, and a double spend that opened a fraud case.
  const cafe = await w.terminal('T-1', 'M-CAFE');
  const bakery = await w.terminal('T-2', 'M-BAKERY');
  const ana = await w.purse('ana', 1_000);
  const paid = await w.pay(cafe, ana, 300);
  await w.pay(bakery, ana, 300, { again: true });
  await w.clear(cafe);
  await w.clear(bakery);
  const caseId = (await w.bo.ledger.fraudCases())[0]?.id;
  t.ok(caseId, 'a fraud case exists');

  const values: Record<string, string> = { accountId: 'acct-ana', purseId: ana.purseId, terminalId: 'T-1', merchantId: 'M-CAFE', txId: paid.txId, caseId: String(caseId) };
  const owned: Record<Role, TokenClaims> = {
    operator: { roles: ['operator'] },
    merchant: { roles: ['merchant'], merchantId: 'M-CAFE' },
    customer: { roles: ['customer'], accountId: 'acct-ana' },
  };
  const others: Partial<Record<Role, TokenClaims>> = { merchant: { roles: ['merchant'], merchantId: 'M-OTHER' }, customer: { roles: ['customer'], accountId: 'acct-other' } };

  const doc = (await api.call<Doc>('GET', '/v1/openapi.json')).body;
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  t.ok(operations.length >= 25, `the document lists the API (${operations.length} operations)`);
  let protectedCount = 0;

  for (const { path, method, op } of operations) {
    const name = `${method} ${path}`;
    const access = op['x-tessera-access'];
    if (!access) {
      t.fail(`${name} declares no access rule`);
      continue;
    }
    if (access.public) continue;
    protectedCount++;
    const roles = access.roles ?? [];
    const missing = (op.parameters ?? []).filter((p) => p.in === 'path' && values[p.name] === undefined).map((p) => p.name);
    t.same(missing, [], `${name}: the matrix has a value for every path parameter (add new ones to \`values\`)`);
    const url = path.replace(/\{(\w+)\}/g, (_m, p: string) => encodeURIComponent(values[p] ?? ''));
    // A scoped list is asked for the seeded owner's data explicitly, so another owner's token has something to be refused.
    const queries = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
    const filterFor = (role: Role): string => (role === 'merchant' && queries.has('merchant') ? '?merchant=M-CAFE' : role === 'customer' && queries.has('account') ? '?account=acct-ana' : '');
    const call = (token: string | undefined, filter = '') =>
      api.call<{ error?: { code: string } }>(method, url + filter, { ...(token ? { token } : {}), ...(method === 'POST' ? { body: {}, headers: { 'idempotency-key': 'matrix-key-1' } } : {}) });
    const refused = async (token: string | undefined, status: number | number[], why: string, filter = '') => {
      const r = await call(token, filter);
      const ok = Array.isArray(status) ? status.includes(r.status) : r.status === status;
      t.ok(ok, `${name}: ${why} → ${Array.isArray(status) ? status.join('/') : status} (got ${r.status} ${JSON.stringify(r.body).slice(0, 120)})`);
      t.type(r.body?.error?.code, 'string', `${name}: ${why}: the error body`);
    };

    const allowed = roles[0] as Role;
    const claims = owned[allowed];
    // Positive control: the right token gets past authentication (the matrix cannot pass by refusing everything).
    const pass = await call(await api.token(claims));
    t.notOk([401, 403].includes(pass.status), `${name}: a ${allowed} token is accepted (got ${pass.status} ${JSON.stringify(pass.body).slice(0, 120)})`);

    await refused(undefined, 401, 'no token');
    await refused(await api.issuer.mint(claims, { expiresIn: -120 }), 401, 'expired token');
    await refused(await stranger.mint(claims), 401, "another issuer's token");
    await refused(api.issuer.unsigned(claims), 401, 'unsigned token (alg none)');
    await refused(await api.issuer.mint(claims, { forged: true }), 401, 'forged signature');
    await refused(await api.issuer.mint(claims, { audience: 'another-api' }), 401, 'token for another audience');
    for (const role of (['operator', 'merchant', 'customer'] as const).filter((r) => !roles.includes(r))) {
      await refused(await api.token(owned[role]), 403, `wrong role (${role})`);
    }
    for (const role of roles.filter((r) => r !== 'operator')) {
      if (SELF_ONLY.has(name)) continue;
      t.ok(access.owner, `${name}: open to ${role}s, so it is scoped to what they own`);
      await refused(await api.token(others[role] as TokenClaims), [403, 404], `another ${role === 'merchant' ? 'merchant' : 'account'}'s token`, filterFor(role));
    }
  }
  t.ok(protectedCount >= 20, `${protectedCount} protected operations checked`);
});
