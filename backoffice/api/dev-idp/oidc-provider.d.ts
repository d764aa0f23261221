// The slice of oidc-provider's API the dev identity provider uses (the package ships no type declarations).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderGrant {
    jti: string;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }
  export interface KoaContextWithOIDC {
    oidc: {
      provider: Provider;
      client?: { clientId: string };
      session?: { accountId?: string; grantIdFor(clientId: string, value?: string): string | undefined; ensureClientContainer(clientId: string): void };
      result?: { consent?: { grantId?: string } };
      /** The request's parameters (end_session: id_token_hint, post_logout_redirect_uri, ...). */
      params?: Record<string, unknown>;
    };
    /** Koa's response: what a page source writes. */
    type: string;
    body: unknown;
  }
  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[] };
    params: Record<string, unknown>;
  }
  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    Grant: {
      new (o: { clientId: string; accountId: string }): ProviderGrant;
      find(id: string): Promise<ProviderGrant | undefined>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, o?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, fn: (...args: unknown[]) => void): void;
  }
  export const errors: { InvalidTarget: new (message?: string) => Error };
  export default Provider;
}
