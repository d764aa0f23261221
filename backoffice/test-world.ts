// Test fixture: a back office in a temp dir, a real wallet, simulated terminals, a real mosquitto and clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock, type Clock } from '#common';
import type { TerminalConfigBody } from '#protocol';
import { Wallet } from '#wallet';
import { startMosquitto, type Mosquitto } from '../test/support/mosquitto.js';
import { BackOffice } from './backoffice.js';
import { ClearingService } from './service.js';
import { SimulatedTerminal } from './sim-terminal.js';
import type { SqliteLedger } from './sqlite-ledger.js';

export const METRO: TerminalConfigBody = {
  currency: 'EUR',
  operatorId: 'OP-METRO',
  line: 'L1',
  utcOffsetMinutes: 0,
  fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 180 }],
};

export interface World {
  dir: string;
  /** The ledger's postgres:// URL (undefined: the SQLite file in the home). */
  db: string | undefined;
  bo: BackOffice;
  broker: Mosquitto;
  /** Creates a wallet with one purse of `cap` funded from a new account. */
  wallet(name: string, cap?: number, limit?: number): Promise<{ wallet: Wallet; purseId: string; account: string }>;
  merchant(id: string, merchantId?: string, displayName?: string): Promise<SimulatedTerminal>;
  validator(id: string, config?: TerminalConfigBody): Promise<SimulatedTerminal>;
  client(id: string): Promise<MqttClient>;
  clearing(bo?: BackOffice): Promise<ClearingService>;
  /** Raw SQL on the ledger's database, `?` placeholders (what a DBA or an attacker could run), whichever backend holds it. */
  sql(statement: string, params?: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

/**
 * `clock` drives the back office, the wallets and the simulated terminals alike (tests that move time);
 * `db` puts the ledger in PostgreSQL (test/support/postgres.ts).
 */
export async function createWorld(opts: { clock?: Clock; db?: string } = {}): Promise<World> {
  const clock = opts.clock ?? systemClock;
  const seconds = () => Math.floor(clock.now() / 1000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bo-'));
  const bo = await BackOffice.init(join(dir, 'bo'), { clock, ...(opts.db ? { db: opts.db } : {}) });
  const broker = await startMosquitto({ persistence: false });
  const closers: (() => Promise<void>)[] = [];
  const world: World = {
    dir,
    db: opts.db,
    bo,
    broker,
    async wallet(name, cap = 10_000, limit = 2_500) {
      const wallet = Wallet.create(join(dir, `wallet-${name}`), { clock });
      const account = `acct-${name}`;
      await bo.createAccount(account, name);
      await bo.fund(account, cap + 5_000);
      const issued = await bo.issuePurse({ account, walletKey: wallet.publicKey, cap, perPaymentLimit: limit, days: 30 });
      wallet.importPurse(JSON.stringify(issued.file));
      return { wallet, purseId: issued.purse.purseId, account };
    },
    async merchant(id, merchantId = 'M-CAFE', displayName = 'Café Tessera') {
      const t = new SimulatedTerminal(id, bo.trust, seconds);
      const r = await bo.issueTerminal(await t.enrolmentRequest(), { mode: 'merchant', merchantId, displayName });
      t.install(r.bundle.terminalCert);
      return t;
    },
    async validator(id, config = METRO) {
      const t = new SimulatedTerminal(id, bo.trust, seconds);
      const r = await bo.issueTerminal(await t.enrolmentRequest(), { mode: 'transit', merchantId: config.operatorId, displayName: 'Metro', config });
      t.install(r.bundle.terminalCert, config);
      return t;
    },
    async client(id) {
      const c = await mqtt.connectAsync(broker.url, { clientId: id, protocolVersion: 5, reconnectPeriod: 200 });
      closers.push(() => c.endAsync(true));
      return c;
    },
    async clearing(b = bo) {
      const s = new ClearingService(b, { url: broker.url });
      await s.start();
      closers.push(() => s.stop());
      return s;
    },
    async sql(statement, params = []) {
      if (!opts.db) {
        const st = (bo.ledger as SqliteLedger).db.prepare(statement);
        return st.reader ? st.all(...params) : (st.run(...params), []);
      }
      // Loaded only by tests on PostgreSQL.
      const [{ default: pg }, { numbered }] = await Promise.all([import('pg'), import('./ledger-pg/sql.js')]);
      const c = new pg.Client({ connectionString: opts.db });
      await c.connect();
      try {
        return (await c.query(numbered(statement), params.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p)))).rows;
      } finally {
        await c.end();
      }
    },
    async close() {
      for (const c of closers.reverse()) await c().catch(() => {});
      await bo.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Polls `cond` until it holds; fails after `ms` (every wait in a test is bounded). */
export async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
