import crypto from 'node:crypto';
import { syncCatalog } from '../../../src/domain/sync';
import { refreshScheduleId } from '../../../src/workflows/ids';
import type { CatalogAccessRule, CatalogBadgeType } from '../../../src/pacs/types';
import type { TestApi } from '../../helpers/api';

export const PASSWORD = 'S3cret-PACS-pass!word-0xF00D';

export function ok<T = any>(r: { status: number; body: any }, what: string): T {
  if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

export async function createLocation(api: TestApi, name = 'Berlin HQ') {
  return ok(await api.call('POST', '/v1/locations', { body: { name, timezone: 'Europe/Berlin', endOfDay: '18:00' } }), 'location');
}

export function onguardBody(extra: Record<string, unknown> = {}) {
  return { kind: 'onguard', name: 'OnGuard main', url: 'https://onguard.example:8080', username: 'sa', password: PASSWORD, ...extra };
}

export function genetecBody(extra: Record<string, unknown> = {}) {
  return {
    kind: 'genetec',
    name: 'Genetec main',
    url: 'https://gsc.example:4590/WebSdk',
    username: 'admin',
    password: PASSWORD,
    applicationId: 'KjB9Q7/app',
    ...extra,
  };
}

export async function createProvider(api: TestApi, locationId: string, body: Record<string, unknown> = onguardBody()) {
  return ok(await api.call('POST', `/v1/locations/${locationId}/providers`, { body }), 'provider');
}

/**
 * Pauses the provider's refresh schedule, for tests that count what their own refreshes find: interval
 * schedules fire on the clock (hourly: at :00), so a run across the hour would find a refresh already done.
 */
export async function pauseScheduledRefresh(api: TestApi, providerId: string) {
  await api.temporal.schedule.getHandle(refreshScheduleId(providerId)).pause('tests refresh by hand');
}

/**
 * A user of every location unless `allLocations: false`: these suites test permissions and configuration
 * rules, written before location scoping; test/api/scoping.test.ts tests the locations.
 */
export async function createUser(api: TestApi, name: string, permissions: string[], opts: { allLocations?: boolean } = {}) {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  return ok<{ id: string; token: string }>(
    await api.call('POST', '/v1/users', { body: { name, email, permissions, allLocations: opts.allLocations ?? true } }),
    'user',
  );
}

/** Puts a catalogue into the database the way a refresh would, without a PACS. */
export async function seedCatalog(api: TestApi, providerId: string, catalog: { accessRules?: CatalogAccessRule[]; badgeTypes?: CatalogBadgeType[] }) {
  await syncCatalog(api.db.prisma, providerId, { accessRules: catalog.accessRules ?? [], badgeTypes: catalog.badgeTypes ?? [] }, new Date());
  const rules = await api.db.prisma.accessRule.findMany({ where: { providerId } });
  const types = await api.db.prisma.badgeType.findMany({ where: { providerId } });
  return {
    rule: (externalId: string) => rules.find((r) => r.externalId === externalId)!.id,
    type: (externalId: string) => types.find((t) => t.externalId === externalId)!.id,
  };
}

export const STANDARD_TYPES: CatalogBadgeType[] = [
  { externalId: '1', name: 'Visitor', manualEntry: true, idRange: { min: '1000', max: '1999' } },
  { externalId: '2', name: 'Employee', manualEntry: false, idRange: { min: '1', max: '99999' } },
  { externalId: '3', name: 'Contractor', manualEntry: true },
];

export const STANDARD_RULES: CatalogAccessRule[] = [
  { externalId: '10', name: 'Lobby' },
  { externalId: '11', name: 'Floor 2' },
  { externalId: '12', name: 'Server room' },
];

/** Opens a visit holding the badge, as the visit workflow would, so in-use rules can be exercised. */
export async function openVisit(api: TestApi, opts: { locationId: string; providerId: string; badgeId: string; status?: string; holds?: boolean }) {
  const id = crypto.randomUUID();
  await api.db.prisma.visit.create({
    data: {
      id,
      workflowId: `visit-${id}`,
      locationId: opts.locationId,
      providerId: opts.providerId,
      badgeId: opts.badgeId,
      activeBadgeId: opts.holds === false ? null : opts.badgeId,
      status: opts.status ?? 'active',
      visitor: { firstName: 'Ada', lastName: 'Lovelace' },
      accessRuleIds: [],
    },
  });
  return id;
}

/** A workflow's history as text with every payload decoded, so a secret cannot hide in base64 bytes. */
export async function historyText(api: TestApi, workflowId: string): Promise<string> {
  const history = await api.temporal.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(history, (_k, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data).toString('utf8');
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

/** Workflow IDs of this type that ran for the provider (visibility is eventually consistent: poll). */
export async function workflowIds(api: TestApi, query: string, atLeast = 1): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const ids: string[] = [];
    for await (const w of api.temporal.workflow.list({ query })) ids.push(w.workflowId);
    if (ids.length >= atLeast) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
  return [];
}

export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
