/**
 * Reconciliation vocabulary shared by the activities (which record runs), the API (which shows them) and
 * the metrics. Plain data: no Temporal or I/O imports.
 */

/** What a run can find wrong. */
export const FINDING_KINDS = [
  /** An open visit whose workflow is closed or missing: nothing would switch its badge off. */
  'visit_stranded',
  /** A stranded visit whose badge could not be switched off (it keeps the badge; the next run tries again). */
  'visit_close_failed',
  /** A pool badge active in the PACS for one of our visitors while no open visit holds it. */
  'badge_active_without_visit',
  /** A pool badge inactive but still assigned to one of our visitors: the next sign-in with it would fail. */
  'badge_assigned_without_visit',
  /** A pool badge held in the PACS by someone this service did not create: reported, never changed. */
  'badge_foreign_holder',
  /** A pool badge that could not be looked up or switched off (e.g. its number does not fit its format). */
  'badge_lookup_failed',
  /** An active visit whose badge is not issued to the visitor in the PACS. */
  'active_visit_credential_missing',
  /** An active visit whose badge is switched off in the PACS. */
  'active_visit_credential_inactive',
  /** An active visit whose badge lacks some of the visit's access rules. */
  'active_visit_access_missing',
  /** reconcileRepair is on and re-issuing failed. */
  'repair_failed',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** What a run can change. */
export const ACTION_KINDS = ['visit_closed', 'badge_deactivated', 'badge_released', 'credential_repaired', 'repair_undone'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
