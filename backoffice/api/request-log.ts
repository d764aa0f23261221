// Request logging without secrets: the query string of the OIDC callback and sign-in URLs (authorization codes, state) never reaches the logs.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Paths whose query strings can carry one-time secrets: the apps' OIDC callbacks and the dev IdP. */
const SECRET_QUERY = /^\/(dashboard|wallet)\/callback|^\/dev-idp\//;

export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  return q >= 0 && SECRET_QUERY.test(url) ? `${url.slice(0, q)}?[redacted]` : url;
}

export class ApiLogController extends LogController {
  override incomingRequest(request: FastifyRequest, _reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    request.log.info({ req: { method: request.method, url: loggableUrl(request.url), host: request.host, ip: request.ip, socket: request.socket } }, 'incoming request');
  }
}
