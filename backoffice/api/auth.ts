// Bearer-token authentication: JWT access tokens verified with jose against the configured OIDC issuer's JWKS.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TesseraError } from '#common';

export const ROLES = ['operator', 'merchant', 'customer'] as const;
export type Role = (typeof ROLES)[number];

/** Who a verified token speaks for (GET /v1/me returns it). */
export interface Principal {
  sub: string;
  roles: Role[];
  /** tessera_merchant: the merchant a merchant user acts for. */
  merchantId: string | null;
  /** tessera_account: the customer account a customer user owns. */
  accountId: string | null;
}

/** Claim names carried by access tokens (any IdP can be configured to emit them). */
export const CLAIMS = { roles: 'tessera_roles', merchant: 'tessera_merchant', account: 'tessera_account' } as const;

// Asymmetric algorithms only: a shared-secret (HS*) or unsigned (none) token is never accepted.
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

export interface VerifierOptions {
  issuer: string;
  audience: string;
}

export function principalOf(p: JWTPayload): Principal {
  const raw = p[CLAIMS.roles];
  const roles = Array.isArray(raw) ? raw.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)) : [];
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return { sub: p.sub ?? '', roles, merchantId: str(p[CLAIMS.merchant]), accountId: str(p[CLAIMS.account]) };
}

/** Why a token was refused, in words a client developer can act on (never the token itself). */
function refusal(e: unknown): TesseraError {
  if (e instanceof TesseraError) return e;
  let why = 'invalid access token';
  if (e instanceof joseErrors.JWTExpired) why = 'access token expired';
  else if (e instanceof joseErrors.JWTClaimValidationFailed) why = `access token claim "${e.claim}" refused (${e.reason})`;
  else if (e instanceof joseErrors.JOSEAlgNotAllowed) why = 'access token algorithm not allowed';
  else if (e instanceof joseErrors.JWSSignatureVerificationFailed) why = 'access token signature does not verify';
  else if (e instanceof joseErrors.JWKSNoMatchingKey) why = "access token not signed by a key of the issuer's JWKS";
  else if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) why = 'malformed access token';
  return new TesseraError('API_UNAUTHORIZED', why);
}

/**
 * Verifies tokens of one issuer. The JWKS URL comes from the issuer's discovery document, fetched
 * on first use (the issuer may be this very process: --dev-idp) and again after a failure.
 */
export class TokenVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly o: VerifierOptions) {}

  get issuer(): string {
    return this.o.issuer;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const url = `${this.o.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let meta: { issuer?: string; jwks_uri?: string };
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      meta = (await r.json()) as typeof meta;
    } catch (e) {
      throw new TesseraError('API_IDP_UNREACHABLE', `cannot read the identity provider's discovery document ${url}: ${(e as Error).message}`, { cause: e });
    }
    if (meta.issuer !== this.o.issuer) throw new TesseraError('CONFIG_INVALID', `the discovery document at ${url} names issuer ${String(meta.issuer)}, not ${this.o.issuer}`);
    if (typeof meta.jwks_uri !== 'string') throw new TesseraError('CONFIG_INVALID', `the discovery document at ${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(meta.jwks_uri));
  }

  private jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.discover().catch((e: unknown) => {
      this.keys = undefined;
      throw e;
    });
    return this.keys;
  }

  /** The principal of a valid token; API_UNAUTHORIZED (401) for anything else. */
  async verify(token: string): Promise<Principal> {
    const keys = await this.jwks();
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: this.o.issuer, audience: this.o.audience, algorithms: ALGORITHMS, clockTolerance: 5 });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new TesseraError('API_UNAUTHORIZED', 'access token has no subject');
      return principalOf(payload);
    } catch (e) {
      throw refusal(e);
    }
  }

  /** True once the issuer's keys were reached (for /readyz). */
  async ready(): Promise<boolean> {
    try {
      await this.jwks();
      return true;
    } catch {
      return false;
    }
  }
}

/** The token of an `Authorization: Bearer …` header, or a 401. */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '');
  if (!m?.[1]) throw new TesseraError('API_UNAUTHORIZED', header ? 'Authorization must be "Bearer <access token>"' : 'missing Authorization: Bearer <access token>');
  return m[1];
}
