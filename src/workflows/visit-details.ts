import type { VisitInput, VisitState, VisitStatus } from './visit-contract';

/** One line an operator can act on, per status (the Temporal UI shows it in bold at the top). */
const HEADLINES: Record<VisitStatus, string> = {
  provisioning: 'Provisioning: switching the badge on',
  active: 'Active: the badge is on',
  provision_failed: 'Provision failed: a person must fix the cause, then retry',
  awaiting_approval: 'Awaiting approval: the badge is issued but off until the host approves (More Actions › Execute Update › approve or deny)',
  deprovisioning: 'Switching the badge off',
  completed: 'Completed',
};

/**
 * The visit's current details in the Temporal UI (Markdown, top of the workflow page): status, reason
 * code, what happened and what to do, each said once, so that an operator never has to open a failure's
 * JSON. Pure, so the workflow can call it on every transition.
 */
export function currentDetails(input: Pick<VisitInput, 'badgeNumber' | 'visitorName'>, state: VisitState, endsAtLabel?: string): string {
  const lines = [`**${HEADLINES[state.status]}** (\`${state.status}\`)`];
  const ends = endsAtLabel ?? state.endsAt;
  lines.push(`Visitor **${input.visitorName}** · badge **${input.badgeNumber}**${ends ? ` · until ${ends}` : ''}`);
  const r = state.retrying;
  if (r) {
    lines.push(`Retrying a PACS call (${r.activity}): attempt ${r.attempt} failed with **${r.code}**; next attempt at ${r.nextAttemptAt}.`);
    lines.push(`Last error: ${r.whatToDo && r.message.endsWith(r.whatToDo) ? r.message.slice(0, -r.whatToDo.length).trim() : r.message}`);
  }
  const e = state.lastError;
  if (e) {
    const whatHappened = e.whatToDo && e.message.endsWith(e.whatToDo) ? e.message.slice(0, -e.whatToDo.length).trim() : e.message;
    const earlier = state.status === 'provisioning' && !e.during ? 'Previous attempt: ' : '';
    lines.push(`${earlier}Reason code **${e.code}**`);
    lines.push(`What happened: ${whatHappened}`);
    if (e.whatToDo) lines.push(`What to do: ${e.whatToDo}`);
    if (e.during) {
      lines.push(`Retrying (${e.during}): attempt ${e.attempts} failed; next attempt at ${e.nextAttemptAt}. It is retried until it succeeds.`);
    }
  }
  if (state.status === 'provision_failed') {
    // Short: the UI's frame for these details does not grow for a last wrapped line.
    lines.push('Retry once fixed: **More Actions › Send a Signal › retry**');
  }
  return lines.join('\n\n');
}
