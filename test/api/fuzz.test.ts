import crypto from 'node:crypto';
import { refreshScheduleId } from '../../src/workflows/ids';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '../helpers/api';
import { createLocation, createProvider, ok, onguardBody, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './admin/helpers';

/**
 * Walks /openapi.json and sends every operation malformed values of every kind that has reached the
 * database or crashed a handler before: NUL, lone surrogates, control characters, huge strings, deep
 * nesting, arrays and objects for scalars, wrong types, forged cursors, bodies that are not JSON, and
 * methods a path does not have. Every answer must be a 4xx (or a success) in the error envelope, never
 * a 5xx. Fields and operations added later are fuzzed without anyone listing them here.
 */

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  default?: unknown;
};
type Operation = {
  parameters?: Array<{ name: string; in: 'path' | 'query'; schema: JsonSchema }>;
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  security?: unknown[];
};

const deep = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};
/** JSON nested `depth` levels, as text: JSON.stringify itself overflows the stack on such values. */
const deepText = (depth: number) => '{"a":['.repeat(depth / 2) + '"x"' + ']}'.repeat(depth / 2);
/** Stands for deepText(5000) inside a value until it is serialised. */
const DEEP = '\u0001deep-5000\u0001';

/** Values for a JSON field; none is valid for any field of this API. */
const BAD_JSON: Array<[string, unknown]> = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'x\ud800y'],
  ['lone low surrogate', '\udc00'],
  ['control character', 'bell\u0007'],
  ['huge string', 'x'.repeat(200_000)],
  ['nested 40', deep(40)],
  ['nested 5000', DEEP],
  ['array for scalar', ['x', 'y']],
  ['object', { toString: 'x', __proto__: { a: 1 } }],
  ['number', 1e308],
  ['negative', -1],
  ['boolean', true],
  ['empty string', ''],
];

