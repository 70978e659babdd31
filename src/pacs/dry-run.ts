import { isPacsError, WHAT_TO_DO, type PacsErrorCode } from './errors';
import type { BadgeTypeRef, PacsAdapter, PacsKind, ProviderSettings } from './types';

/**
 * The dry run for the first day on a real server: one complete provisioning and deprovisioning of a test
 * visitor on a reserved badge number, through the PacsAdapter step by step, reporting for each step the
 * request form used, the server's answer and, on failure, what it means and what to change. It always
 * cleans up (deactivates, then deletes the credential and the test visitor) even when a step fails.
 *
 * Where the evidence leaves a choice of request form (Genetec: `<UndecodedWiegand>` [C] or
 * `WiegandStandardCredentialFormat(fc,card)` [I]), it tries the provider's current form (default: the
 * preferred one), falls back to the alternative when the server refuses the form, and reports which one the
 * server accepted so the caller can record it in the provider's settings.
 */
export interface DryRunInput {
  visitor: { firstName: string; lastName: string; email?: string | null };
  badgeNumber: string;
  badgeType: BadgeTypeRef & { name?: string };
  accessRuleExternalIds: string[];
  /** Unique per run; stored on the test visitor as the visit marker. */
  runId: string;
}

export interface DryRunStep {
  name: string;
  ok: boolean;
  skipped?: boolean;
  /** The request form used (e.g. "Format=<UndecodedWiegand>…"). */
  form?: string;
  /** Summary of the server's answer. */
  answer: string;
  code?: string;
  /** On failure: what the answer means and what to change. */
  whatToDo?: string;
}

export interface DryRunReport {
  ok: boolean;
  steps: DryRunStep[];
  /** Settings the server's answers decided (to be stored on the provider), e.g. { genetecCredentialForm: 'decoded' }. */
  settingsLearned: Partial<ProviderSettings>;
  cleanedUp: boolean;
}

/** Choices of request form the evidence leaves open, per kind: the setting, its options (preferred first). */
export const FORM_CHOICES: Record<PacsKind, Array<{ setting: 'genetecCredentialForm'; options: readonly string[]; describe: Record<string, string> }>> = {
  genetec: [
    {
      setting: 'genetecCredentialForm',
      options: ['undecoded', 'decoded'],
      describe: {
        undecoded: 'Format=<UndecodedWiegand> with raw bits and parity [C]; lookup by credential name [C-obs] and UniqueIds@<UndecodedWiegand> [I]',
        decoded: 'Format=Wiegand…CredentialFormat(fc,card) and UniqueIds@ with it [I]',
      },
    },
  ],
  onguard: [],
};

const FORM_REFUSED: ReadonlySet<string> = new Set(['PACS_VALIDATION']);

/** The request forms each step sends where there is no choice (docs/pacs/request-forms.md has the evidence levels). */
export const STEP_FORMS: Record<PacsKind, Record<string, string>> = {
  genetec: {
    'test connection': 'GET / and report/EntityConfiguration?q=EntityTypes@CardholderGroup,Page=1,PageSize=1 [C]',
    'create the test visitor':
      'report/EntityConfiguration?q=EntityTypes@Visitor,Description=<marker> [C-obs], then entity?q=entity=NewEntity(Visitor),Name,FirstName,LastName,Description,Arrival,Guid [C]',
    'read the credential back': 'entity?q=entity=<person>,Credentials, then Status,Format per credential [C]',
    'grant the access rules': 'entity?q=entity=<group>,AddCardholderIntoGroup(<person>) [C]',
    'revoke the access rules': 'entity?q=entity=<group>,RemoveCardholderFromGroup(<person>) [C]',
    'deactivate the credential': 'entity?q=entity=<credential>,Status.Deactivate(),entity=<person>,Credentials-<credential> [C-obs]/[C]',
    'clean up': 'DELETE entity/<credential>, DELETE entity/<person> [C]',
  },
  onguard: {
    'test connection': 'GET /version, GET /directories, POST /authentication, GET /instances [C]',
    'look up the test badge number': 'GET /instances?type_name=Lnl_Badge&filter=ID=<n> [C]',
    'create the test visitor': 'GET /instances Lnl_Visitor by e-mail or marker, then POST /instances Lnl_Visitor [C]',
    'issue the credential': 'POST /instances Lnl_Badge {ID,PERSONID,TYPE,STATUS,ACTIVATE,DEACTIVATE} [C]',
    'read the credential back': 'GET /instances?type_name=Lnl_Badge&filter=PERSONID=<id> AND STATUS=<active> [C]',
    'grant the access rules': 'POST /instances Lnl_AccessLevelAssignment {AccessLevelID,BadgeKey} [C]',
    'revoke the access rules': 'DELETE /instances Lnl_AccessLevelAssignment {AccessLevelID,BadgeKey} [C]',
    'deactivate the credential': 'PUT /instances Lnl_Badge {BADGEKEY,STATUS,DEACTIVATE}, then DELETE /instances Lnl_Badge [C]',
    'clean up': 'DELETE /instances Lnl_Badge {BADGEKEY}, DELETE /instances Lnl_Visitor {ID} [C]',
  },
};

