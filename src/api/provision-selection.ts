import type { Db } from '../db/client';
import { badgeProblem } from '../domain/badge-rules';
import { allowedAccessRuleIds, badgeHolder, badgeOutOfPool, OUT_OF_POOL_TEXT, type Caller } from '../domain/permissions';
import { inScope } from '../domain/scope';
import { AppError, badRequest, conflict, forbidden } from '../errors';

/**
 * Validates a provisioning request (POST /v1/visits) against the caller's rights and the configuration:
 * the badge belongs to the location, is free and usable; every access rule is active, of the badge's
 * provider and allowed to the caller. Throws the API's 400/403/409 errors with field paths; returns the
 * rows the visit needs.
 */
export async function checkProvisionSelection(
  db: Db,
  caller: Caller,
  input: { locationId: string; badgeId: string; accessRuleIds: string[] },
  paths: { badgeId?: string; accessRuleIds?: string; locationId?: string } = {},
) {
  const at = { badgeId: paths.badgeId ?? 'badgeId', accessRuleIds: paths.accessRuleIds ?? 'accessRuleIds', locationId: paths.locationId ?? 'locationId' };
  if (!caller.permissions.includes('provisionBadge')) throw forbidden('This needs the "provisionBadge" permission.');
  const location = await db.location.findUnique({ where: { id: input.locationId } });
  if (!location || !inScope(caller.scope, location.id)) throw field(at.locationId, `location ${input.locationId} does not exist`);
  const badge = await db.securityBadge.findUnique({ where: { id: input.badgeId }, include: { badgeType: true, provider: true } });
  if (!badge || badge.provider.locationId !== location.id) {
    throw field(at.badgeId, `is not a security badge of location "${location.name}"; choose one from GET /v1/locations/${location.id}/provisioning-options`);
  }
  const out = badgeOutOfPool(badge);
  if (out) {
    throw conflict(
      out === 'not_returned' ? 'BADGE_NOT_RETURNED' : out === 'lost' ? 'BADGE_LOST' : 'BADGE_RETIRED',
      `Badge "${badge.name}" (${badge.uniqueId}) ${OUT_OF_POOL_TEXT[out]} and cannot be handed out.` +
        (out === 'retired'
          ? ' Choose another badge.'
          : ` Once the card is back, report it found (POST /v1/badges/${badge.id}/found), or choose another badge.`),
      { badgeId: badge.id, status: out, ...(badge.notReturnedVisitId ? { visitId: badge.notReturnedVisitId } : {}) },
    );
  }
  const problem = badgeProblem(badge.uniqueId, badge.badgeType);
  if (problem) throw field(at.badgeId, problem.message);
  const holder = await badgeHolder(db, badge.id);
  if (holder) {
    throw conflict('BADGE_IN_USE', `Badge "${badge.name}" (${badge.uniqueId}) is held by visit ${holder.id}. Sign that visitor out or choose another badge.`, {
      visits: [holder],
    });
  }
  const allowed = await allowedAccessRuleIds(db, caller.id, { locationId: location.id, includeMissing: true });
  const rules = await db.accessRule.findMany({ where: { id: { in: input.accessRuleIds } } });
  const byId = new Map(rules.map((r) => [r.id, r]));
  const issues: Array<{ path: string; message: string }> = [];
  input.accessRuleIds.forEach((id, i) => {
    const r = byId.get(id);
    const path = `${at.accessRuleIds}.${i}`;
    if (!r || r.providerId !== badge.providerId)
      issues.push({ path, message: `access rule ${id} is not a rule of the badge's provider "${badge.provider.name}"` });
    else if (!allowed.has(id)) issues.push({ path, message: `you are not in a user group that may assign "${r.name}"` });
    else if (r.status !== 'active')
      issues.push({
        path,
        message: `"${r.name}" no longer exists in the access control system; an admin must refresh the provider and update the user groups`,
      });
  });
  if (issues.length) throw badRequest(`Invalid body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  return { location, badge, provider: badge.provider, accessRules: input.accessRuleIds.map((id) => byId.get(id)!) };
}

function field(path: string, message: string): AppError {
  return badRequest(`Invalid body: ${path}: ${message}`, { issues: [{ path, message }] });
}
