// Clearing without a shared subscription, over MQTT 3.1.1, on the embedded aedes broker (no `$share` support there).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Wallet } from '#wallet';
import { startEmbeddedBroker } from '../scripts/embedded-broker.js';
import { BackOffice } from './backoffice.js';
import { ClearingService } from './service.js';
import { SimulatedTerminal } from './sim-terminal.js';
import { ledgerBackends } from '../test/support/postgres.js';

for (const backend of ledgerBackends(t)) t.test(`${backend.name}: shared: false settles journal batches through a broker without shared subscriptions`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-unshared-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broker = await startEmbeddedBroker();
  t.teardown(() => broker.close());
  const bo = await BackOffice.init(join(dir, 'bo'), { db: await backend.db() });
  t.teardown(() => bo.close());

  const wallet = Wallet.create(join(dir, 'wallet'));
  await bo.createAccount('acct-a');
  await bo.fund('acct-a', 5_000);
  wallet.importPurse(JSON.stringify((await bo.issuePurse({ account: 'acct-a', walletKey: wallet.publicKey, cap: 5_000, perPaymentLimit: 1_000, days: 1 })).file));
  const term = new SimulatedTerminal('T-AEDES', bo.trust);
  term.install((await bo.issueTerminal(await term.enrolmentRequest(), { mode: 'merchant', merchantId: 'M-A', displayName: 'A' })).bundle.terminalCert);
  for (const amount of [120, 340]) {
    const d = await term.accept((await wallet.payMerchant(await term.requestPayment(amount, 'EUR'))).text);
    t.ok(d.approved, `payment of ${amount} approved`);
  }

  const clearing = new ClearingService(bo, { url: broker.url, shared: false, protocolVersion: 4 });
  await clearing.start();
  t.teardown(() => clearing.stop());
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 100 });
  t.teardown(() => client.end(true));
  const ack = await term.sync(client, 10_000);
  t.equal(ack.upTo, 2, 'both records recorded');
  t.same(
    ack.results.map((r) => r.status),
    ['settled', 'settled'],
  );
  t.equal((await bo.ledger.settlements()).length, 2);
});
