import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { startTestApi, type TestApi } from '../helpers/api';
import { createLocation, createProvider, ok, openVisit, seedCatalog, STANDARD_RULES, STANDARD_TYPES } from './admin/helpers';

/**
 * What an integrator does with /openapi.json: generate a typed client with openapi-typescript and
 * compile code that calls every operation. A route without a success schema gives its 2xx
 * `content?: never` and the generated check below stops compiling.
 */

type Op = {
  operationId?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  security?: unknown[];
};
type Doc = {
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  servers?: unknown[];
};

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

function operations(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([method, op]) => ({ path: p, method, op })));
}

const successOf = (op: Op) =>
  Object.keys(op.responses)
    .filter((s) => /^2\d\d$/.test(s))
    .sort()[0];

/** openapi-typescript's output for `doc`, in a fresh directory. */
function generate(doc: unknown) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-client-'));
  fs.writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(doc));
  execFileSync(process.execPath, [CLI, path.join(dir, 'openapi.json'), '-o', path.join(dir, 'schema.d.ts')], { stdio: 'pipe' });
  return dir;
}

/** A file that names every operation's success body and fails to compile if any is `never` or `unknown`. */
function everyOperation(doc: Doc) {
  const lines = [
    "import type { paths, operations, components } from './schema';",
    'type Success<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends { responses: { [K in S]: { content: infer C } } } ? C[keyof C] : never;',
    // `never` (no content) and `unknown` (an empty schema) both fail: an integrator gets nothing from either.
    'type Real<T> = [T] extends [never] ? false : unknown extends T ? false : true;',
    'function expectReal<T>(ok: Real<T>): void { void ok; }',
    // A 204's `content?: never` reads as undefined.
    'function expectNone<T>(ok: [T] extends [undefined] ? true : false): void { void ok; }',
    'type AnySuccess<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }',
    '  ? { [K in keyof R & (200 | 201 | 202)]: R[K] extends { content: infer C } ? C[keyof C] : never }[keyof R & (200 | 201 | 202)]',
    '  : never;',
  ];
  for (const { path: p, method, op } of operations(doc)) {
    const s = successOf(op);
    lines.push(`// ${op.operationId}: ${method.toUpperCase()} ${p} → ${s}`);
    if (s === '204') lines.push(`expectNone<paths['${p}']['${method}']['responses'][204]['content']>(true);`);
    else lines.push(`expectReal<Success<'${p}', '${method}', ${s}>>(true);`);
    // Generated `operations` are keyed by operationId: a client's method names.
    lines.push(`type _${op.operationId} = operations['${op.operationId}'];`);
  }
  // What a caller writes (openapi-fetch style), typed from the contract.
  lines.push(`
declare function call<P extends keyof paths, M extends keyof paths[P]>(path: P, method: M): Promise<AnySuccess<P, M>>;
async function reception() {
  const body: paths['/v1/visits']['post']['requestBody']['content']['application/json'] = {
    locationId: 'l', badgeId: 'b', accessRuleIds: ['r'], visitor: { firstName: 'Ada', lastName: 'Lovelace' },
  };
  const header: NonNullable<paths['/v1/visits']['post']['parameters']['header']> = { 'Idempotency-Key': 'k' };
  void body; void header;
  const visit = await call('/v1/visits', 'post');
  const status: 'provisioning' | 'awaiting_approval' | 'active' | 'provision_failed' | 'deprovisioning' | 'completed' = visit.status;
  const at: string = visit.timeline[0].at;
  const page = await call('/v1/visits', 'get');
  const next: string | undefined = page.nextCursor;
  const first: string = page.items[0].badge.uniqueId;
  const options = await call('/v1/locations/{id}/provisioning-options', 'get');
  const badgeId: string = options.badges[0].id;
  const refresh = await call('/v1/providers/{id}/refresh', 'post');
  const err: components['schemas']['Error'] = { error: { code: 'NOT_FOUND', message: 'x' } };
  const conflict: paths['/v1/visits']['post']['responses'][409]['content']['application/json'] = err;
  // @ts-expect-error the password is write-only: no view has it
  void (await call('/v1/providers/{id}', 'get')).password;
  return [status, at, next, first, badgeId, refresh, conflict];
}
void reception;
`);
  return lines.join('\n');
}

