// Names the API, its CLI and clients share without loading the server (fastify, oidc-provider).
export const DEFAULT_AUDIENCE = 'tessera-api';
/** Where the dev IdP is mounted on the API server; its issuer is `<base>/dev-idp`. */
export const DEV_IDP_PATH = '/dev-idp';
/** The resource indicator of the API: tokens for it are JWTs with the configured audience. */
export const API_RESOURCE = 'urn:tessera:api';
export const CLIENTS = { dashboard: 'tessera-dashboard', wallet: 'tessera-wallet' } as const;
/** The seeded café's merchant id (the demo's) and the seeded customer's account. */
export const DEV_MERCHANT = 'M-LUMIERE';
export const DEV_ACCOUNT = 'acct-ana';
