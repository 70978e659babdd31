import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';

/** What the PACS says of a card reported lost (or found again): the badge routes show it. */
export type CardLostState = 'recorded' | 'no_credential' | 'not_supported';

/**
 * Brings the PACS in line with a card's lost status in our database (POST /v1/badges/:id/lost and /found).
 * Reads the status when it runs rather than taking it as input, so a retried or late attempt never
 * writes back a state the card has since left.
 */
export function createCardStateActivities(deps: ActivityDeps) {
  return {
    async syncCardLostState({ badgeId }: { badgeId: string }): Promise<{ state: CardLostState }> {
      const badge = await deps.db.securityBadge.findUnique({ where: { id: badgeId }, include: { badgeType: true } });
      // The workflow's retry policy stops at this type: activities report, workflows decide.
      if (!badge) throw ApplicationFailure.create({ type: 'BADGE_NOT_FOUND', message: `Badge ${badgeId} is not in the database.`, nonRetryable: false });
      try {
        const adapter = await deps.pacs.forProvider(badge.providerId);
        // OnGuard: no lost state is written (see docs/operations.md, "Cards not returned, lost or retired").
        if (!adapter.setCardLost) return { state: 'not_supported' };
        const { recorded } = await adapter.setCardLost({
          uniqueId: badge.uniqueId,
          badgeType: { externalId: badge.badgeType.externalId, details: (badge.badgeType.details ?? null) as Record<string, unknown> | null },
          lost: badge.status === 'lost',
        });
        return { state: recorded ? 'recorded' : 'no_credential' };
      } catch (err) {
        throw toActivityFailure(err);
      }
    },
  };
}
