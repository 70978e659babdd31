import crypto from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { TemporalAccess } from '../temporal/access';
import { DomainError, type DomainErrorKind } from './errors';
import { boundedWait, WaitTimeout } from '../temporal/bounded-wait';
import type { TestConnectionResult } from '../pacs/types';
import type { ReconcileSummary } from '../activities/reconcile';
import type { CardLostState } from '../activities/card-state';
import { syncCardLost } from '../workflows/card-state';
import { dryRun } from '../workflows/dry-run';
import { cardLostWorkflowId, dryRunWorkflowId, reconcileWorkflowId, refreshWorkflowId, testConnectionWorkflowId } from '../workflows/ids';
import { reconcileProvider } from '../workflows/reconcile';
import { refreshProvider } from '../workflows/refresh';
import { testConnection } from '../workflows/test-connection';
import type { DryRunRequest, DryRunResult } from './dry-run';
import type { RefreshResult } from './sync';

/**
 * The API side of the provider workflows: start on the provider's task queue (where a worker that can
 * reach the PACS listens), wait a bounded time, and turn a failure into a DomainError (src/api answers it).
 * Only the provider ID crosses into Temporal; the activity reads the password from the database.
 */

interface ProviderRef {
  id: string;
  taskQueue: string | null;
}

const queueOf = (temporal: TemporalAccess, p: ProviderRef) => p.taskQueue ?? temporal.taskQueue;

function noWorkerHint(queue: string) {
  return (
    `Check that a worker serves task queue "${queue}": the service's own worker, or — for a provider with its own ` +
    `task queue — the on-premises worker next to the PACS (npm run worker with WORKER_TASK_QUEUES=${queue}).`
  );
}

const KIND_BY_CODE: Record<string, DomainErrorKind> = {
  PROVIDER_NOT_FOUND: 'notFound',
  SECRET_UNREADABLE: 'conflict',
  PACS_TIMEOUT: 'timedOut',
};

/** A failed provider workflow as a domain error: the PACS code and its operator message, an upstream failure by default. */
export function workflowFailureToDomainError(err: unknown, what: string): DomainError {
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    while (cause instanceof TemporalFailure && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
    // Our codes only: a bare "Error" type from an unexpected exception is not an operator-facing code.
    if (cause instanceof ApplicationFailure && cause.type && /^[A-Z][A-Z0-9_]+$/.test(cause.type)) {
      return new DomainError(KIND_BY_CODE[cause.type] ?? 'upstreamFailed', cause.type, cause.message);
    }
    const m = cause instanceof Error ? cause.message : err.message;
    return new DomainError('upstreamFailed', 'PROVIDER_WORKFLOW_FAILED', `${what} failed: ${m}`);
  }
  throw err;
}

export async function runTestConnection(temporal: TemporalAccess, provider: ProviderRef, waitMs: number): Promise<TestConnectionResult> {
  const queue = queueOf(temporal, provider);
  const handle = await temporal.client.workflow.start(testConnection, {
    workflowId: testConnectionWorkflowId(provider.id, crypto.randomUUID()),
    taskQueue: queue,
    args: [{ providerId: provider.id }],
    // Nobody waits for an answer after this; do not leave it queued forever on a queue without a worker.
    workflowExecutionTimeout: `${Math.ceil(waitMs / 1000) + 90} seconds`,
  });
  try {
    return await boundedWait(temporal.client, waitMs, () => handle.result() as Promise<TestConnectionResult>);
  } catch (err) {
    if (err instanceof WaitTimeout) {
      throw new DomainError(
        'timedOut',
        'TEST_CONNECTION_TIMEOUT',
        `The connection test did not finish within ${Math.round(waitMs / 1000)} s. ${noWorkerHint(queue)}`,
        {
          workflowId: handle.workflowId,
        },
      );
    }
    throw workflowFailureToDomainError(err, 'The connection test');
  }
}

/** Runs the dry run workflow on the provider's task queue and waits for its report. */
export async function runDryRunWorkflow(
  temporal: TemporalAccess,
  provider: ProviderRef,
  req: Omit<DryRunRequest, 'providerId'>,
  waitMs: number,
): Promise<DryRunResult> {
  const queue = queueOf(temporal, provider);
  const handle = await temporal.client.workflow.start(dryRun, {
    workflowId: dryRunWorkflowId(provider.id, crypto.randomUUID()),
    taskQueue: queue,
    args: [{ ...req, providerId: provider.id }],
    workflowExecutionTimeout: `${Math.ceil(waitMs / 1000) + 360} seconds`,
  });
  try {
    return await boundedWait(temporal.client, waitMs, () => handle.result() as Promise<DryRunResult>);
  } catch (err) {
    if (err instanceof WaitTimeout) {
      throw new DomainError(
        'timedOut',
        'DRY_RUN_TIMEOUT',
        `The dry run did not finish within ${Math.round(waitMs / 1000)} s; it goes on and cleans up after itself. ${noWorkerHint(queue)}`,
        {
          workflowId: handle.workflowId,
        },
      );
    }
    throw workflowFailureToDomainError(err, 'The dry run');
  }
}

