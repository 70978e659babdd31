import { ApplicationFailure } from '@temporalio/common';
import { createVisitPacsActivities } from '../../src/activities/visit';
import type { ActivityDeps } from '../../src/activities';
import { createPacsAdapter } from '../../src/pacs/registry';
import type { PacsAdapter, PacsKind } from '../../src/pacs/types';
import { startGenetecSimulator, type GenetecSimulator } from '../../src/simulators/genetec/server';
import { SEED } from '../../src/simulators/genetec/store';
import { startOnGuardSimulator, type OnGuardSimulator } from '../../src/simulators/onguard/server';
import { simRequest } from '../helpers/sim';

/**
 * PACS requests per provision and per deprovision, counted by the simulators (GET /__sim/stats), through the
 * visit activities themselves (prepareProvision, issueAndGrant, revokeAndDeactivate) with the database held
 * in memory. The exact counts are the point: the precheck looks up the visit's badge type and access rules
 * by ID, and a change that brings back the catalogue listing (or another lookup) fails here.
 */

interface Rule {
  id: string;
  providerId: string;
  externalId: string;
  name: string;
}

/** The visit rows the PACS activities read and write, in memory. */
function memoryDb(visits: Map<string, any>, rules: Rule[]) {
  return {
    visit: {
      findUnique: async ({ where }: { where: { id: string } }) => visits.get(where.id) ?? null,
      findUniqueOrThrow: async ({ where }: { where: { id: string } }) => {
        const v = visits.get(where.id);
        if (!v) throw new Error(`no visit ${where.id}`);
        return v;
      },
      update: async ({ where, data }: { where: { id: string }; data: Record<string, unknown> }) => Object.assign(visits.get(where.id), data),
    },
    // saveRefs' one-statement merge into Visit.pacsRefs: (JSON to merge, keys to remove, updatedAt, visit ID).
    $executeRaw: async (_sql: TemplateStringsArray, set: string, removed: string[], _at: Date, id: string) => {
      const v = visits.get(id);
      if (!v) return 0;
      const refs = { ...(v.pacsRefs ?? {}), ...JSON.parse(set) };
      for (const k of removed) delete refs[k];
      v.pacsRefs = refs;
      return 1;
    },
    accessRule: {
      findMany: async ({ where }: { where: { id: { in: string[] }; providerId: string } }) =>
        rules.filter((r) => where.id.in.includes(r.id) && r.providerId === where.providerId),
    },
  };
}

interface Setup {
  kind: PacsKind;
  sim: OnGuardSimulator | GenetecSimulator;
  adapter: PacsAdapter;
  /** External IDs of the access rules a visit gets. */
  ruleIds: string[];
  badgeType: { externalId: string; name: string; idMin: bigint | null; idMax: bigint | null; details: unknown };
  badgeNumber: (n: number) => string;
}

async function setUp(kind: PacsKind): Promise<Setup> {
  const sim = kind === 'onguard' ? await startOnGuardSimulator() : await startGenetecSimulator();
  const adapter = createPacsAdapter({
    kind,
    url: sim.providerUrl,
    username: sim.credentials.username,
    password: sim.credentials.password,
    applicationId: sim.credentials.applicationId,
    tls: { verify: true },
    maxConcurrentRequests: 4,
  });
  // What the admin's catalogue refresh stored.
  const types = await adapter.listBadgeTypes();
  const t = kind === 'onguard' ? types.find((x) => x.name === 'Visitor')! : types.find((x) => /26/.test(x.name) && x.manualEntry)!;
  return {
    kind,
    sim,
    adapter,
    ruleIds: kind === 'onguard' ? ['1', '2'] : [SEED.groups.lobbyVisitors, SEED.groups.floor3Visitors],
    badgeType: { externalId: t.externalId, name: t.name, idMin: null, idMax: null, details: t.details ?? null },
    badgeNumber: (n) => String((kind === 'onguard' ? 1700 : 2700) + n),
  };
}

const stats = async (s: Setup): Promise<number> => (await simRequest(s.sim.origin, 'GET', '/__sim/stats')).requests;

