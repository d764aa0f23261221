// A test OIDC issuer: serves discovery and a JWKS for a key it holds, and mints access tokens (valid, expired, unsigned, badly signed).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { CLAIMS, type Role } from '../auth.js';

export interface TokenClaims {
  sub?: string;
  roles: Role[];
  merchantId?: string;
  accountId?: string;
}

export interface MintOptions {
  audience?: string;
  /** Seconds from now (negative: already expired). */
  expiresIn?: number;
  /** Sign with a key that is not in the JWKS (same kid: a forged signature). */
  forged?: boolean;
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export class TestIssuer {
  private server: Server | undefined;
  private key!: CryptoKey;
  private forger!: CryptoKey;
  private jwk!: JWK;
  issuer = '';

  constructor(private readonly audience = 'tessera-api') {}

  async start(): Promise<this> {
    const kid = `test-${randomBytes(4).toString('hex')}`;
    const pair = await generateKeyPair('ES256');
    this.key = pair.privateKey;
    this.forger = (await generateKeyPair('ES256')).privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    this.server = createServer((req, res) => {
      const body =
        req.url === '/.well-known/openid-configuration'
          ? { issuer: this.issuer, jwks_uri: `${this.issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }
          : req.url === '/jwks'
            ? { keys: [this.jwk] }
            : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private payload(c: TokenClaims): Record<string, unknown> {
    return {
      [CLAIMS.roles]: c.roles,
      ...(c.merchantId ? { [CLAIMS.merchant]: c.merchantId } : {}),
      ...(c.accountId ? { [CLAIMS.account]: c.accountId } : {}),
    };
  }

  /** A signed access token for the claims (valid unless the options say otherwise). */
  async mint(c: TokenClaims, o: MintOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresIn ?? 600);
    return new SignJWT(this.payload(c))
      .setProtectedHeader({ alg: 'ES256', kid: this.jwk.kid as string, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(o.audience ?? this.audience)
      .setSubject(c.sub ?? c.roles.join('-'))
      .setIssuedAt(Math.min(now, exp - 60))
      .setExpirationTime(exp)
      .sign(o.forged ? this.forger : this.key);
  }

  /** The same claims with alg "none" and no signature. */
  unsigned(c: TokenClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const body = { ...this.payload(c), iss: this.issuer, aud: this.audience, sub: c.sub ?? 'nobody', iat: now, exp: now + 600 };
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(body)}.`;
  }
}
