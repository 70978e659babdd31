import crypto from 'node:crypto';
import type { Db } from '../db/client';
import { WHAT_TO_DO } from '../pacs/errors';
import { runDryRun, type DryRunReport } from '../pacs/dry-run';
import type { PacsAdapter, ProviderSettings } from '../pacs/types';
import type { PacsRegistry } from '../pacs/registry';

/** What the admin asks for: a test visitor and a reserved test badge number (checked against the badge type range). */
export interface DryRunRequest {
  providerId: string;
  visitor: { firstName: string; lastName: string; email?: string | null };
  badgeNumber: string;
  /** Our BadgeType ID; default: the first active manual badge type whose range contains the number. */
  badgeTypeId?: string | null;
  /** Our AccessRule IDs to grant and revoke during the trial; none skips that step. */
  accessRuleIds?: string[];
}

export interface DryRunResult extends DryRunReport {
  providerId: string;
  badgeType?: { id: string; name: string; externalId: string };
  /** Settings written to the provider because the server's answers decided them. */
  settingsRecorded: Partial<ProviderSettings>;
}

const inRange = (n: bigint, t: { idMin: bigint | null; idMax: bigint | null }) => (t.idMin === null || n >= t.idMin) && (t.idMax === null || n <= t.idMax);

function refused(providerId: string, name: string, answer: string, code: keyof typeof WHAT_TO_DO | undefined, whatToDo: string): DryRunResult {
  return {
    providerId,
    ok: false,
    cleanedUp: true,
    settingsLearned: {},
    settingsRecorded: {},
    steps: [{ name, ok: false, answer, ...(code ? { code } : {}), whatToDo }],
  };
}

/**
 * Runs the dry run for a provider (activity and CLI share it): resolves the badge type and checks the test
 * number against its range, runs the PACS steps (src/pacs/dry-run.ts), then records in the provider's settings
 * the request form the server accepted.
 */
export async function executeDryRun(db: Db, pacs: PacsRegistry, req: DryRunRequest): Promise<DryRunResult> {
  const provider = await db.provider.findUnique({ where: { id: req.providerId } });
  if (!provider) return refused(req.providerId, 'load the provider', `Provider ${req.providerId} does not exist.`, undefined, 'Check the provider ID.');
  if (!/^\d{1,20}$/.test(req.badgeNumber.trim())) {
    return refused(
      req.providerId,
      'check the test badge number',
      `'${req.badgeNumber}' is not a badge number (digits only).`,
      'PACS_VALIDATION',
      'Name a reserved test badge number, digits only.',
    );
  }
  const number = BigInt(req.badgeNumber.trim());
  const types = await db.badgeType.findMany({
    where: { providerId: provider.id, ...(req.badgeTypeId ? { id: req.badgeTypeId } : { status: 'active', manualEntry: true }) },
    orderBy: { name: 'asc' },
  });
  if (!types.length) {
    return refused(
      req.providerId,
      'choose the badge type',
      req.badgeTypeId ? `Badge type ${req.badgeTypeId} is not a badge type of this provider.` : 'The provider has no active manual-entry badge type.',
      'BADGE_TYPE_MISSING',
      WHAT_TO_DO.BADGE_TYPE_MISSING,
    );
  }
  const type = types.find((t) => inRange(number, t));
  if (!type) {
    const ranges = types.map((t) => `${t.name}: ${t.idMin ?? '…'}–${t.idMax ?? '…'}`).join('; ');
    return refused(
      req.providerId,
      'check the test badge number',
      `The test badge number ${number} is outside the range of ${req.badgeTypeId ? 'the badge type' : 'every manual-entry badge type'} (${ranges}).`,
      'BADGE_ID_OUT_OF_RANGE',
      `Reserve a test number inside the badge type's range. ${WHAT_TO_DO.BADGE_ID_OUT_OF_RANGE}`,
    );
  }
  const rules = req.accessRuleIds?.length ? await db.accessRule.findMany({ where: { providerId: provider.id, id: { in: req.accessRuleIds } } }) : [];
  if (rules.length !== (req.accessRuleIds?.length ?? 0)) {
    return refused(
      req.providerId,
      'choose the access rules',
      'An access rule named for the dry run is not one of this provider.',
      'ACCESS_RULE_MISSING',
      WHAT_TO_DO.ACCESS_RULE_MISSING,
    );
  }
  const current = ((provider.settings ?? {}) as ProviderSettings) ?? {};
  const made: PacsAdapter[] = [];
  // Adapters are built before the run (one per form tried); the registry reads the provider each time.
  const overrides = new Map<string, PacsAdapter>();
  const prebuilt = async (over: Partial<ProviderSettings>) => {
    const { adapter } = await pacs.adapterWithSettings(provider.id, over);
    made.push(adapter);
    return adapter;
  };
  const forms = provider.kind === 'genetec' ? (['undecoded', 'decoded'] as const) : [];
  for (const f of forms) overrides.set(f, await prebuilt({ genetecCredentialForm: f }));
  const plain = forms.length ? undefined : await prebuilt({});
  const report = await runDryRun(
    provider.kind === 'onguard' ? 'onguard' : 'genetec',
    current,
    (over) => (over.genetecCredentialForm ? overrides.get(over.genetecCredentialForm)! : plain!),
    {
      runId: crypto.randomUUID(),
      visitor: req.visitor,
      badgeNumber: number.toString(),
      badgeType: { externalId: type.externalId, details: (type.details ?? null) as Record<string, unknown> | null, name: type.name },
      accessRuleExternalIds: rules.map((r) => r.externalId),
    },
  );
  await Promise.all(made.map((a) => a.close().catch(() => undefined)));
  // Record what the server accepted, only when it differs from what is stored (updatedAt rebuilds the adapters).
  const recorded: Partial<ProviderSettings> = {};
  for (const [k, v] of Object.entries(report.settingsLearned) as Array<[keyof ProviderSettings, unknown]>) {
    if (v !== undefined && current[k] !== v) (recorded as Record<string, unknown>)[k] = v;
  }
  if (Object.keys(recorded).length) {
    await db.provider.update({ where: { id: provider.id }, data: { settings: { ...current, ...recorded } } });
  }
  return { ...report, providerId: provider.id, badgeType: { id: type.id, name: type.name, externalId: type.externalId }, settingsRecorded: recorded };
}
