import { z } from 'zod';
import type { RouteRecord } from './route';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

function jsonSchema(schema: z.ZodType) {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** OpenAPI 3.1 document generated from the registered routes' zod schemas. */
export function buildOpenApi(records: RouteRecord[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, spec } of records) {
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
    const op: Record<string, unknown> = {
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.description ? { description: spec.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } } : {}),
      ...(spec.permission ? { 'x-permissions': spec.permission } : {}),
      ...(spec.allLocations ? { 'x-all-locations': true } : {}),
      ...(spec.public ? { security: [] } : {}),
      responses: {
        [String(spec.status ?? 200)]: { description: 'Success' },
        ...(spec.body || spec.query || spec.params
          ? { '400': { description: 'Invalid input; details.issues lists each field', content: { 'application/json': { schema: errorSchema } } } }
          : {}),
        ...(spec.body ? { '415': { description: 'The body is not application/json' } } : {}),
        ...(spec.public ? {} : { '401': { description: 'Missing or invalid bearer token' }, '403': { description: 'Missing permission' } }),
      },
    };
    (paths[path] ??= {})[method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Visitor badges API',
      version,
      description: 'Provisions temporary visitor badges in Genetec Security Center and Lenel OnGuard. Errors are `{ "error": { "code", "message", "details"? } }`. x-permissions lists the permissions of which any one admits the caller; x-all-locations marks operations only for users of every location. Everything else is confined to the caller\'s locations: outside them an id answers 404, as if it did not exist.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema } },
    security: [{ bearer: [] }],
    paths,
  };
}
