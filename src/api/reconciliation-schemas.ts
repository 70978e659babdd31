/** How the API shows reconciliation runs (the vocabulary is src/domain/reconciliation.ts). */
import { z } from 'zod';
import { named, paged, timestamp } from './contract';
import { ACTION_KINDS, FINDING_KINDS } from '../domain/reconciliation';

export { ACTION_KINDS, FINDING_KINDS };

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
