// The wallet rules the CLI and the web app share: refusals carry a reason a screen can name; sealed notes open only with the issuer's key; the core stays free of Node built-ins.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import t from 'tap';
import { isTesseraError } from '#common';
import { KeySigner, fromUtf8, toQrText, unseal } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { checkRequest, choosePurse, sealNote, signNext, merchantPayment, type WalletPurse, type PurseRefusal } from './core.js';

async function setup() {
  const world = await createTestWorld({ seed: 'core' });
  const key = KeySigner.generate();
  const purse = await world.purse({ walletKey: key.publicKey, cap: 1_000, perPaymentLimit: 500 });
  const p: WalletPurse = {
    purseId: Buffer.from(purse.cert.purseId).toString('hex'),
    purseCert: toQrText('PURSE_CERT', purse.bytes),
    trustList: toQrText('TRUST_LIST', world.trustBytes),
    rootPublicKey: Buffer.from(world.root.publicKey).toString('hex'),
    seq: 0,
    cumulative: 0,
  };
  return { world, key, p };
}

t.test('refusals name their reason', async (t) => {
  const { world, p } = await setup();
  const reason = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      if (isTesseraError(e, 'INSUFFICIENT_FUNDS')) return ((e.details?.refusals ?? []) as PurseRefusal[])[0]?.reason;
      if (isTesseraError(e, 'VERIFICATION_FAILED')) return String(e.details?.reason);
      throw e;
    }
    return undefined;
  };
  t.equal(reason(() => choosePurse([p], 600, 'EUR', world.now)), 'over-limit');
  t.equal(reason(() => choosePurse([{ ...p, cumulative: 900 }], 200, 'EUR', world.now)), 'over-available');
  t.equal(reason(() => choosePurse([p], 100, 'USD', world.now)), 'currency');
  t.equal(reason(() => choosePurse([p], 100, 'EUR', world.now, { isRevoked: () => true })), 'revoked');
  t.equal(reason(() => choosePurse([p], 100, 'EUR', world.now + 400 * 86_400)), 'expired');
  t.equal(reason(() => checkRequest([p], 'TQ1:NOTBASE45', world.now)), 'MALFORMED');
});

t.test('a merchant payment: checked, signed at seq + 1, with a note only the issuer opens', async (t) => {
  const { world, key, p } = await setup();
  const term = await world.terminalCert({ terminalId: 'T-1', displayName: 'Café' });
  const { signObject } = await import('#protocol');
  const req = await signObject('PAYMENT_REQUEST', { terminalCert: term.bytes, amount: 230, currency: 'EUR', nonce: new Uint8Array(16).fill(7), time: world.now }, term.key);
  const c = checkRequest([p], toQrText('PAYMENT_REQUEST', req), world.now);
  t.match(c, { amount: 230, displayName: 'Café', terminalId: 'T-1' });
  const sealed = sealNote('table 4', p, world.now);
  const s = await signNext(c.purse, merchantPayment(c, sealed), key, world.now);
  t.match(s.purse, { seq: 1, cumulative: 230 }, 'the counters to commit');
  t.equal(fromUtf8(unseal(sealed, world.sealedKey.secretKey())), '{"note":"table 4"}');
  t.throws(() => unseal(sealed, KeySigner.generate().secretKey()), 'nobody else opens it');
  t.throws(() => sealNote('x'.repeat(120), p, world.now), { code: 'USAGE' }, 'at most 111 bytes');
});

t.test('the code a browser bundles imports no Node built-in', async (t) => {
  // Follows static imports from the browser entry points; type-only imports are erased.
  const seen = new Set<string>();
  const bad: string[] = [];
  const src = resolve(process.cwd());
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) walk(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('node:') || spec.startsWith('#')) bad.push(`${file.slice(src.length + 1)} → ${spec}`);
    }
  };
  walk(join(src, 'protocol/portable.ts'));
  walk(join(src, 'wallet/core.ts'));
  walk(join(src, 'wallet/money.ts'));
  t.same(bad, [], 'no node: or package-internal (#…) imports');
  t.ok(seen.size > 15, `followed ${seen.size} modules`);
});
