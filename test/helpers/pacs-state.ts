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
    const access = (state.instances.Lnl_AccessLevelAssignment as any[])
      .filter((a) => a.BadgeKey === b.BADGEKEY)
      .map((a) => String(a.AccessLevelID));
    return { exists: true, active: b.STATUS === 1, holderId: String(b.PERSONID), expiresAt: b.DEACTIVATE ?? undefined, access, count: badges.length };
  }
  return genetecBadge(state, uniqueId);
}

export async function pacsPeopleNamed(env: VisitEnv, lastName: string): Promise<number> {
  const state = await env.simCall('GET', '/__sim/state');
  if (env.kind === 'onguard') return (state.instances.Lnl_Visitor as any[]).filter((v) => v.LASTNAME === lastName).length;
  return genetecPeople(state).filter((p: any) => p.LastName === lastName).length;
}

// Filled in against the Genetec simulator's /__sim/state shape.
function genetecBadge(state: any, uniqueId: string): PacsBadgeView {
  const creds = genetecEntities(state).filter(
    (e: any) => /credential/i.test(e.EntityType ?? e.type ?? '') && String(e.Format?.CardId ?? e.cardNumber ?? e.format?.cardNumber) === uniqueId,
  );
  const c = creds[0];
  if (!c) return { exists: false, active: false, access: [], count: 0 };
  const holder = c.CardholderGuid ?? c.cardholderGuid;
  const assigned = holder && !/^0{8}-?0{4}-?0{4}-?0{4}-?0{12}$/.test(holder);
  const person = assigned ? genetecPeople(state).find((p: any) => (p.Guid ?? p.guid) === holder) : undefined;
  const state_ = c.Status?.State ?? c.state;
  return {
    exists: true,
    active: state_ === 'Active',
    holderId: assigned ? holder : undefined,
    expiresAt: c.Status?.ExpirationDate ?? c.expirationDate,
    access: person ? (person.Groups ?? person.groups ?? []) : [],
    count: creds.length,
  };
}

function genetecEntities(state: any): any[] {
  if (Array.isArray(state.entities)) return state.entities;
  if (state.entities && typeof state.entities === 'object') return Object.values(state.entities);
  return [];
}

function genetecPeople(state: any): any[] {
  return genetecEntities(state).filter((e: any) => /visitor|cardholder/i.test(e.EntityType ?? e.type ?? ''));
}
