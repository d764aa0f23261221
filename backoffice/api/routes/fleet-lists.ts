// GET /v1/fleet/trust and /v1/fleet/denylist: the signed lists, public, for wallets to verify terminals offline.
import { z } from 'zod';
import { TesseraError } from '#common';
import { decodeObject, toQrText } from '#protocol';
import type { BackOffice } from '../../backoffice.js';
import { errorSchema, type ZodApp } from '../app.js';

const listSchema = (field: string, what: string) => z.object({ version: z.number().int(), issuedAt: z.number().int().describe('Unix seconds'), [field]: z.string().describe(what) });

export function fleetListRoutes(app: ZodApp, bo: BackOffice): void {
  app.get(
    '/v1/fleet/trust',
    {
      config: { access: { public: true }, etag: true },
      schema: {
        tags: ['fleet'],
        summary: 'The trust list in force (root-signed issuer keys), as terminals receive it',
        description: 'Verify it against the root public key the wallet already holds (from its purse file), never against one fetched with it.',
        response: { 200: listSchema('trustList', 'TL1 text of the root-signed trust list') },
      },
    },
    async () => ({ version: bo.trustList.version, issuedAt: bo.trustList.issuedAt, trustList: bo.trustText }),
  );

  app.get(
    '/v1/fleet/denylist',
    {
      config: { access: { public: true }, etag: true },
      schema: {
        tags: ['fleet'],
        summary: 'The newest signed deny list (purses terminals refuse), as terminals receive it',
        description: 'A fleet message signed by an issuer key of the trust list. 404 until the back office signed a first one.',
        response: { 200: listSchema('denylist', 'TF1 text of the signed deny-list fleet message'), 404: errorSchema },
      },
    },
    async () => {
      const newest = await bo.ledger.newestSigned('denylist');
      if (!newest) throw new TesseraError('NOT_FOUND', 'no deny list signed yet');
      const d = decodeObject('FLEET_MESSAGE', newest.bytes);
      if (!d.ok) throw new TesseraError('DB_CORRUPT', `stored deny list: ${d.detail}`);
      return { version: newest.version, issuedAt: d.value.value.issuedAt, denylist: toQrText('FLEET_MESSAGE', newest.bytes) };
    },
  );
}
