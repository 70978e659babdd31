import type { VisitEnv } from './visit-env';

/** What the simulator (not our client) holds for a badge number: independent evidence for assertions. */
export interface PacsBadgeView {
  exists: boolean;
  active: boolean;
  holderId?: string;
  /** Expiry written into the PACS (OnGuard DEACTIVATE, Genetec credential expiration). */
  expiresAt?: string;
  /** Access granted through this badge/person (OnGuard access level IDs, Genetec group GUIDs). */
  access: string[];
  count: number;
}

export async function pacsBadge(env: VisitEnv, uniqueId: string): Promise<PacsBadgeView> {
  const state = await env.simCall('GET', '/__sim/state');
  if (env.kind === 'onguard') {
    const badges = (state.instances.Lnl_Badge as any[]).filter((b) => String(b.ID) === uniqueId);
    const b = badges[0];
    if (!b) return { exists: false, active: false, access: [], count: 0 };
    const access = (state.instances.Lnl_AccessLevelAssignment as any[]).filter((a) => a.BadgeKey === b.BADGEKEY).map((a) => String(a.AccessLevelID));
    return { exists: true, active: b.STATUS === 1, holderId: String(b.PERSONID), expiresAt: b.DEACTIVATE ?? undefined, access, count: badges.length };
  }
  return genetecBadge(state, uniqueId);
}

export async function pacsPeopleNamed(env: VisitEnv, lastName: string): Promise<number> {
  const state = await env.simCall('GET', '/__sim/state');
  if (env.kind === 'onguard') return (state.instances.Lnl_Visitor as any[]).filter((v) => v.LASTNAME === lastName).length;
  return genetecPeople(state).filter((p: any) => p.LastName === lastName).length;
}

function genetecBadge(state: any, uniqueId: string): PacsBadgeView {
  const creds = genetecEntities(state).filter((e) => e.EntityType === 'Credential' && String(e.Format?.CardId) === uniqueId);
  const c = creds[0];
  if (!c) return { exists: false, active: false, access: [], count: 0 };
  const assigned = c.CardholderGuid && !/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(c.CardholderGuid);
  const person = assigned ? genetecPeople(state).find((p) => p.Guid === c.CardholderGuid) : undefined;
  return {
    exists: true,
    active: c.Status?.State === 'Active',
    holderId: assigned ? c.CardholderGuid : undefined,
    expiresAt: c.Status?.ExpirationDate,
    access: person?.Groups ?? [],
    count: creds.length,
  };
}

/** The Genetec simulator's /__sim/state: `entities` in the Web SDK's own JSON shape. */
export const genetecEntities = (state: any): any[] => state.entities;

function genetecPeople(state: any): any[] {
  return genetecEntities(state).filter((e) => e.EntityType === 'Visitor' || e.EntityType === 'Cardholder');
}

/** Makes the PACS refuse the service account's password, as after a routine rotation. */
export async function rotatePassword(env: VisitEnv, password: string) {
  const { username } = env.sim.credentials;
  if (env.kind === 'onguard') {
    await env.simCall('POST', '/__sim/seed', { users: [{ user_name: username, password }] });
    await env.simCall('POST', '/__sim/session/expire', {});
  } else {
    await env.simCall('PUT', '/__sim/config', { users: [{ username, password }] });
  }
}
