// Runtime settings from /dashboard/config.json, so an installation points at its own identity provider without a rebuild.

export interface DashboardConfig {
  /** OIDC issuer URL (relative to this origin allowed: the dev IdP lives at /dev-idp). */
  issuer: string;
  clientId: string;
  /** Base of the back-office API. */
  api: string;
  /** Resource indicator (RFC 8707) for a JWT access token, when the issuer needs one. */
  resource?: string;
  scope?: string;
}

let cached: Promise<DashboardConfig> | undefined;

/** Where the app lives: Vite's base ('/dashboard/'). */
export const BASE = import.meta.env.BASE_URL;

export function loadConfig(): Promise<DashboardConfig> {
  cached ??= fetch(`${BASE}config.json`, { cache: 'no-cache' }).then(async (r) => {
    if (!r.ok) throw new Error(`config.json: HTTP ${r.status}`);
    const c = (await r.json()) as Partial<DashboardConfig>;
    if (typeof c.issuer !== 'string' || typeof c.clientId !== 'string') throw new Error('config.json needs "issuer" and "clientId"');
    return { api: '/v1', ...c, issuer: absolute(c.issuer), clientId: c.clientId } as DashboardConfig;
  });
  return cached;
}

function absolute(u: string): string {
  return new URL(u, location.origin).href.replace(/\/$/, '');
}