/** Values for path and query parameters, already percent-encoded. */
const BAD_PARAM: Array<[string, string]> = [
  ['NUL', 'a%00b'],
  ['lone surrogate', 'x%ED%A0%80y'],
  ['overlong UTF-8', '%C0%AF'],
  ['bad escape', '%E0%A4%A'],
  ['control character', '%07'],
  ['huge', 'x'.repeat(4000)],
  ['not a number', 'abc'],
  ['negative', '-1'],
  ['exponent', '1e999'],
];

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const FORGED_CURSORS = [
  b64('2020-01-01T00:00:00.000Z|not-a-uuid'),
  b64('-271821-04-20T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
  b64('+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
  b64('2020-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000\u0000'),
  b64('\ud800|\udc00'),
  b64('x'.repeat(3000)),
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface Sent {
  what: string;
  method: string;
  path: string;
  status: number;
  problem?: string;
}

describe('fuzzing every operation of /openapi.json', () => {
  let api: TestApi;
  let doc: { paths: Record<string, Record<string, Operation>> };
  let ids: Record<string, string>;
  let samples: Record<string, () => unknown>;
  const sent: Sent[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    const loc = await createLocation(api, 'Fuzz HQ');
    const p = await createProvider(api, loc.id, onguardBody({ taskQueue: 'nobody-home' }));
    const cat = await seedCatalog(api, p.id, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    const badge = ok(await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: 'B', uniqueId: '1001', badgeTypeId: cat.type('1') } }), 'badge');
    const held = ok(await api.call('POST', `/v1/providers/${p.id}/badges`, { body: { name: 'H', uniqueId: '1002', badgeTypeId: cat.type('1') } }), 'badge');
    const me = ok(await api.call('GET', '/v1/me'), 'me');
    const group = ok(await api.call('POST', '/v1/user-groups', { body: { name: 'Fuzz desk', accessRuleIds: [cat.rule('10')], userIds: [me.id] } }), 'group');
    const user = ok(await api.call('POST', '/v1/users', { body: { name: 'Fuzz user', email: 'fuzz@example.com' } }), 'user');
    const visit = await openVisit(api, { locationId: loc.id, providerId: p.id, badgeId: held.id });
    // Path params by the collection they follow: real rows, so a value a schema lets through reaches the
    // handler and the database as it would in production.
    ids = { locations: loc.id, providers: p.id, badges: badge.id, 'user-groups': group.id, users: user.id, visits: visit };
    // Valid bodies to put one bad value into, so that the bad value is the only thing wrong with them.
    samples = {
      'post /v1/locations': () => ({ name: 'Fuzz', timezone: 'UTC', endOfDay: '18:00' }),
      'post /v1/locations/{id}/providers': () => onguardBody({ taskQueue: 'nobody-home' }),
      'post /v1/providers/{id}/badges': () => ({ name: 'F', uniqueId: '1500', badgeTypeId: cat.type('1') }),
      'post /v1/user-groups': () => ({ name: `G ${crypto.randomUUID()}`, accessRuleIds: [cat.rule('10')], userIds: [me.id], locationIds: [loc.id] }),
      'post /v1/users': () => ({ name: 'U', email: `${crypto.randomUUID()}@example.com` }),
      'post /v1/visits': () => ({
        locationId: loc.id,
        badgeId: badge.id,
        accessRuleIds: [cat.rule('10')],
        visitor: { firstName: 'Ada', lastName: 'Lovelace', company: 'AE' },
      }),
    };
    doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'openapi');
  });

  afterAll(async () => {
    for (const v of await api.db.prisma.visit.findMany({ select: { workflowId: true } })) {
      await api.temporal.workflow
        .getHandle(v.workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
    for (const p of await api.db.prisma.provider.findMany({ select: { id: true } })) {
      await api.temporal.workflow
        .getHandle(`refresh-${p.id}`)
        .terminate('test over')
        .catch(() => undefined);
      await api.temporal.schedule
        .getHandle(refreshScheduleId(p.id))
        .delete()
        .catch(() => undefined);
    }
    await api.close();
  });

  async function send(
    what: string,
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string>; token?: string | null } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? ADMIN_TOKEN}`;
    const res = await fetch(api.url + path, { method: method.toUpperCase(), headers, body: init.body });
    const text = await res.text();
    const record: Sent = { what, method, path: path.slice(0, 120), status: res.status };
    sent.push(record);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.status >= 500) record.problem = `answered ${res.status}: ${text.slice(0, 200)}`;
    else if (res.status >= 400 && (typeof body?.error?.code !== 'string' || typeof body?.error?.message !== 'string')) {
      record.problem = `${res.status} without the error envelope: ${text.slice(0, 200)}`;
    } else if (res.status === 405 && !res.headers.get('allow')) record.problem = '405 without Allow';
    return res.status;
  }
  const json = (what: string, method: string, path: string, value: unknown) =>
    send(what, method, path, { body: JSON.stringify(value).replace(JSON.stringify(DEEP), deepText(5000)), headers: { 'content-type': 'application/json' } });

  /** The concrete path: real ids, except for DELETE, which gets an unknown id so the fixtures survive. */
  function concrete(method: string, template: string, override?: string) {
    return template.replace(/([\w-]+)\/\{(\w+)\}/g, (_m, collection: string) => {
      const id = override ?? (method === 'delete' ? crypto.randomUUID() : (ids[collection] ?? crypto.randomUUID()));
      return `${collection}/${id}`;
    });
  }

  /** Query string that is valid apart from what the caller adds; waits are cut to 1 s should one run. */
  const baseQuery = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'query' && p.name === 'waitSeconds').map(() => 'waitSeconds=1');

  /** A value the schema accepts (best effort) for operations without a sample. */
  function synth(s: JsonSchema | undefined): unknown {
    if (!s) return undefined;
    const branch = s.anyOf?.find((b) => b.type !== 'null') ?? s.oneOf?.[0];
    if (branch) return synth(branch);
    if (s.default !== undefined) return s.default;
    if (s.enum) return s.enum[0];
    switch (Array.isArray(s.type) ? s.type[0] : s.type) {
      case 'object':
        return Object.fromEntries((s.required ?? []).map((k) => [k, synth(s.properties?.[k])]));
      case 'array':
        return [];
      case 'string':
        return s.format === 'uuid' ? crypto.randomUUID() : s.format === 'email' ? 'a@example.com' : 'x';
      case 'integer':
      case 'number':
        return s.minimum ?? 1;
      case 'boolean':
        return true;
      default:
        return 'x';
    }
  }

  /** Every property path of a body schema, nested objects and array items included. */
  function fieldPaths(s: JsonSchema | undefined, prefix: string[] = [], depth = 0): string[][] {
    if (!s || depth > 6) return [];
    const out: string[][] = [];
    for (const branch of [s, ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
      for (const [k, v] of Object.entries(branch.properties ?? {})) {
        out.push([...prefix, k], ...fieldPaths(v, [...prefix, k], depth + 1));
      }
      if (branch.items) out.push([...prefix, '0'], ...fieldPaths(branch.items, [...prefix, '0'], depth + 1));
    }
    return out;
  }

  function setAt(root: unknown, path: string[], value: unknown): unknown {
    const copy = structuredClone(root ?? {}) as Record<string, unknown>;
    let cur: any = copy;
    path.forEach((k, i) => {
      if (i === path.length - 1) cur[k] = value;
      else {
        if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = /^\d+$/.test(path[i + 1]) ? [] : {};
        cur = cur[k];
      }
    });
    return copy;
  }

  it('never answers 5xx, and answers every error in the envelope', async () => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(ops.length).toBeGreaterThan(30);

    for (const { path: template, method, op } of ops) {
      const tag = `${method.toUpperCase()} ${template}`;
      const q0 = baseQuery(op);
      const withQuery = (p: string, extra: string[] = []) => {
        const q = [...q0, ...extra];
        return q.length ? `${p}?${q.join('&')}` : p;
      };
      const body0 = samples[`${method} ${template}`]?.() ?? synth(op.requestBody?.content['application/json'].schema);
      const hasBody = !!op.requestBody;
      const validBody = hasBody ? JSON.stringify(body0) : undefined;
      const jsonHeaders = hasBody ? { 'content-type': 'application/json' } : undefined;

      // Path parameters.
      if (/\{\w+\}/.test(template)) {
        for (const [what, v] of BAD_PARAM)
          await send(`${tag} path ${what}`, method, withQuery(concrete(method, template, v)), { body: validBody, headers: jsonHeaders });
      }

      // Query parameters: bad values, repeated, forged cursors. The path and body are valid.
      const path = concrete(method, template);
      for (const p of (op.parameters ?? []).filter((x) => x.in === 'query')) {
        const others = q0.filter((q) => !q.startsWith(`${p.name}=`));
        const at = (extra: string[]) => (others.length || extra.length ? `${path}?${[...others, ...extra].join('&')}` : path);
        for (const [what, v] of BAD_PARAM)
          await send(`${tag} query ${p.name} ${what}`, method, at([`${p.name}=${v}`]), { body: validBody, headers: jsonHeaders });
        await send(`${tag} query ${p.name} repeated`, method, at([`${p.name}=1`, `${p.name}=2`]), { body: validBody, headers: jsonHeaders });
        if (p.name === 'cursor') {
          for (const c of FORGED_CURSORS)
            await send(`${tag} forged cursor`, method, at([`cursor=${encodeURIComponent(c)}`]), { body: validBody, headers: jsonHeaders });
        }
      }

      if (hasBody) {
        // Every field of the body, one bad value at a time, the rest valid.
        const schema = op.requestBody!.content['application/json'].schema;
        for (const field of fieldPaths(schema)) {
          for (const [what, v] of BAD_JSON) await json(`${tag} body ${field.join('.')} ${what}`, method, withQuery(path), setAt(body0, field, v));
        }
        // The body as a whole.
        for (const [what, raw] of [
          ['array', '[]'],
          ['string', '"x"'],
          ['number', '1'],
          ['null', 'null'],
          ['truncated', '{"a":'],
          ['nested 5000', deepText(5000)],
          ['lone surrogate key', '{"\\ud800":1}'],
          ['NUL key', '{"\\u0000":1}'],
          ['over 1 MB', JSON.stringify({ name: 'x'.repeat(1_100_000) })],
        ] as const) {
          await send(`${tag} body ${what}`, method, withQuery(path), { body: raw, headers: { 'content-type': 'application/json' } });
        }
        // Not declared as JSON: must not be ignored and answered as if the change were made.
        await send(`${tag} text/plain`, method, withQuery(path), { body: validBody, headers: { 'content-type': 'text/plain' } });
        await send(`${tag} no content type`, method, withQuery(path), { body: new TextEncoder().encode(validBody) });
        await send(`${tag} form`, method, withQuery(path), { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        await send(`${tag} utf-16 charset`, method, withQuery(path), { body: validBody, headers: { 'content-type': 'application/json; charset=utf-16' } });
      }
    }

    // Methods a path does not have.
    for (const [template, methods] of Object.entries(doc.paths)) {
      const path = concrete('get', template);
      for (const m of [...METHODS.filter((x) => !(x in methods)), 'PROPFIND']) {
        const init = m === 'get' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } };
        const status = await send(`${m.toUpperCase()} ${template} (not offered)`, m, path, init);
        if (status !== 405) sent[sent.length - 1].problem ??= `expected 405, got ${status}`;
      }
    }

    const problems = sent.filter((s) => s.problem);
    const fivexx = sent.filter((s) => s.status >= 500).length;
    // The figure in the report: how many requests, how many 5xx.
    process.stdout.write(`fuzz: ${sent.length} requests, ${fivexx} answered 5xx, ${problems.length} problems\n`);
    expect(problems.map((p) => `${p.what}: ${p.problem}`)).toEqual([]);
  }, 600_000);
});
