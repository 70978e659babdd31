import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import { syncCatalog, type RefreshResult } from '../domain/sync';
import { executeDryRun, type DryRunRequest, type DryRunResult } from '../domain/dry-run';
import type { Db } from '../db/client';
import { guidanceVariants, isPacsError, WHAT_TO_DO, type PacsErrorCode } from '../pacs/errors';
import type { TestConnectionResult, TestStep } from '../pacs/types';

const STEP_OF: Partial<Record<PacsErrorCode, TestStep['name']>> = {
  PACS_UNREACHABLE: 'reachability',
  PACS_TIMEOUT: 'reachability',
  PACS_TLS: 'tls',
  PACS_BAD_RESPONSE: 'version',
  PACS_SERVER_ERROR: 'version',
  PACS_AUTH: 'credentials',
  PACS_FORBIDDEN: 'credentials',
  PACS_LICENSE: 'licence',
};

/** Makes sure a failed step says what to do, whichever adapter produced it. */
function withGuidance(step: TestStep): TestStep {
  if (step.ok || !step.code || !(step.code in WHAT_TO_DO)) return step;
  const advice = WHAT_TO_DO[step.code as PacsErrorCode];
  if (guidanceVariants(step.code as PacsErrorCode).some((a) => step.message.includes(a))) return step;
  return { ...step, message: `${step.message} ${advice}`.trim() };
}

/**
 * Refresh bookkeeping goes through SQL so it does not touch Provider.updatedAt: the PACS registry keys
 * its cached adapter (and PACS session) on updatedAt, and a refresh must not tear down the connection
 * that running visits are using.
 */
async function setRefreshState(
  db: Db,
  providerId: string,
  state: { status: 'running' | 'ok' | 'failed'; at: Date; error?: { code: string; message: string } | null },
) {
  if (state.status === 'running') {
    await db.$executeRaw`UPDATE "Provider" SET "refreshStatus" = 'running', "lastRefreshAt" = ${state.at} WHERE "id" = ${providerId}::uuid`;
  } else if (state.status === 'ok') {
    await db.$executeRaw`UPDATE "Provider" SET "refreshStatus" = 'ok', "lastRefreshAt" = ${state.at}, "lastRefreshSuccessAt" = ${state.at}, "lastRefreshError" = NULL WHERE "id" = ${providerId}::uuid`;
  } else {
    const error = JSON.stringify(state.error ?? null);
    await db.$executeRaw`UPDATE "Provider" SET "refreshStatus" = 'failed', "lastRefreshAt" = ${state.at}, "lastRefreshError" = ${error}::jsonb WHERE "id" = ${providerId}::uuid`;
  }
}

/** Test-connection and refresh activities (providers). They take provider IDs only; passwords stay in the database. */
export function createAdminActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async testProviderConnection(providerId: string): Promise<TestConnectionResult> {
      try {
        const adapter = await deps.pacs.forProvider(providerId);
        const result = await adapter.testConnection();
        const steps = result.steps.map(withGuidance);
        return { ...result, ok: result.ok && steps.every((s) => s.ok), steps };
      } catch (err) {
        // A test that cannot even start (unreachable, TLS) is still an answer for the admin, not a crash.
        if (isPacsError(err)) {
          return { ok: false, steps: [{ name: STEP_OF[err.code] ?? 'reachability', ok: false, message: err.message, code: err.code }] };
        }
        throw toActivityFailure(err);
      }
    },

    /** The first-day dry run: one complete provisioning and deprovisioning of a test visitor (src/domain/dry-run.ts). */
    async dryRunProvider(req: DryRunRequest): Promise<DryRunResult> {
      try {
        const result = await executeDryRun(deps.db, deps.pacs, req);
        deps.logger.info({ providerId: req.providerId, ok: result.ok, settingsRecorded: result.settingsRecorded }, 'provider dry run finished');
        return result;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Lists the PACS's access rules and badge types and syncs them; returns the counts and flagged configuration. */
    async refreshProviderCatalog(providerId: string): Promise<RefreshResult> {
      try {
        await setRefreshState(deps.db, providerId, { status: 'running', at: now() });
        const adapter = await deps.pacs.forProvider(providerId);
        const [accessRules, badgeTypes] = await Promise.all([adapter.listAccessRules(), adapter.listBadgeTypes()]);
        const at = now();
        const result = await syncCatalog(deps.db, providerId, { accessRules, badgeTypes }, at);
        await setRefreshState(deps.db, providerId, { status: 'ok', at });
        deps.logger.info({ providerId, accessRules: result.accessRules, badgeTypes: result.badgeTypes }, 'provider refreshed');
        return result;
      } catch (err) {
        throw toActivityFailure(err);
      }
    },

    /** Called by the workflow once retries are exhausted, so the provider view shows why. */
    async recordRefreshFailure(providerId: string, error: { code: string; message: string }): Promise<void> {
      await setRefreshState(deps.db, providerId, { status: 'failed', at: now(), error });
      deps.logger.warn({ providerId, code: error.code }, 'provider refresh failed');
    },
  };
}
