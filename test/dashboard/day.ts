// A short day with real terminal daemons (a café and a bus validator on emulated devices) that ends in a double spend caught by clearing.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BackOffice, ClearingService, type FraudCase } from '#backoffice';
import type { TerminalConfigBody } from '#protocol';
import type { PaymentState } from '#terminal';
import { Wallet } from '#wallet';
import { DEMO_LOCATIONS, startTerminal, waitFor, type DemoTerminal } from '../../scripts/demo-world.js';

export const CAFE_MERCHANT = 'M-LUMIERE';
/** Where the terminals' configs say they stand (the demo's places): the café west and north of the bus stop. */
export const CAFE_LOCATION = DEMO_LOCATIONS['T-CAFE-01'];
export const BUS_LOCATION = DEMO_LOCATIONS['T-BUS-42'];
/** The note Ana seals for the issuer with her first payment (only the back office opens it). */
export const SEALED_NOTE = 'table 4: 2 coffees, 1 croissant';
const BUS: TerminalConfigBody = { currency: 'EUR', operatorId: 'OP-CITYBUS', line: '42', utcOffsetMinutes: 0, fares: [{ zone: 0, fromMinute: 0, toMinute: 1440, fare: 180 }] };

export interface Day {
  bo: BackOffice;
  cafe: DemoTerminal;
  bus: DemoTerminal;
  clearing: ClearingService;
  /** The purse Eve spent twice. */
  evePurse: string;
  fraud: FraudCase;
  /** Payments the terminals approved (txIds), café first. */
  approved: { terminalId: string; txId: string; amount: number }[];
  stop(): Promise<void>;
}

/**
 * The morning sets up accounts and purses; the terminals take payments with clearing not yet
 * listening (they decide offline); Eve pays at the café, then pays the same purse sequence again on
 * the bus from a copy of her wallet. Clearing then drains both journals and opens the fraud case.
 */
export async function doubleSpendDay(dir: string, brokerUrl: string): Promise<Day> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const bo = await BackOffice.init(join(dir, 'backoffice'));
    stops.push(() => bo.close());
    const sync = { brokerUrl, protocolVersion: 5 } as const;
    const cafe = await startTerminal(bo, join(dir, 'cafe'), 'T-CAFE-01', { mode: 'merchant', merchantId: CAFE_MERCHANT, displayName: 'Café Lumière' }, sync);
    stops.push(() => cafe.stop());
    const bus = await startTerminal(bo, join(dir, 'bus'), 'T-BUS-42', { mode: 'transit', merchantId: BUS.operatorId, displayName: 'City Bus 42', config: BUS }, sync);
    stops.push(() => bus.stop());

    const wallets = new Map<string, { wallet: Wallet; purseId: string }>();
    for (const name of ['ana', 'ben', 'eve']) {
      const account = `acct-${name}`;
      await bo.createAccount(account, name);
      await bo.fund(account, 10_000);
      const wallet = Wallet.create(join(dir, 'wallets', name));
      const issued = await bo.issuePurse({ account, walletKey: wallet.publicKey, cap: 5_000, perPaymentLimit: 2_000, days: 30 });
      wallet.importPurse(JSON.stringify(issued.file));
      wallets.set(name, { wallet, purseId: issued.purse.purseId });
    }
    const who = (n: string) => wallets.get(n) as { wallet: Wallet; purseId: string };
    const approved: Day['approved'] = [];
    const pay = async (wallet: Wallet, amount: number, reference: string, note?: string) => {
      const req = await cafe.api.call<PaymentState>('POST', '/v1/payments', { amount, reference });
      const p = await wallet.payMerchant(req.requestQr, note === undefined ? {} : { note });
      const d = await cafe.present(p.text);
      if (d.outcome !== 'approved') throw new Error(`café declined: ${d.reason}`);
      approved.push({ terminalId: cafe.terminalId, txId: d.txId ?? '', amount });
    };
    const tap = async (wallet: Wallet) => {
      const p = await wallet.payTransit({ operator: BUS.operatorId, line: '42', max: 250 });
      const d = await bus.present(p.text);
      if (d.outcome !== 'approved') throw new Error(`bus declined: ${d.reason}`);
      approved.push({ terminalId: bus.terminalId, txId: d.txId ?? '', amount: d.amount ?? 0 });
    };
    await pay(who('ana').wallet, 340, 'INV-1', SEALED_NOTE);
    await pay(who('ben').wallet, 420, 'INV-2');
    await tap(who('ana').wallet);
    const eve = who('eve');
    const copy = join(dir, 'wallets', 'eve-copy');
    mkdirSync(copy, { recursive: true });
    cpSync(eve.wallet.home, copy, { recursive: true });
    await pay(eve.wallet, 280, 'INV-3');
    await tap(Wallet.open(copy));

    const clearing = new ClearingService(bo, { url: brokerUrl, shared: false, protocolVersion: 5 });
    await clearing.start();
    stops.push(() => clearing.stop());
    for (const t of [cafe, bus]) await t.api.call('POST', '/v1/sync', { wait: true, timeoutMs: 20_000 });
    const fraud = await waitFor('the fraud case', async () => (await bo.ledger.fraudCases()).find((f) => f.kind === 'double-spend'), 20_000);
    return { bo, cafe, bus, clearing, evePurse: eve.purseId, fraud, approved, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