function compile(dir: string, source: string) {
  const file = path.join(dir, 'client.ts');
  fs.writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

describe('the OpenAPI contract', () => {
  let api: TestApi;
  let doc: Doc;
  beforeAll(async () => {
    api = await startTestApi();
    doc = ok(await api.call('GET', '/openapi.json', { token: null }), 'openapi');
  });
  afterAll(() => api.close());

  it('names every operation once, in camelCase, and answers each with a schema or 204', () => {
    const ops = operations(doc);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ops.length).toBeGreaterThanOrEqual(43);
    for (const { path: p, method, op } of ops) {
      const s = successOf(op);
      expect({ op: `${method} ${p}`, s: s !== undefined }).toEqual({ op: `${method} ${p}`, s: true });
      if (s === '204') continue;
      const content = op.responses[s].content ?? {};
      expect({ op: `${method} ${p}`, types: Object.keys(content) }).toEqual({
        op: `${method} ${p}`,
        types: [p === '/metrics' ? 'text/plain' : 'application/json'],
      });
    }
  });

  it('gives every error answer the Error schema, and 401/404/415 where they apply', () => {
    expect(doc.components.schemas.Error).toBeDefined();
    for (const { path: p, method, op } of operations(doc)) {
      for (const [status, r] of Object.entries(op.responses)) {
        // /readyz answers 503 with the readiness report that says what is failing.
        if (Number(status) < 400 || (p === '/readyz' && status === '503')) continue;
        expect({ op: `${method} ${p} ${status}`, ref: r.content?.['application/json']?.schema.$ref }).toEqual({
          op: `${method} ${p} ${status}`,
          ref: '#/components/schemas/Error',
        });
      }
      if (op.security?.length !== 0) expect(op.responses['401']).toBeDefined();
      if (p.includes('{id}')) expect(op.responses['404']).toBeDefined();
    }
    expect(Object.keys(doc.paths['/v1/visits'].post.responses).sort()).toEqual(['202', '400', '401', '403', '409', '413', '415', '422', '500', '503']);
    expect(doc.paths['/v1/visits/{id}/retry'].post.responses['409']).toBeDefined();
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
  });

  it('declares Idempotency-Key, bearer security and servers', () => {
    const header = doc.paths['/v1/visits'].post.parameters?.find((p) => p.in === 'header');
    expect(header).toMatchObject({ name: 'Idempotency-Key', required: false });
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.servers?.length).toBeGreaterThan(0);
  });

  it('generates a client that types every operation (openapi-typescript, tsc)', () => {
    const dir = generate(doc);
    try {
      expect(compile(dir, everyOperation(doc))).toEqual([]);
    } finally {
      if (process.env.KEEP_CLIENT) console.log(dir);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('would fail that check for an operation without a success schema', () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Doc;
    delete broken.paths['/v1/visits/{id}'].get.responses['200'].content;
    const dir = generate(broken);
    try {
      const errors = compile(dir, everyOperation(broken));
      expect(errors.join('\n')).toMatch(/client\.ts:\d+ /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('answers what it documents: real responses validate against their declared schemas', async () => {
    // zod's own JSON Schema reader, over the document's components (additionalProperties: false included).
    const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'));
    const checked: string[] = [];
    const conform = async (method: string, template: string, actual: string, body?: unknown, token?: string) => {
      const r = await api.call(method, actual, { body, ...(token ? { token } : {}) });
      const op = doc.paths[template][method.toLowerCase()];
      const declared = op.responses[String(r.status)];
      expect({ op: `${method} ${template}`, status: r.status, declared: !!declared }).toEqual({
        op: `${method} ${template}`,
        status: r.status,
        declared: true,
      });
      const schema = declared.content?.['application/json']?.schema;
      if (r.status === 204) expect(schema).toBeUndefined();
      else {
        const v = z.fromJSONSchema({ $defs: defs, $ref: schema!.$ref!.replace('#/components/schemas/', '#/$defs/') } as never).safeParse(r.body);
        expect({ op: `${method} ${template} ${r.status}`, issues: v.error?.issues ?? [] }).toEqual({ op: `${method} ${template} ${r.status}`, issues: [] });
      }
      checked.push(`${method} ${template} ${r.status}`);
      return r.body;
    };
    await conform('GET', '/healthz', '/healthz');
    await conform('GET', '/readyz', '/readyz');
    await conform('GET', '/openapi.json', '/openapi.json');
    await conform('GET', '/v1/me', '/v1/me');
    const loc = (await createLocation(api, 'Contract HQ')).id;
    await conform('GET', '/v1/locations', '/v1/locations?limit=1');
    await conform('GET', '/v1/locations/{id}', `/v1/locations/${loc}`);
    await conform('PATCH', '/v1/locations/{id}', `/v1/locations/${loc}`, { endOfDay: '19:00' });
    const provider = (await createProvider(api, loc)).id;
    await conform('GET', '/v1/providers/{id}', `/v1/providers/${provider}`);
    await conform('PATCH', '/v1/providers/{id}', `/v1/providers/${provider}`, {
      settings: { releaseOnDeactivate: true },
      tls: { fingerprint: 'ab'.repeat(32) },
    });
    await conform('GET', '/v1/locations/{id}/providers', `/v1/locations/${loc}/providers`);
    const ids = await seedCatalog(api, provider, { accessRules: STANDARD_RULES, badgeTypes: STANDARD_TYPES });
    await conform('GET', '/v1/providers/{id}/access-rules', `/v1/providers/${provider}/access-rules`);
    await conform('GET', '/v1/providers/{id}/badge-types', `/v1/providers/${provider}/badge-types`);
    const badge = await conform('POST', '/v1/providers/{id}/badges', `/v1/providers/${provider}/badges`, {
      name: 'C1',
      uniqueId: '1001',
      badgeTypeId: ids.type('1'),
    });
    const spare = await conform('POST', '/v1/providers/{id}/badges', `/v1/providers/${provider}/badges`, {
      name: 'C2',
      uniqueId: '1002',
      badgeTypeId: ids.type('1'),
    });
    await conform('PATCH', '/v1/badges/{id}', `/v1/badges/${spare.id}`, { name: 'C2b' });
    await conform('GET', '/v1/providers/{id}/badges', `/v1/providers/${provider}/badges?limit=1`);
    const user = await conform('POST', '/v1/users', '/v1/users', {
      name: 'Desk',
      email: `desk.${Date.now()}@example.com`,
      permissions: ['provisionBadge', 'signOut'],
    });
    await conform('PATCH', '/v1/users/{id}', `/v1/users/${user.id}`, { rotateToken: true });
    await conform('GET', '/v1/users', '/v1/users');
    await conform('GET', '/v1/users/{id}', `/v1/users/${user.id}`);
    const group = await conform('POST', '/v1/user-groups', '/v1/user-groups', {
      name: `Desk ${Date.now()}`,
      accessRuleIds: [ids.rule('10')],
      userIds: [user.id],
      locationIds: [loc],
    });
    await conform('PATCH', '/v1/user-groups/{id}', `/v1/user-groups/${group.id}`, { name: `Desk b ${Date.now()}` });
    await conform('GET', '/v1/user-groups', '/v1/user-groups');
    await conform('GET', '/v1/user-groups/{id}', `/v1/user-groups/${group.id}`);
    await conform('GET', '/v1/locations/{id}/provisioning-options', `/v1/locations/${loc}/provisioning-options`, undefined, user.token);
    const visit = await openVisit(api, { locationId: loc, providerId: provider, badgeId: badge.id, status: 'deprovisioning' });
    await api.db.prisma.visit.update({
      where: { id: visit },
      data: {
        endsAt: new Date(),
        accessRuleIds: [ids.rule('10')],
        lastError: { code: 'PACS_UNREACHABLE', message: 'm', during: 'switching the badge off', attempts: 2, since: new Date().toISOString() },
      },
    });
    await api.db.prisma.visitEvent.createMany({
      data: [
        { visitId: visit, status: 'provisioning', detail: 'signed in' },
        { visitId: visit, status: 'active' },
      ],
    });
    await conform('GET', '/v1/visits', `/v1/visits?locationId=${loc}`);
    await conform('GET', '/v1/visits/{id}', `/v1/visits/${visit}`);
    await conform('GET', '/v1/providers/{id}/reconciliation', `/v1/providers/${provider}/reconciliation`);
    // Documented errors have the Error shape too.
    await conform('GET', '/v1/visits/{id}', '/v1/visits/00000000-0000-4000-8000-000000000000');
    await conform('POST', '/v1/visits', '/v1/visits', {
      locationId: loc,
      badgeId: badge.id,
      accessRuleIds: [ids.rule('10')],
      visitor: { firstName: 'A', lastName: 'B' },
    });
    await conform('DELETE', '/v1/badges/{id}', `/v1/badges/${badge.id}`);
    await conform('DELETE', '/v1/badges/{id}', `/v1/badges/${spare.id}`);
    await conform('DELETE', '/v1/user-groups/{id}', `/v1/user-groups/${group.id}`);
    await conform('DELETE', '/v1/users/{id}', `/v1/users/${user.id}`);
    expect(checked.length).toBe(34);
  });

  it('tells a caller who sends a card number as badgeId which id to send', async () => {
    const r = await api.call('POST', '/v1/visits', {
      body: { locationId: 'Lobby', badgeId: '1001', accessRuleIds: [42], visitor: { firstName: 'Ada', lastName: 'Lovelace' } },
    });
    expect(r.status).toBe(400);
    const byPath = Object.fromEntries((r.body.error.details.issues as Array<{ path: string; message: string }>).map((i) => [i.path, i.message]));
    expect(byPath.badgeId).toMatch(/"1001" looks like a card number; this is the badge's id, a UUID from GET \/v1\/providers\/:id\/badges/);
    expect(byPath.locationId).toMatch(/location's id, a UUID from GET \/v1\/locations/);
    expect(byPath['accessRuleIds.0']).toMatch(/access rule's id/);
  });
});
