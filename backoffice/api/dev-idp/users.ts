// The dev identity provider's seeded users (operator, merchant, customer) with passwords made at each start.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../auth.js';
import { CLAIMS } from '../auth.js';

export interface DevUser {
  username: string;
  /** Printed at start; dev only (the flag says so). */
  password: string;
  name: string;
  roles: Role[];
  merchantId: string | null;
  accountId: string | null;
}

export interface DevSeed {
  /** The seeded café's merchant id (the demo's). */
  merchantId: string;
  /** The seeded customer's account id. */
  accountId: string;
  /** Fixed passwords (tests, scripted demos); otherwise each is random per start. */
  password?: string;
}


export function seedUsers(seed: DevSeed): DevUser[] {
  const pw = (): string => seed.password ?? `dev-${randomBytes(6).toString('hex')}`;
  return [
    { username: 'operator', password: pw(), name: 'Olivia Operator', roles: ['operator'], merchantId: null, accountId: null },
    { username: 'merchant', password: pw(), name: 'Café Lumière', roles: ['merchant'], merchantId: seed.merchantId, accountId: null },
    { username: 'customer', password: pw(), name: 'Ana Customer', roles: ['customer'], merchantId: null, accountId: seed.accountId },
  ];
}

/** The Tessera claims of a user, as access tokens and the userinfo carry them. */
export function claimsOf(u: DevUser): Record<string, unknown> {
  return {
    [CLAIMS.roles]: u.roles,
    ...(u.merchantId ? { [CLAIMS.merchant]: u.merchantId } : {}),
    ...(u.accountId ? { [CLAIMS.account]: u.accountId } : {}),
  };
}

/** The user whose password matches (constant-time per comparison), or undefined. */
export function checkPassword(users: readonly DevUser[], username: string, password: string): DevUser | undefined {
  const u = users.find((x) => x.username === username);
  if (!u) return undefined;
  const a = Buffer.from(u.password);
  const b = Buffer.from(password);
  return a.length === b.length && timingSafeEqual(a, b) ? u : undefined;
}