function failure(e: unknown): Pick<DryRunStep, 'answer' | 'code' | 'whatToDo'> {
  if (isPacsError(e)) {
    return { answer: e.detail, code: e.code, whatToDo: e.whatToDo || WHAT_TO_DO[e.code as PacsErrorCode] };
  }
  return { answer: `Unexpected error: ${(e as Error)?.message ?? String(e)}`, whatToDo: 'Read the detail and the worker log.' };
}

/**
 * `adapterFor(settings)` gives an adapter for the provider with these settings overriding the stored ones
 * (the dry run uses it to try the alternative request form).
 */
export async function runDryRun(
  kind: PacsKind,
  current: ProviderSettings,
  adapterFor: (over: Partial<ProviderSettings>) => PacsAdapter,
  input: DryRunInput,
): Promise<DryRunReport> {
  const steps: DryRunStep[] = [];
  const learned: Partial<ProviderSettings> = {};
  const choice = FORM_CHOICES[kind][0];
  // Forms to try, the provider's current one first.
  const forms = choice
    ? [String(current[choice.setting] ?? choice.options[0]), ...choice.options.filter((o) => o !== (current[choice.setting] ?? choice.options[0]))]
    : [''];
  let formIndex = 0;
  const adapters: PacsAdapter[] = [];
  const adapterNow = () => {
    if (!adapters[formIndex]) adapters[formIndex] = adapterFor(choice ? ({ [choice.setting]: forms[formIndex] } as Partial<ProviderSettings>) : {});
    return adapters[formIndex];
  };
  const formLabel = () => (choice ? `${choice.setting}=${forms[formIndex]}: ${choice.describe[forms[formIndex]]}` : undefined);
  const formOf = (name: string, formSensitive: boolean) => {
    const f = formSensitive && choice ? formLabel() : STEP_FORMS[kind][name];
    return f ? { form: f } : {};
  };

  /** Runs a step; when the server refuses the request form and an alternative is left, switches and repeats. */
  async function step<T>(name: string, run: (a: PacsAdapter) => Promise<T>, summary: (r: T) => string, formSensitive = false): Promise<{ r: T } | undefined> {
    for (;;) {
      try {
        const r = await run(adapterNow());
        steps.push({ name, ok: true, ...formOf(name, formSensitive), answer: summary(r) });
        return { r };
      } catch (e) {
        const f = failure(e);
        const canSwitch = formSensitive && choice && isPacsError(e) && FORM_REFUSED.has(e.code) && formIndex + 1 < forms.length;
        steps.push({
          name,
          ok: false,
          ...formOf(name, formSensitive),
          ...f,
          ...(canSwitch ? { whatToDo: `The server refused this request form; trying ${choice!.setting}=${forms[formIndex + 1]} instead.` } : {}),
        });
        if (!canSwitch) return undefined;
        formIndex++;
      }
    }
  }

  let personId: string | null = null;
  let credentialId: string | null = null;
  let cleanedUp: boolean;
  let ok: boolean;
  const main = async (): Promise<boolean> => {
    const conn = (
      await step(
        'test connection',
        (a) => a.testConnection(),
        (r) => r.steps.map((s) => `${s.name}: ${s.ok ? 'ok' : s.message}`).join('; '),
      )
    )?.r;
    if (!conn?.ok) {
      if (conn) Object.assign(steps[steps.length - 1], { ok: false, whatToDo: 'Fix the failed connection step first (see the connection test).' });
      return false;
    }
    const found = (
      await step(
        'look up the test badge number',
        (a) => a.lookupBadge(input.badgeNumber, input.badgeType),
        (r) =>
          r.exists
            ? `found credential ${r.credentialId}${r.holderId ? ` held by ${r.holderName ?? r.holderId}` : ', unassigned'}`
            : 'no credential with this number',
        true,
      )
    )?.r;
    if (!found) return false;
    if (found.exists && found.holderId) {
      Object.assign(steps[steps.length - 1], {
        ok: false,
        code: 'BADGE_ALREADY_ASSIGNED',
        whatToDo: `The reserved test number ${input.badgeNumber} is held by ${found.holderName ?? found.holderId}. Reserve a number nobody holds (or free this one in the PACS), then run the dry run again.`,
      });
      return false;
    }
    const person = (
      await step(
        'create the test visitor',
        (a) =>
          a.findOrCreateVisitor({
            visitId: input.runId,
            firstName: input.visitor.firstName,
            lastName: input.visitor.lastName,
            email: input.visitor.email ?? null,
          }),
        (r) => `${r.created ? 'created' : 'found'} person ${r.personId}`,
      )
    )?.r;
    if (!person) return false;
    personId = person.personId;
    const now = Date.now();
    const issued = (
      await step(
        'issue the credential',
        (a) =>
          a.issueBadge({
            personId: personId!,
            uniqueId: input.badgeNumber,
            badgeType: input.badgeType,
            activateAt: new Date(now),
            deactivateAt: new Date(now + 60 * 60_000),
          }),
        (r) => `${r.created ? 'created' : 'reused'} credential ${r.credentialId}, valid for one hour`,
        true,
      )
    )?.r;
    if (!issued) return false;
    credentialId = issued.credentialId;
    if (choice) learned[choice.setting] = forms[formIndex] as ProviderSettings['genetecCredentialForm'];
    const active = (
      await step(
        'read the credential back',
        (a) => a.activeBadgesOf(personId!),
        (r) => `active credentials of the test visitor: ${r.map((c) => `${c.credentialId} (${c.uniqueId})`).join(', ') || 'none'}`,
      )
    )?.r;
    if (!active) return false;
    if (!active.some((c) => c.credentialId === credentialId)) {
      Object.assign(steps[steps.length - 1], {
        ok: false,
        whatToDo: 'The credential was created but is not active on the test visitor. Check the badge type and the server time.',
      });
      return false;
    }
    if (input.accessRuleExternalIds.length) {
      const granted = await step(
        'grant the access rules',
        (a) => a.grantAccess({ personId: personId!, credentialId: credentialId!, accessRuleExternalIds: input.accessRuleExternalIds }),
        () => `granted ${input.accessRuleExternalIds.join(', ')}`,
      );
      if (!granted) return false;
      const revoked = await step(
        'revoke the access rules',
        (a) => a.revokeAccess({ personId: personId!, credentialId: credentialId!, accessRuleExternalIds: input.accessRuleExternalIds }),
        () => 'revoked',
      );
      if (!revoked) return false;
    } else {
      steps.push({ name: 'grant the access rules', ok: true, skipped: true, answer: 'skipped: no access rule named for the dry run' });
    }
    const off = await step(
      'deactivate the credential',
      (a) => a.deactivateBadge({ personId: personId!, credentialId: credentialId! }),
      () => 'deactivated',
    );
    if (!off) return false;
    return true;
  };
  try {
    ok = await main();
  } finally {
    // Clean-up, whatever happened above: switch the credential off, then delete the credential and the person.
    if (personId) {
      const a = adapterNow();
      const results: string[] = [];
      let cleanOk = true;
      try {
        if (credentialId) await a.deactivateBadge({ personId, credentialId });
        results.push('credential deactivated');
      } catch (e) {
        cleanOk = false;
        results.push(`deactivation failed: ${failure(e).answer}`);
      }
      if (a.removeTestVisitor) {
        try {
          await a.removeTestVisitor({ personId, credentialId });
          results.push('credential and test visitor deleted');
        } catch (e) {
          cleanOk = false;
          results.push(`deletion failed: ${failure(e).answer}`);
        }
      } else {
        results.push('test visitor left in place (deactivated): this adapter cannot delete people');
      }
      steps.push({
        name: 'clean up',
        ...formOf('clean up', false),
        ok: cleanOk,
        answer: results.join('; '),
        ...(cleanOk ? {} : { whatToDo: `Delete the test visitor ${personId}${credentialId ? ` and credential ${credentialId}` : ''} by hand in the PACS.` }),
      });
      cleanedUp = cleanOk;
    } else {
      cleanedUp = true;
    }
    await Promise.all(adapters.filter(Boolean).map((x) => x.close().catch(() => undefined)));
  }
  return { ok: ok && cleanedUp, steps, settingsLearned: learned, cleanedUp };
}
