// THE route table of the control API: every route the daemon serves, in one list.
//
// Convention (read before adding a route):
// - A route lives in the module of its resource under routes/ (payments, transactions, receipts,
//   reports, terminal, …) as `route({ method, path, summary, query?, body?, responses, handle })`;
//   its module exports an array (`xxxRoutes`) and that array is spread into ROUTES below.
// - `path` is an OpenAPI template (`/v1/payments/{id}`); every `{name}` has a RegExp in `params`. A
//   literal path (`/v1/payments/current`) is listed before a template it would also match.
// - `query` and `body` are `z.strictObject`s: an unknown query parameter or body field is a 400 that
//   names it (never silently ignored). Query values arrive as strings (routes/query.ts helpers). A
//   POST without `body` accepts no fields; a GET's body is not read.
// - `handle(ctx, { query, body, params, req, res })` returns `{ status, body, headers? }` (sent as
//   JSON), or writes `res` itself and returns nothing (streams). Errors are TesseraErrors; their
//   HTTP status comes from server.ts STATUS or `details.httpStatus`, and `details.answer` is sent as
//   `error.details`.
// - A route answering 201 declares `location(body)`; the server sets `Location` from it (and fails
//   the request if a 201 route has none).
// - `responses` lists the non-error statuses it answers; with `summary` and the schemas it makes the
//   OpenAPI document (GET /v1/openapi.json), so a new route documents itself.
// - A known path with another method is answered 405 with `Allow`; an unknown path 404.
import { route, type AnyRoute } from './http.js';
import { openApiDocument } from './openapi.js';
import { adjustmentRoutes } from './routes/adjustments.js';
import { paymentRoutes } from './routes/payments.js';
import { receiptRoutes } from './routes/receipts.js';
import { reportRoutes } from './routes/reports.js';
import { terminalRoutes } from './routes/terminal.js';
import { transactionRoutes } from './routes/transactions.js';

const docRoutes = [
  route({
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    responses: { 200: 'the document' },
    handle: (ctx) => ({ status: 200, body: openApiDocument(ctx.routes, ctx.version) }),
  }),
];

export const ROUTES: readonly AnyRoute[] = [...terminalRoutes, ...paymentRoutes, ...transactionRoutes, ...adjustmentRoutes, ...receiptRoutes, ...reportRoutes, ...docRoutes];
