import fs from 'node:fs';
import path from 'node:path';
import { hashToken, newToken, PERMISSIONS } from '../api/auth';
import type { Db } from '../db/client';
import { GENETEC_SIM_DEFAULTS } from '../pacs/genetec/format-table';
import { ONGUARD_SIM_DEFAULTS } from '../pacs/onguard/evidence';
import type { Logger } from '../logging';
import { recordUserChangedAtStart } from '../audit/record';

/** A demo badge: the id the API takes, and the number on the card that guides, the PACS and the Temporal UI show. */
export interface DemoBadge {
  id: string;
  number: string;
  name: string;
}

export interface DemoTokens {
  admin: string;
  receptionist: string;
  locationId: string;
  badges: { onguard: DemoBadge[]; genetec: DemoBadge[] };
  accessRules: { onguard: string[]; genetec: string[] };
}

const DEMO_ADMIN_EMAIL = 'demo-admin@demo.local';

/**
 * The embedded default as a working demo: a location wired to both bundled simulators, refreshed, with
 * badges, a user group and a receptionist. It goes through the public API like an admin would, so the
 * demo exercises the real paths. Tokens are random per data directory and kept in DATA_DIR/demo.json (0600).
 */
export async function seedDemo(opts: {
  db: Db;
  apiUrl: string;
  dataDir: string;
  simulators: { onguard?: string; genetec?: string };
  log: Logger;
}): Promise<DemoTokens | null> {
  const file = path.join(opts.dataDir, 'demo.json');
  if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoTokens;
    if (await opts.db.location.findUnique({ where: { id: saved.locationId } })) return withBadgeNumbers(opts.db, file, saved);
  }
  if (!opts.simulators.onguard || !opts.simulators.genetec) return null;

  const adminToken = newToken();
  // Made before the API can be called with its token: the service's start is its actor.
  await opts.db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { email: DEMO_ADMIN_EMAIL } });
    const after = await tx.user.upsert({
      where: { email: DEMO_ADMIN_EMAIL },
      create: { name: 'Demo admin', email: DEMO_ADMIN_EMAIL, permissions: [...PERMISSIONS], tokenHash: hashToken(adminToken), allLocations: true },
      update: { tokenHash: hashToken(adminToken), allLocations: true },
    });
    await recordUserChangedAtStart(tx, before, after);
  });
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(opts.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { id: string; items: unknown; error?: { message?: string } };
    if (!res.ok) throw new Error(`demo seed: ${method} ${p} → ${res.status} ${json?.error?.message ?? ''}`);
    return json;
  };

  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const location = await call('POST', '/v1/locations', { name: 'Demo HQ', timezone, endOfDay: '18:00' });
  const providers = {
    onguard: await call('POST', `/v1/locations/${location.id}/providers`, {
      kind: 'onguard',
      name: 'OnGuard (simulator)',
      url: opts.simulators.onguard,
      ...ONGUARD_SIM_DEFAULTS,
    }),
    genetec: await call('POST', `/v1/locations/${location.id}/providers`, {
      kind: 'genetec',
      name: 'Genetec (simulator)',
      url: opts.simulators.genetec,
      ...GENETEC_SIM_DEFAULTS,
    }),
  };
  const badges: DemoTokens['badges'] = { onguard: [], genetec: [] };
  const accessRules: DemoTokens['accessRules'] = { onguard: [], genetec: [] };
  for (const kind of ['onguard', 'genetec'] as const) {
    const p = providers[kind];
    await call('POST', `/v1/providers/${p.id}/refresh`);
    const types = (await call('GET', `/v1/providers/${p.id}/badge-types`)).items as Array<{ id: string; name: string; manualEntry: boolean; status: string }>;
    const type = kind === 'onguard' ? types.find((t) => t.name === 'Visitor') : types.find((t) => /26/.test(t.name) && t.manualEntry);
    if (!type) throw new Error(`demo seed: no visitor badge type on the ${kind} simulator`);
    const first = kind === 'onguard' ? 1001 : 2001;
    for (let i = 0; i < 5; i++) {
      const b = (await call('POST', `/v1/providers/${p.id}/badges`, {
        name: `Lobby badge ${i + 1}`,
        uniqueId: String(first + i),
        badgeTypeId: type.id,
      })) as unknown as { id: string; uniqueId: string; name: string };
      badges[kind].push({ id: b.id, number: b.uniqueId, name: b.name });
    }
    const rules = (await call('GET', `/v1/providers/${p.id}/access-rules`)).items as Array<{ id: string; name: string }>;
    const preferred = kind === 'genetec' ? rules.filter((r) => /visitor/i.test(r.name)) : rules;
    accessRules[kind] = (preferred.length ? preferred : rules).slice(0, 2).map((r) => r.id);
  }
  const receptionistToken = newToken();
  const receptionist = await opts.db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { email: 'reception@demo.local' } });
    const after = await tx.user.upsert({
      where: { email: 'reception@demo.local' },
      create: {
        name: 'Demo receptionist',
        email: 'reception@demo.local',
        permissions: ['provisionBadge', 'signOut', 'viewVisits'],
        tokenHash: hashToken(receptionistToken),
      },
      update: { tokenHash: hashToken(receptionistToken) },
    });
    await recordUserChangedAtStart(tx, before, after);
    return after;
  });
  await call('POST', '/v1/user-groups', {
    name: 'Demo reception',
    accessRuleIds: [...accessRules.onguard, ...accessRules.genetec],
    userIds: [receptionist.id],
  });
  const tokens: DemoTokens = { admin: adminToken, receptionist: receptionistToken, locationId: location.id, badges, accessRules };
  fs.mkdirSync(opts.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  opts.log.info({ locationId: location.id }, 'demo data seeded');
  return tokens;
}

/**
 * demo.json files written before badge numbers were kept list bare ids: the walkthrough and the guides
 * speak of card numbers (1001, 2001), so the file is completed from the database once.
 */
async function withBadgeNumbers(db: Db, file: string, saved: DemoTokens): Promise<DemoTokens> {
  const legacy = saved.badges as unknown as Record<'onguard' | 'genetec', Array<string | DemoBadge>>;
  if (![...legacy.onguard, ...legacy.genetec].some((b) => typeof b === 'string')) return saved;
  const upgrade = async (list: Array<string | DemoBadge>) => {
    const out: DemoBadge[] = [];
    for (const b of list) {
      if (typeof b !== 'string') out.push(b);
      else {
        const row = await db.securityBadge.findUnique({ where: { id: b } });
        if (row) out.push({ id: row.id, number: row.uniqueId, name: row.name });
      }
    }
    return out;
  };
  const upgraded: DemoTokens = { ...saved, badges: { onguard: await upgrade(legacy.onguard), genetec: await upgrade(legacy.genetec) } };
  fs.writeFileSync(file, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
  return upgraded;
}
