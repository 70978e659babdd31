import { z } from 'zod';
import { contract, dateAsString } from './contract';
import type { ResponseDoc, RouteRecord } from './route';

/*
 * Generator: zod 4's own z.toJSONSchema, not @asteasolutions/zod-to-openapi (9.1.0 does support zod 4).
 * The routes already register their zod schemas here, z.toJSONSchema emits JSON Schema 2020-12 — which
 * is OpenAPI 3.1's schema dialect, so nothing is translated — and its registry form
 * (z.toJSONSchema(registry, { uri })) emits `components.schemas` with `$ref`s between them. It is
 * maintained with zod itself (no second library to keep in step with zod's internals, which
 * zod-to-openapi patches through `extendZodWithOpenApi`), and it adds no dependency.
 */

const REF = (id: string) => `#/components/schemas/${id}`;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input') {
  const { $schema: _, ...js } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: dateAsString }) as Record<string, unknown>;
  return js;
}

/** The component id of a response schema; every response schema must be named (see contract.ts). */
function refTo(schema: z.ZodType, where: string) {
  const id = contract.get(schema)?.id;
  if (!id) throw new Error(`${where}: response schemas must be registered with named() in src/api/contract.ts`);
  return { $ref: REF(id) };
}

function components() {
  const { schemas } = z.toJSONSchema(contract, { io: 'output', unrepresentable: 'any', override: dateAsString, uri: REF }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json({ $ref: REF('Error') }) });

/** An event this service POSTs to subscribers: OpenAPI 3.1's `webhooks` section. */
export interface WebhookDoc {
  name: string;
  summary: string;
  /** A schema registered in the contract (the payload). */
  schema: z.ZodType;
}

const WEBHOOK_HEADERS = [
  { name: 'webhook-id', description: 'The event’s id: the same on every retry and redelivery; dedupe by it.' },
  { name: 'webhook-timestamp', description: 'When this attempt was signed, Unix seconds; refuse ones far from now (replays).' },
  {
    name: 'webhook-signature',
    description: 'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"> with the subscription’s secret (Standard Webhooks).',
  },
];

function webhookOperations(docs: WebhookDoc[]) {
  return Object.fromEntries(
    docs.map((w) => [
      w.name,
      {
        post: {
          summary: w.summary,
          description: contract.get(w.schema)?.description,
          tags: ['webhooks'],
          parameters: WEBHOOK_HEADERS.map((h) => ({ name: h.name, in: 'header', required: true, description: h.description, schema: { type: 'string' } })),
          requestBody: { required: true, content: json(refTo(w.schema, `webhook ${w.name}`)) },
          responses: {
            '2XX': { description: 'Received. Any other answer, or none within the timeout, is retried with backoff (same webhook-id).' },
            '410': { description: 'Gone: the service disables the subscription and sends nothing more until it is enabled again.' },
          },
        },
      },
    ]),
  );
}

/** OpenAPI 3.1 document generated from the registered routes' zod schemas. */
export function buildOpenApi(records: RouteRecord[], version: string, serverUrl?: string, webhooks: WebhookDoc[] = []) {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const { method, path, spec } of records) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!/^[a-z][A-Za-z0-9]*$/.test(spec.operationId)) throw new Error(`${where}: operationId ${spec.operationId} is not camelCase`);
    if (operationIds.has(spec.operationId)) throw new Error(`${where}: operationId ${spec.operationId} is used twice`);
    operationIds.add(spec.operationId);

    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      const js = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    for (const h of spec.headers ?? []) {
      parameters.push({ name: h.name, in: 'header', required: !!h.required, description: h.description, schema: jsonSchema(h.schema) });
    }

    const status = spec.response === null ? 204 : (spec.status ?? 200);
    const responses: Record<string, unknown> = {
      [String(status)]:
        spec.response === null
          ? { description: 'Done; no content' }
          : spec.response === 'text'
            ? { description: 'Success', content: { 'text/plain': { schema: { type: 'string' } } } }
            : { description: 'Success', content: json(refTo(spec.response, where)) },
    };
    if (spec.body || spec.query || spec.params || spec.headers?.length) {
      responses['400'] = error('Invalid input: details.issues names each invalid field and what to send instead');
    }
    if (!spec.public) responses['401'] = error('Missing or invalid bearer token');
    if (spec.permission || spec.allLocations) {
      responses['403'] = error(
        [
          spec.permission && `needs one of the permissions ${spec.permission.join(', ')}`,
          spec.allLocations && 'only for users of every location (allLocations)',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
    if (spec.params) responses['404'] = error("The id does not exist, or lies outside the caller's locations");
    if (spec.body) {
      responses['413'] = error('The request body is larger than 1 MB');
      responses['415'] = error('The body is not sent as application/json');
    }
    for (const [code, doc] of Object.entries(spec.responses ?? {}) as Array<[string, ResponseDoc]>) {
      responses[code] = typeof doc === 'string' ? error(doc) : { description: doc.description, content: json(refTo(doc.schema, where)) };
    }
    responses['500'] = error('A bug: the X-Request-Id header locates it in the logs');

    const op: Record<string, unknown> = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.description ? { description: spec.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: !spec.body.safeParse(undefined).success, content: json(jsonSchema(spec.body)) } } : {}),
      ...(spec.permission ? { 'x-permissions': spec.permission } : {}),
      ...(spec.allLocations ? { 'x-all-locations': true } : {}),
      ...(spec.public ? { security: [] } : {}),
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
    };
    (paths[path] ??= {})[method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Visitor badges API',
      version,
      description:
        'Provisions temporary visitor badges in Genetec Security Center and Lenel OnGuard. Errors are `{ "error": { "code", "message", "details"? } }` (the Error schema). x-permissions lists the permissions of which any one admits the caller; x-all-locations marks operations only for users of every location. Everything else is confined to the caller\'s locations: outside them an id answers 404, as if it did not exist. Lists are pages `{ items, nextCursor? }`: pass nextCursor as ?cursor= for the next one.',
    },
    servers: [{ url: serverUrl ?? '/', description: serverUrl ? 'This API' : 'The host that served this document' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: "The user's API token (POST /v1/users returns it once)" } },
      schemas: components(),
    },
    security: [{ bearer: [] }],
    paths,
    ...(webhooks.length ? { webhooks: webhookOperations(webhooks) } : {}),
  };
}