export type RefreshOutcome = { done: true; result: RefreshResult } | { done: false; workflowId: string; taskQueue: string };

/** Starts the provider's refresh, or joins the one already running, and waits for it. */
export async function runRefresh(temporal: TemporalAccess, provider: ProviderRef, waitMs: number): Promise<RefreshOutcome> {
  const queue = queueOf(temporal, provider);
  const handle = await temporal.client.workflow.start(refreshProvider, {
    workflowId: refreshWorkflowId(provider.id),
    taskQueue: queue,
    args: [{ providerId: provider.id, trigger: 'api' }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowExecutionTimeout: '30 minutes',
  });
  try {
    return { done: true, result: await boundedWait(temporal.client, waitMs, () => handle.result() as Promise<RefreshResult>) };
  } catch (err) {
    if (err instanceof WaitTimeout) return { done: false, workflowId: handle.workflowId, taskQueue: queue };
    throw workflowFailureToDomainError(err, 'The refresh');
  }
}

export type ReconcileOutcome = { done: true; result: ReconcileSummary } | { done: false; workflowId: string; taskQueue: string };

/** Starts the provider's reconciliation, or joins the one already running (scheduled or not), and waits for it. */
export async function runReconcile(temporal: TemporalAccess, provider: ProviderRef, waitMs: number): Promise<ReconcileOutcome> {
  const queue = queueOf(temporal, provider);
  const handle = await temporal.client.workflow.start(reconcileProvider, {
    workflowId: reconcileWorkflowId(provider.id),
    taskQueue: queue,
    args: [{ providerId: provider.id, trigger: 'api' }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowExecutionTimeout: '1 hour',
  });
  try {
    return { done: true, result: await boundedWait(temporal.client, waitMs, () => handle.result() as Promise<ReconcileSummary>) };
  } catch (err) {
    if (err instanceof WaitTimeout) return { done: false, workflowId: handle.workflowId, taskQueue: queue };
    throw workflowFailureToDomainError(err, 'The reconciliation');
  }
}

export type CardLostOutcome = { state: CardLostState | 'pending' | 'failed'; message: string };

const CARD_LOST_TEXT: Record<CardLostState, (lost: boolean) => string> = {
  recorded: (lost) => (lost ? 'Recorded in the PACS: the credential is marked Lost.' : 'Recorded in the PACS: the credential is no longer marked Lost.'),
  no_credential: () => 'The PACS holds no credential or badge record with this card number (it opens nothing there): nothing to mark.',
  not_supported: () =>
    'Recorded in this product only: this PACS has no lost state the integration writes (the card is switched off there whenever no visit holds it).',
};

/**
 * Runs the card's lost-state sync on the provider's task queue and waits a bounded time. Never fails the
 * request: the card is out of the pool in our database already, and the answer says what the PACS holds.
 */
export async function runCardLostSync(
  temporal: TemporalAccess,
  provider: ProviderRef,
  badgeId: string,
  lost: boolean,
  waitMs: number,
): Promise<CardLostOutcome> {
  const queue = queueOf(temporal, provider);
  const workflowId = cardLostWorkflowId(badgeId, crypto.randomUUID());
  try {
    await temporal.client.workflow.start(syncCardLost, { workflowId, taskQueue: queue, args: [{ badgeId }], workflowExecutionTimeout: '10 minutes' });
    const handle = temporal.client.workflow.getHandle(workflowId);
    const { state } = await boundedWait(temporal.client, waitMs, () => handle.result() as Promise<{ state: CardLostState }>);
    return { state, message: CARD_LOST_TEXT[state](lost) };
  } catch (err) {
    if (err instanceof WaitTimeout) {
      const waited = waitMs > 0 ? `The PACS has not answered within ${Math.round(waitMs / 1000)} s; it` : 'It';
      return { state: 'pending', message: `${waited} is being updated in the background (workflow ${workflowId}). ${noWorkerHint(queue)}` };
    }
    let m = (err as Error).message;
    try {
      m = workflowFailureToDomainError(err, 'Recording the card in the PACS').message;
    } catch {
      // not a workflow failure: Temporal itself was unreachable
    }
    return { state: 'failed', message: `Not recorded in the PACS: ${m} Report the card lost again once the PACS is reachable.` };
  }
}
