import { defineSearchAttributeKey } from '@temporalio/common';
import type { VisitInput } from './visit-contract';

/**
 * Custom search attributes operators filter on in the Temporal Web UI, e.g.
 * `VisitStatus = "provision_failed" AND VisitLocationId = "…"`. The dev server registers them at start
 * (src/temporal/dev-server.ts); on a real cluster `temporal operator search-attribute create` does
 * (docs/operations.md). All keywords so that exact filters work.
 */
export const SA = {
  visitId: defineSearchAttributeKey('VisitId', 'KEYWORD'),
  locationId: defineSearchAttributeKey('VisitLocationId', 'KEYWORD'),
  providerId: defineSearchAttributeKey('VisitProviderId', 'KEYWORD'),
  badgeId: defineSearchAttributeKey('VisitBadgeId', 'KEYWORD'),
  badgeUniqueId: defineSearchAttributeKey('VisitBadgeNumber', 'KEYWORD'),
  visitorName: defineSearchAttributeKey('VisitorName', 'KEYWORD'),
  status: defineSearchAttributeKey('VisitStatus', 'KEYWORD'),
  /** The reason code of the visit's current failure (BADGE_ALREADY_ASSIGNED, PACS_AUTH, …); unset when none. */
  errorCode: defineSearchAttributeKey('VisitErrorCode', 'KEYWORD'),
  // Names as people say them, next to the IDs: an operator filters by "Berlin HQ", not by a UUID. Set at
  // start by the API (it has them loaded), so the workflow's input stays IDs only.
  locationName: defineSearchAttributeKey('VisitLocationName', 'KEYWORD'),
  providerName: defineSearchAttributeKey('VisitProviderName', 'KEYWORD'),
} as const;

export const SEARCH_ATTRIBUTE_NAMES = Object.values(SA).map((k) => k.name);

/**
 * What a visit is found by from its first moment. The API sets these at start (with the location's and
 * provider's names), and the workflow upserts them for a visit whose start did not carry them all. The
 * order is the one the workflow has always upserted in, so recorded histories replay unchanged.
 */
export function initialVisitAttributes(v: Pick<VisitInput, 'visitId' | 'locationId' | 'providerId' | 'badgeId' | 'badgeNumber' | 'visitorName'>) {
  return [
    { key: SA.visitId, value: v.visitId },
    { key: SA.locationId, value: v.locationId },
    { key: SA.providerId, value: v.providerId },
    { key: SA.badgeId, value: v.badgeId },
    { key: SA.badgeUniqueId, value: v.badgeNumber },
    { key: SA.visitorName, value: v.visitorName },
    { key: SA.status, value: 'provisioning' },
  ];
}
