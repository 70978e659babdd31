import fs from 'node:fs';
import path from 'node:path';
import { hashToken, newToken, PERMISSIONS } from '../api/auth';
import type { Db } from '../db/client';
import { GENETEC_SIM_DEFAULTS } from '../pacs/genetec/format-table';
import { ONGUARD_SIM_DEFAULTS } from '../pacs/onguard/evidence';
import type { Logger } from '../logging';

export interface DemoTokens {
  admin: string;
  receptionist: string;
  locationId: string;
  badges: { onguard: string[]; genetec: string[] };
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
    if (await opts.db.location.findUnique({ where: { id: saved.locationId } })) return saved;
  }
  if (!opts.simulators.onguard || !opts.simulators.genetec) return null;

  const adminToken = newToken();
  await opts.db.user.upsert({
    where: { email: DEMO_ADMIN_EMAIL },
    create: { name: 'Demo admin', email: DEMO_ADMIN_EMAIL, permissions: [...PERMISSIONS], tokenHash: hashToken(adminToken), allLocations: true },
    update: { tokenHash: hashToken(adminToken), allLocations: true },
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
      const b = await call('POST', `/v1/providers/${p.id}/badges`, { name: `Lobby badge ${i + 1}`, uniqueId: String(first + i), badgeTypeId: type.id });
      badges[kind].push(b.id);
    }
    const rules = (await call('GET', `/v1/providers/${p.id}/access-rules`)).items as Array<{ id: string; name: string }>;
    const preferred = kind === 'genetec' ? rules.filter((r) => /visitor/i.test(r.name)) : rules;
    accessRules[kind] = (preferred.length ? preferred : rules).slice(0, 2).map((r) => r.id);
  }
  const receptionistToken = newToken();
  const receptionist = await opts.db.user.upsert({
    where: { email: 'reception@demo.local' },
    create: { name: 'Demo receptionist', email: 'reception@demo.local', permissions: ['provisionBadge', 'signOut', 'viewVisits'], tokenHash: hashToken(receptionistToken) },
    update: { tokenHash: hashToken(receptionistToken) },
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
