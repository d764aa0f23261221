// The back-office API with the dev identity provider, serving the built dashboard, on a given back office (what `serve --dev-idp` runs).
import { resolve } from 'node:path';
import type { BackOffice } from '#backoffice';
import { ApiServer, type ApiOptions } from '../../backoffice/api/index.js';

/** A fixed dev password for the seeded users, so the tests can fill the sign-in form. */
export const PASSWORD = 'dashboard-test-pw';

/** `more`: the broker for fleet publishing, the terminal health source (what `serve --broker` wires). */
export async function serveDashboard(bo: BackOffice, more: Partial<ApiOptions> = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const server = new ApiServer({ backOffice: bo, host: '127.0.0.1', port: 0, rateLimit: 0, devIdp: { merchantId: 'M-LUMIERE', accountId: 'acct-ana', password: PASSWORD }, webRoot: resolve('dist/web'), ...more });
  const started = await server.start();
  return { url: started.url, stop: () => server.stop() };
}
