// Per-route access rules (public, or roles plus ownership) enforced on every /v1 route before its body is even read.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { TesseraError } from '#common';
import { bearerToken, type Principal, type Role, type TokenVerifier } from './auth.js';

/**
 * What a route allows. `owner` marks it scoped to what the caller owns (the value names the usual
 * owner; 'caller' when merchants and customers both use it): for a merchant, a `merchantId` path
 * parameter or `merchant` query filter must be theirs; for a customer, an `accountId` or `account`
 * must be theirs. Operators see everything. Resources whose owner is known only once loaded (a
 * terminal, a purse, a transaction) are scoped by the operation itself (404 for someone else's).
 */
export type Access = { public: true } | { roles: readonly Role[]; owner?: 'merchant' | 'account' | 'caller' };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The OpenAPI extension that states a route's rule (the auth-refusal test reads it). */
export const ACCESS_EXTENSION = 'x-tessera-access';

export const isPublic = (a: Access): a is { public: true } => 'public' in a;

export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new TesseraError('API_UNAUTHORIZED', 'this route needs an access token');
  return req.principal;
}

const isOperator = (p: Principal): boolean => p.roles.includes('operator');

/** Refuses (403) a merchant or customer acting on another merchant's or account's resource. */
export function ensureOwner(req: FastifyRequest, owner: { merchantId?: string | null; accountId?: string | null }): void {
  const p = principal(req);
  if (isOperator(p)) return;
  if (owner.merchantId !== undefined && p.roles.includes('merchant') && p.merchantId !== null && owner.merchantId === p.merchantId) return;
  if (owner.accountId !== undefined && p.roles.includes('customer') && p.accountId !== null && owner.accountId === p.accountId) return;
  throw new TesseraError('API_FORBIDDEN', 'this resource belongs to someone else');
}

/**
 * The owner filter a list applies: an operator's choice (or none); a merchant's own merchant id or a
 * customer's own account always (asking for someone else's is refused).
 */
function ownScope(req: FastifyRequest, asked: string | undefined, kind: 'merchant' | 'account'): string | undefined {
  const p = principal(req);
  if (isOperator(p)) return asked;
  const own = kind === 'merchant' ? p.merchantId : p.accountId;
  if (own === null) throw new TesseraError('API_FORBIDDEN', `the token names no ${kind} (claim tessera_${kind})`);
  if (asked !== undefined && asked !== own) throw new TesseraError('API_FORBIDDEN', 'this resource belongs to someone else');
  return own;
}

export const merchantScope = (req: FastifyRequest, asked: string | undefined): string | undefined => ownScope(req, asked, 'merchant');
export const accountScope = (req: FastifyRequest, asked: string | undefined): string | undefined => ownScope(req, asked, 'account');

/** Whether the caller may see everything (operators). */
export const seesAll = (req: FastifyRequest): boolean => isOperator(principal(req));

function checkOwner(req: FastifyRequest, access: { owner?: string }): void {
  if (access.owner === undefined) return;
  const p = principal(req);
  if (isOperator(p)) return;
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const query = (req.query ?? {}) as Record<string, string | undefined>;
  const merchant = params.merchantId ?? query.merchant;
  const account = params.accountId ?? query.account;
  if (merchant !== undefined && !(p.roles.includes('merchant') && p.merchantId === merchant)) throw new TesseraError('API_FORBIDDEN', 'this resource belongs to someone else');
  if (account !== undefined && !(p.roles.includes('customer') && p.accountId === account)) throw new TesseraError('API_FORBIDDEN', 'this resource belongs to someone else');
}

export interface GuardSource {
  /** The verifier, once the issuer is known (--dev-idp knows it only after listening). */
  verifier(): TokenVerifier | undefined;
}

/**
 * Every route under /v1 must declare its access rule: one without fails at start-up, so a route
 * cannot be added without auth. Protected routes get the bearer check as their first hook, and
 * the rule in their OpenAPI operation.
 */
export function installGuard(app: FastifyInstance, src: GuardSource): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/v1/') || route.method === 'HEAD') return;
    const access = route.config?.access;
    if (!access) throw new TesseraError('INTERNAL', `route ${String(route.method)} ${route.url} declares no access rule`);
    route.schema = { ...route.schema, [ACCESS_EXTENSION]: access, ...(isPublic(access) ? {} : { security: [{ bearer: [] }] }) } as RouteOptions['schema'];
    if (isPublic(access)) return;
    const check = async (req: FastifyRequest): Promise<void> => {
      const token = bearerToken(req.headers.authorization);
      const verifier = src.verifier();
      if (!verifier) throw new TesseraError('API_IDP_UNREACHABLE', 'the identity provider is not ready yet');
      const p = await verifier.verify(token);
      if (!p.roles.some((r) => access.roles.includes(r))) {
        throw new TesseraError('API_FORBIDDEN', `this route is for ${access.roles.join(' or ')}; the token's roles: ${p.roles.join(', ') || 'none'}`);
      }
      req.principal = p;
      checkOwner(req, access);
    };
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [check, ...existing] as RouteOptions['onRequest'];
  });
}
