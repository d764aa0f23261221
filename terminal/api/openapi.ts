// The control API's OpenAPI 3.1 document, generated from the route table (paths, parameters, body schemas).
import { z } from 'zod';
import type { AnyRoute } from './http.js';

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', description: 'stable error code (docs/errors.md)' }, message: { type: 'string' }, details: {} },
    },
  },
};

/** A body is required when its schema has a required field; an empty body reads as {}. */
function requestBody(schema: Json): Json {
  return { required: Array.isArray(schema.required) && schema.required.length > 0, content: { 'application/json': { schema } } };
}

function operation(r: AnyRoute): Json {
  const parameters: Json[] = Object.entries(r.params ?? {}).map(([name, re]) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: re.source } }));
  for (const [name, field] of Object.entries(r.query?.shape ?? {})) {
    const f = field as z.ZodType;
    const s = schemaOf(f);
    parameters.push({ name, in: 'query', required: !f.safeParse(undefined).success, ...(s.description ? { description: s.description } : {}), schema: s });
  }
  if (r.idempotent) parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' } });
  const responses: Json = {};
  for (const [code, description] of Object.entries(r.responses)) {
    const ok = Number(code) < 400;
    const media = ok ? (r.produces ?? 'application/json') : 'application/json';
    responses[code] = {
      description,
      ...(Number(code) === 201 ? { headers: { Location: { description: 'where the created resource is', schema: { type: 'string' } } } } : {}),
      content: { [media]: { schema: ok ? {} : { $ref: '#/components/schemas/Error' } } },
    };
  }
  responses.default = { description: 'an error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
    summary: r.summary,
    ...(parameters.length ? { parameters } : {}),
    ...(r.method !== 'GET' ? { requestBody: requestBody(schemaOf(r.body ?? z.strictObject({}))) } : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly AnyRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tessera terminal control API',
      version,
      description: 'The terminal daemon\'s API for the CLI (Unix socket) and cash registers (TCP with a bearer token). Unknown body fields and query parameters are refused (400); a wrong method on a known path is 405 with Allow.',
    },
    // The Unix socket needs no token (its file mode guards it); TCP requests carry the bearer token.
    security: [{}, { bearer: [] }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'TCP listener only; the Unix socket is guarded by its file mode' } },
    },
    paths,
  };
}
