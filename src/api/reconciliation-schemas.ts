/**
 * Reconciliation vocabulary shared by the activities (which record runs), the API (which shows them) and
 * the metrics. Plain data and functions: no Temporal or I/O imports.
 */
import { z } from 'zod';
import { named, paged, timestamp } from '../api/contract';

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

/** Findings and actions shown per run in GET /v1/providers/:id/reconciliation; the counts are always complete. */
export const ITEMS_PER_RUN_SHOWN = 500;

interface RunRow {
  id: string;
  providerId: string;
  trigger: string;
  workflowId: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  visitsChecked: number;
  badgesChecked: number;
  error: unknown;
  createdAt: Date;
  findings: ItemRow[];
  actions: ItemRow[];
  _count: { findings: number; actions: number };
}

interface ItemRow {
  kind: string;
  visitId: string | null;
  badgeId: string | null;
  message: string;
  at: Date;
}

const itemSchema = z.object({ kind: z.string(), visitId: z.uuid().nullable(), badgeId: z.uuid().nullable(), message: z.string(), at: timestamp });

export const reconciliationRunSchema = named(
  'ReconciliationRun',
  z.object({
    id: z.uuid(),
    providerId: z.uuid(),
    trigger: z.string(),
    workflowId: z.string(),
    status: z.string().meta({ description: 'running, ok or failed' }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    counts: z.object({ visitsChecked: z.number().int(), badgesChecked: z.number().int(), findings: z.number().int(), actions: z.number().int() }),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    findings: z.array(itemSchema).meta({ description: `Up to ${ITEMS_PER_RUN_SHOWN}; kinds: ${FINDING_KINDS.join(', ')}` }),
    actions: z.array(itemSchema).meta({ description: `Up to ${ITEMS_PER_RUN_SHOWN}; kinds: ${ACTION_KINDS.join(', ')}` }),
    createdAt: timestamp,
  }),
);
export const reconciliationRunPage = paged('ReconciliationRun', reconciliationRunSchema);

const itemView = (i: ItemRow) => ({ kind: i.kind, visitId: i.visitId, badgeId: i.badgeId, message: i.message, at: i.at });

export function reconciliationRunView(r: RunRow): z.output<typeof reconciliationRunSchema> {
  return {
    id: r.id,
    providerId: r.providerId,
    trigger: r.trigger,
    workflowId: r.workflowId,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    counts: { visitsChecked: r.visitsChecked, badgesChecked: r.badgesChecked, findings: r._count.findings, actions: r._count.actions },
    ...(r.error ? { error: r.error as { code: string; message: string } } : {}),
    findings: r.findings.map(itemView),
    actions: r.actions.map(itemView),
    createdAt: r.createdAt,
  };
}

/** Prisma include that loads what reconciliationRunView shows. */
export const runInclude = {
  findings: { orderBy: { id: 'asc' as const }, take: ITEMS_PER_RUN_SHOWN },
  actions: { orderBy: { id: 'asc' as const }, take: ITEMS_PER_RUN_SHOWN },
  _count: { select: { findings: true, actions: true } },
};
