// Protocol benchmark: verifyPayment per CPU-second with each backend against the bare cost of the two
// P-256 verifications it needs (issuer over the purse certificate, wallet over the payment).
import { type CryptoBackend, NobleBackend, NodeBackend, type PaymentContext, TrustStore, decodeSign1, sigStructure, verifyPayment } from '#protocol';
import { createTestWorld } from '#protocol/testkit';
import { type BenchRow, interleaved, ratioRow } from './types.js';

const POOL = 8;

interface Item {
  text: string;
  ctx: PaymentContext;
  bare: () => boolean;
}

async function items(backend: CryptoBackend, trust: TrustStore): Promise<Item[]> {
  const w = await createTestWorld({ backend, seed: 'bench' });
  const out: Item[] = [];
  for (let i = 0; i < POOL; i++) {
    const purse = await w.purse({ seed: `p${i}` });
    const pay = await w.payment(purse, {});
    const ps = decodeSign1(pay.bytes);
    const cs = decodeSign1(purse.bytes);
    const pm = sigStructure(ps.protectedBytes, ps.payload);
    const cm = sigStructure(cs.protectedBytes, cs.payload);
    const issuer = w.issuer.publicKey;
    const wallet = purse.cert.walletKey;
    out.push({
      text: pay.text,
      ctx: {
        trust,
        now: w.now,
        terminal: { id: 'T-0001', mode: 'merchant', operatorId: 'OP' },
        request: { nonce: pay.payment.requestNonce as Uint8Array, amount: pay.payment.amount, currency: 'EUR', expiresAt: w.now + 60 },
      },
      bare: () => backend.verify(issuer, cm, cs.signature) && backend.verify(wallet, pm, ps.signature),
    });
  }
  return out;
}

function cycle(list: Item[], f: (it: Item) => void): () => void {
  let i = 0;
  return () => f(list[i++ % list.length] as Item);
}

async function section(name: 'node' | 'noble', iterations: number, rounds: number): Promise<BenchRow[]> {
  const backend = name === 'node' ? new NodeBackend() : new NobleBackend();
  const world = await createTestWorld({ backend, seed: 'bench' });
  // Every payment pays for both signatures (no certificate cache), as for a purse seen the first time.
  const cold = await items(backend, new TrustStore(world.trustList, backend, { issuedCacheSize: 0 }));
  const warm = await items(backend, new TrustStore(world.trustList, backend));
  for (const it of [...cold, ...warm]) if (!verifyPayment(it.text, it.ctx).ok) throw new Error('bench payment does not verify');
  const bare = cycle(cold, (it) => {
    if (!it.bare()) throw new Error('bare verification failed');
  });
  const r1 = interleaved(cycle(cold, (it) => void verifyPayment(it.text, it.ctx)), bare, iterations, rounds);
  const r2 = interleaved(cycle(warm, (it) => void verifyPayment(it.text, it.ctx)), bare, iterations, rounds);
  const floorName = `2 bare P-256 verifications (${name})`;
  const rows = [
    ratioRow(`verifyPayment ${name}, new purse (both signatures)`, r1.a, 'payments/s', r1.b, floorName, 0.8),
    ratioRow(`verifyPayment ${name}, purse seen before (cert cached)`, r2.a, 'payments/s', r2.b, floorName),
  ];
  if (backend instanceof NobleBackend) {
    // Does precomputation pay for a fixed issuer key? Same key, with and without tables.
    const plain = new NobleBackend();
    const cs = decodeSign1((await world.purse({ seed: 'p0' })).bytes);
    const cm = sigStructure(cs.protectedBytes, cs.payload);
    const pre = new NobleBackend();
    pre.precompute(world.issuer.publicKey);
    const r3 = interleaved(
      () => void pre.verify(world.issuer.publicKey, cm, cs.signature),
      () => void plain.verify(world.issuer.publicKey, cm, cs.signature),
      iterations,
      rounds,
    );
    rows.push(ratioRow('noble issuer verify with precomputed tables', r3.a, 'verifies/s', r3.b, 'noble p256.verify without tables'));
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  return [...(await section('node', 400, 10)), ...(await section('noble', 8, 6))];
}
