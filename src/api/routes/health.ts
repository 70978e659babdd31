import type { ApiContext } from '../context';
import { z } from 'zod';
import { named } from '../contract';
import type { ApiRoutes } from '../route';

const healthSchema = named('Health', z.object({ status: z.literal('ok') }));
const check = z.object({ ok: z.boolean(), error: z.string().optional() });
const readinessSchema = named(
  'Readiness',
  z.object({
    status: z.enum(['ready', 'not ready']),
    failing: z.array(z.enum(['database', 'temporal'])).optional(),
    checks: z.object({ database: check, temporal: check }),
  }),
);

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

export function registerHealthRoutes(routes: ApiRoutes, ctx: ApiContext) {
  routes.add('get', '/healthz', { operationId: 'getHealth', summary: 'The process is up', tag: 'operations', public: true, response: healthSchema }, () => ({
    status: 'ok',
  }));

  routes.add(
    'get',
    '/readyz',
    {
      operationId: 'getReadiness',
      summary: 'Database and Temporal are reachable; 503 names which is not',
      tag: 'operations',
      public: true,
      response: readinessSchema,
      responses: { 503: { description: 'Not ready: `failing` names the database or Temporal', schema: readinessSchema } },
    },
    async ({ res }) => {
      const check = async (fn: () => Promise<void>) => {
        try {
          await withTimeout(fn(), 3000);
          return { ok: true as const };
        } catch (err) {
          return { ok: false as const, error: (err as Error).message };
        }
      };
      const [database, temporal] = await Promise.all([check(() => ctx.db.ping()), check(() => ctx.temporal.ping())]);
      const ok = database.ok && temporal.ok;
      const failing = [!database.ok && 'database', !temporal.ok && 'temporal'].filter(Boolean);
      res.status(ok ? 200 : 503).json({
        status: ok ? 'ready' : 'not ready',
        ...(failing.length ? { failing } : {}),
        checks: { database, temporal },
      });
    },
  );

  // Counts of visits and requests per route describe every site's activity: a token with viewMetrics
  // (Prometheus's `authorization` setting) reads them, nobody anonymous.
  routes.add(
    'get',
    '/metrics',
    {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics; needs a bearer token with the viewMetrics permission',
      tag: 'operations',
      permission: ['viewMetrics'],
      response: 'text',
    },
    async ({ res }) => {
      res.type(ctx.metrics.contentType).send(await ctx.metrics.render());
    },
  );
}
