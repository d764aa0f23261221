// The back-office API with the dev identity provider, serving the built dashboard, on a given back office (what `serve --dev-idp` runs).
import { resolve } from 'node:path';
import { TerminalHealthMonitor, type BackOffice } from '#backoffice';
import { ApiServer, type ApiOptions } from '../../backoffice/api/index.js';

/** A fixed dev password for the seeded users, so the tests can fill the sign-in form. */
export const PASSWORD = 'dashboard-test-pw';

/**
 * `brokerUrl`: fleet publishing goes through it and terminals' health comes from their retained
 * statuses there (what `serve --broker` wires); `more` overrides any option.
 */
export async function serveDashboard(bo: BackOffice, brokerUrl?: string, more: Partial<ApiOptions> = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const health = brokerUrl ? new TerminalHealthMonitor({ url: brokerUrl, now: () => bo.now() }) : undefined;
  await health?.start();
  const server = new ApiServer({
    backOffice: bo,
    host: '127.0.0.1',
    port: 0,
    rateLimit: 0,
    devIdp: { merchantId: 'M-LUMIERE', accountId: 'acct-ana', password: PASSWORD },
    webRoot: resolve('dist/web'),
    ...(brokerUrl ? { broker: { url: brokerUrl } } : {}),
    ...(health ? { terminalHealth: health } : {}),
    ...more,
  });
  const started = await server.start();
  return {
    url: started.url,
    stop: async () => {
      await server.stop();
      await health?.stop();
    },
  };
}
