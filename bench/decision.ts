// Decision latency (scan text in → committed and displayed) through the real checkout and SQLite file, against its floor.
import { join } from 'node:path';
import { NodeBackend, KeySigner, decodeObject, getDefaultBackend, signObject, toQrText, transitFields, verifySign1, type PurseCert } from '#protocol';
import { createTerminalWorld, openDatabase, percentile } from '#terminal';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  floor?: number;
  floorName?: string;
  ratio?: number;
  target?: string;
  pass?: boolean;
}

const SCANS = 2_000;
const PURSES = 20;
const TARGET_MS = 300;

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The floor: what any correct terminal must do per decision — verify two signatures, fsync one commit. */
function measureFloor(dir: string, samples: { cert: Uint8Array; payment: Uint8Array; walletKey: Uint8Array; issuerKey: Uint8Array }[]): number[] {
  const db = openDatabase(join(dir, 'floor.db'));
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tx BLOB NOT NULL, record BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO t (tx, record) VALUES (?, ?)');
  const backend = getDefaultBackend();
  const out: number[] = [];
  for (const s of samples) {
    const t0 = performance.now();
    const c = decodeObject('PURSE_CERT', s.cert);
    const p = decodeObject('PAYMENT', s.payment);
    if (!c.ok || !p.ok) throw new Error('floor sample does not decode');
    if (!verifySign1(c.value.sign1, s.issuerKey, backend) || !verifySign1(p.value.sign1, s.walletKey, backend)) throw new Error('floor sample does not verify');
    db.transaction(() => ins.run(Buffer.from(p.value.sign1.payload.slice(0, 32)), Buffer.from(s.payment)))();
    out.push(performance.now() - t0);
  }
  db.close();
  return out;
}

export async function run(): Promise<BenchRow[]> {
  const tw = await createTerminalWorld({
    mode: 'transit',
    seed: 'bench',
    config: { limits: { maxPerPurseOffline: 1e12, maxUnsyncedPayments: 1e9, maxUnsyncedAmount: 1e12 } },
  });
  try {
    const d = tw.daemon({ api: false });
    await d.start();
    try {
      const co = d.checkout!;
      const applied = await co.scan(await tw.fareConfig(1));
      if (applied.outcome !== 'fleet-applied') throw new Error(`fare config not applied: ${applied.reason ?? ''}`);
      // Sign the riders' codes up front with the fast backend: the bench measures the terminal, not the wallets.
      const fast = new NodeBackend();
      const purses: { key: KeySigner; bytes: Uint8Array; cert: PurseCert }[] = [];
      for (let i = 0; i < PURSES; i++) {
        const p = await tw.world.purse({ seed: `rider-${i}`, cap: 1e9, perPaymentLimit: 1e6 });
        purses.push({ ...p, key: new KeySigner(p.key.secretKey(), fast) });
      }
      const codes: string[] = [];
      const samples: { cert: Uint8Array; payment: Uint8Array; walletKey: Uint8Array; issuerKey: Uint8Array }[] = [];
      const now = tw.world.now;
      for (let i = 0; i < SCANS; i++) {
        const purse = purses[i % PURSES]!;
        const seq = Math.floor(i / PURSES) + 1;
        const fields = transitFields(now, { max: 300 });
        const bytes = await signObject('PAYMENT', { ...fields, purseCert: purse.bytes, seq, cumulative: seq * 300, amount: 300, currency: 'EUR', payeeKind: 1, payee: 'OP-METRO', time: now } as never, purse.key);
        codes.push(toQrText('PAYMENT', bytes));
        samples.push({ cert: purse.bytes, payment: bytes, walletKey: purse.cert.walletKey, issuerKey: tw.world.issuer.publicKey });
      }
      const lat: number[] = [];
      let approved = 0;
      for (const code of codes) {
        const dec = await co.scan(code);
        if (dec.outcome === 'approved') approved++;
        lat.push(dec.latencyMs);
      }
      if (approved !== SCANS) throw new Error(`only ${approved}/${SCANS} scans approved`);
      const floor = measureFloor(tw.dir, samples);
      const s = Float64Array.from(lat).sort();
      const f = Float64Array.from(floor).sort();
      const row = (p: number): BenchRow => {
        const value = round(percentile(s, p));
        const fl = round(percentile(f, p));
        return {
          name: `decision latency p${p} (${SCANS} transit scans, SQLite WAL+FULL)`,
          value,
          unit: 'ms',
          floor: fl,
          floorName: `2× P-256 verify + 1 fsync'd commit, p${p}`,
          ratio: fl > 0 ? Math.round((value / fl) * 100) / 100 : undefined,
          target: `< ${TARGET_MS} ms`,
          pass: value < TARGET_MS,
        } as BenchRow;
      };
      return [row(50), row(99)];
    } finally {
      await d.stop();
    }
  } finally {
    tw.cleanup();
  }
}
