import { z } from 'zod';

/**
 * The named schemas of /openapi.json's `components.schemas`: response views, the error envelope and
 * the pages of lists. A schema registered here is emitted once and referenced with `$ref`; request
 * schemas stay inline (test/api/fuzz.test.ts walks them), converted by the same z.toJSONSchema.
 */
export const contract = z.registry<{ id: string; description?: string }>();

/** Registers `schema` as the component `id` and returns it unchanged. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  contract.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
}

/**
 * An instant. Views hold `Date`s, which Express serialises as ISO 8601 UTC strings; the schema keeps
 * `Date` so that `z.output<typeof view>` type-checks against the view functions, and the document
 * says `{ type: string, format: date-time }` (see dateAsString).
 */
export const timestamp = z.date();

/** toJSONSchema `override`: a z.date() is a date-time string on the wire. */
export function dateAsString(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
  if (def?.type === 'date') {
    for (const k of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[k];
    Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
  }
}

export const errorSchema = named(
  'Error',
  z.object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code, e.g. VALIDATION_FAILED, NOT_FOUND, BADGE_IN_USE' }),
      message: z.string().meta({ description: 'What went wrong and what to do, for a person' }),
      details: z.unknown().optional().meta({ description: 'Code-specific: for VALIDATION_FAILED `{ issues: [{ path, message }] }`, one per invalid field' }),
    }),
  }),
  'Every error answer: `{ "error": { "code", "message", "details"? } }`.',
);

/** `{ items, nextCursor? }`, registered as `<id>Page`. */
export function paged<T extends z.ZodType>(id: string, item: T) {
  return named(
    `${id}Page`,
    z.object({
      items: z.array(item),
      nextCursor: z.string().optional().meta({ description: 'Present when there are more items: pass it as ?cursor= for the next page' }),
    }),
  );
}

/** 202 of a provider workflow that outlived waitSeconds (refresh, reconcile). */
export const workflowRunning = named(
  'WorkflowRunning',
  z.object({ status: z.literal('running'), workflowId: z.string(), taskQueue: z.string() }),
  'The workflow is still running after waitSeconds; its outcome shows on the provider (refresh) or in its reconciliation runs.',
);

/** A header parameter of an operation (documented; the handler reads it). */
export interface HeaderParam {
  name: string;
  description: string;
  schema: z.ZodType;
  required?: boolean;
}