/** The activities over one provider, and a way to add visits to the in-memory database. */
function harness(s: Setup, opts: { ruleIds?: string[]; badgeType?: Setup['badgeType'] } = {}) {
  const visits = new Map<string, any>();
  const rules: Rule[] = (opts.ruleIds ?? s.ruleIds).map((externalId, i) => ({ id: `rule-${i}`, providerId: 'provider-1', externalId, name: `Rule ${i}` }));
  const deps = {
    db: memoryDb(visits, rules),
    pacs: { forProvider: async () => s.adapter },
    logger: console,
  } as unknown as ActivityDeps;
  const acts = createVisitPacsActivities(deps);
  let n = 0;
  const addVisit = () => {
    n++;
    const id = `visit-${s.kind}-${n}-${Date.now()}`;
    visits.set(id, {
      id,
      providerId: 'provider-1',
      provider: { id: 'provider-1', kind: s.kind },
      accessRuleIds: rules.map((r) => r.id),
      visitor: { firstName: 'Count', lastName: `Requests ${n}`, email: `count${n}.${id}@example.com` },
      badge: { uniqueId: s.badgeNumber(n), name: `Card ${n}`, badgeType: opts.badgeType ?? s.badgeType },
      pacsRefs: null,
    });
    return id;
  };
  const endsAt = () => new Date(Date.now() + 3_600_000).toISOString();
  return {
    acts,
    addVisit,
    async provision(visitId: string) {
      const { personId } = await acts.prepareProvision({ visitId });
      await acts.issueAndGrant({ visitId, personId, endsAt: endsAt() });
    },
    deprovision: (visitId: string) => acts.revokeAndDeactivate({ visitId }),
  };
}

async function counted<T>(s: Setup, fn: () => Promise<T>): Promise<number> {
  const before = await stats(s);
  await fn();
  return (await stats(s)) - before;
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApplicationFailure) return e;
    throw e;
  }
  throw new Error('expected the activity to fail');
}

/**
 * What each provider costs now, with one access rule per visit for the provision and deprovision. When the
 * precheck listed both catalogues it took 3 (OnGuard) and 6 (Genetec) requests, and a provision 12 and 19:
 * on OnGuard listing the badge types also dropped the cached badge statuses, which cost one more read.
 */
const EXPECTED = {
  onguard: { precheck: 2, catalogues: 3, provision: 10, deprovision: 5 },
  genetec: { precheck: 2, catalogues: 6, provision: 15, deprovision: 4 },
} as const;

describe.each(['onguard', 'genetec'] as const)('%s: PACS requests of a provision', (kind) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(kind);
  });
  afterAll(async () => {
    await s.adapter.close();
    await s.sim.close();
  });

  it('the precheck asks for the badge type and the visit’s access rules, fewer requests than listing the catalogues', async () => {
    const h = harness(s);
    const visitId = h.addVisit();
    await h.acts.precheckConfiguration({ visitId }); // signs in first
    const precheck = await counted(s, () => h.acts.precheckConfiguration({ visitId }));
    const catalogues = await counted(s, async () => {
      await s.adapter.listBadgeTypes();
      await s.adapter.listAccessRules();
    });
    expect({ precheck, catalogues }).toEqual({ precheck: EXPECTED[kind].precheck, catalogues: EXPECTED[kind].catalogues });
    expect(precheck).toBeLessThan(catalogues);
  });

  it('counts a whole provision and deprovision in the steady state (signed in, badge statuses known)', async () => {
    const h = harness(s, { ruleIds: s.ruleIds.slice(0, 1) });
    const warm = h.addVisit();
    await h.provision(warm);
    await h.deprovision(warm);
    const visitId = h.addVisit();
    const provision = await counted(s, () => h.provision(visitId));
    const deprovision = await counted(s, () => h.deprovision(visitId));
    expect({ provision, deprovision }).toEqual({ provision: EXPECTED[kind].provision, deprovision: EXPECTED[kind].deprovision });
  });

  it('still fails the precheck with BADGE_TYPE_MISSING and ACCESS_RULE_MISSING, naming the missing rule', async () => {
    const goneType = harness(s, { badgeType: { ...s.badgeType, externalId: kind === 'onguard' ? '99' : '0badf00d-0000-4000-8000-000000000999' } });
    expect(await failure(goneType.acts.precheckConfiguration({ visitId: goneType.addVisit() }))).toMatchObject({ type: 'BADGE_TYPE_MISSING' });
    const goneRule = harness(s, { ruleIds: [s.ruleIds[0], kind === 'onguard' ? '999' : '0badf00d-0000-4000-8000-000000000998'] });
    const e = await failure(goneRule.acts.precheckConfiguration({ visitId: goneRule.addVisit() }));
    expect(e).toMatchObject({ type: 'ACCESS_RULE_MISSING' });
    expect(e.message).toContain('"Rule 1"');
    expect(e.message).not.toContain('"Rule 0"');
  });
});
