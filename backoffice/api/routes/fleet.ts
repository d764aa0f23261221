// /v1/fleet: the signed trust list and deny list anyone may fetch, and publishing deny list, trust list and terminal config to the fleet over MQTT.
import { z } from 'zod';
import { TesseraError } from '#common';
import { toHex, topics, type TerminalConfigBody } from '#protocol';
import type { BackOffice } from '../../backoffice.js';
import type { MqttClient } from 'mqtt';
import type * as ServiceModule from '../../service.js';
import type { BrokerTlsFiles } from '../../service.js';
import { idParam, minorUnits, protectedErrors, type ZodApp } from '../app.js';

/** The broker the API publishes fleet messages through (connected per publication). */
export interface BrokerSettings {
  url: string;
  tls?: BrokerTlsFiles;
}

type Service = typeof ServiceModule;

const published = z.object({ version: z.number().int(), topic: z.string() });
const configBody = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/).optional().describe('default: the back office currency'),
    operatorId: idParam,
    line: z.string().max(64).optional(),
    zone: z.number().int().min(0).max(255).optional(),
    utcOffsetMinutes: z.number().int().min(-840).max(840).default(0),
    fares: z.array(z.object({ zone: z.number().int().min(0).max(255), fromMinute: z.number().int().min(0).max(1440), toMinute: z.number().int().min(0).max(1440), fare: minorUnits.nonnegative() }).strict()).min(1).max(256),
  })
  .strict();

async function withBroker<T>(broker: BrokerSettings | undefined, fn: (svc: Service, client: MqttClient) => Promise<T>): Promise<T> {
  if (!broker) throw new TesseraError('BROKER_UNREACHABLE', 'this server has no broker to publish through (serve --broker URL)');
  // mqtt loads only when something is published.
  const svc = await import('../../service.js');
  const client = await svc.connectBroker(broker.url, { reconnectPeriod: 0, ...svc.brokerTlsOptions(broker.tls) });
  try {
    return await fn(svc, client);
  } finally {
    await client.endAsync();
  }
}

export function fleetRoutes(app: ZodApp, bo: BackOffice, broker: BrokerSettings | undefined): void {
  app.get(
    '/v1/fleet/trust',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['fleet'],
        summary: 'The root-signed trust list (TL1 text): wallets verify terminals and the issuer offline with it',
        response: { 200: z.object({ version: z.number().int(), text: z.string(), rootPublicKey: z.string() }) },
      },
    },
    async () => ({ version: bo.trustList.version, text: bo.trustText, rootPublicKey: bo.rootPublicKey }),
  );

  app.get(
    '/v1/fleet/denylist',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['fleet'],
        summary: 'The newest signed deny list (the fleet message bytes, hex), as terminals receive it',
        response: { 200: z.object({ version: z.number().int(), bytes: z.string() }), 404: protectedErrors[404] },
      },
    },
    async () => {
      const d = await bo.ledger.newestSigned('denylist');
      if (!d) throw new TesseraError('NOT_FOUND', 'no deny list signed yet');
      return { version: d.version, bytes: toHex(d.bytes) };
    },
  );

  app.post(
    '/v1/fleet/denylist',
    {
      config: { access: { roles: ['operator'] } },
      schema: { tags: ['fleet'], summary: 'Sign the deny list at a new version and publish it (retained) to every terminal', response: { 200: published, 503: protectedErrors[400], ...protectedErrors } },
    },
    async () => withBroker(broker, async (svc, c) => ({ version: await svc.publishDenylist(bo, c), topic: topics.denylist })),
  );

  app.post(
    '/v1/fleet/trust',
    {
      config: { access: { roles: ['operator'] } },
      schema: { tags: ['fleet'], summary: 'Publish the installed trust list (retained) to every terminal', response: { 200: published, 503: protectedErrors[400], ...protectedErrors } },
    },
    async () => withBroker(broker, async (svc, c) => ({ version: await svc.publishTrust(bo, c), topic: topics.trust })),
  );

  app.post(
    '/v1/fleet/config/:terminalId',
    {
      config: { access: { roles: ['operator'] } },
      schema: {
        tags: ['fleet'],
        summary: "Sign a transit terminal's fare and route config at a new version and publish it (retained) to that terminal",
        params: z.object({ terminalId: idParam }),
        body: configBody,
        response: { 200: published, 503: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => {
      const { currency, line, zone, ...rest } = req.body;
      const config: TerminalConfigBody = { currency: currency ?? bo.currency, ...rest, ...(line !== undefined ? { line } : {}), ...(zone !== undefined ? { zone } : {}) };
      if (!(await bo.ledger.getTerminal(req.params.terminalId))) throw new TesseraError('NOT_FOUND', `no terminal ${req.params.terminalId}`);
      return withBroker(broker, async (svc, c) => ({ version: await svc.publishConfig(bo, c, req.params.terminalId, config), topic: topics.config(req.params.terminalId) }));
    },
  );
}
