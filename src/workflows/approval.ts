import type { ApprovalDecision, VisitStatus } from './visit-contract';

// The rules of the approval phase (patch approval-v4), kept out of visit.ts: workflow-safe, no I/O.

/**
 * Why an approve or deny update is refused, or null to accept it. The API shows the message as is (409),
 * so it says what the visit is doing instead.
 */
export function approvalRefusal(
  v: { status: VisitStatus; endsAt?: string; decided: 'approved' | 'denied' | null; ending: boolean; now: number },
  what: string,
): string | null {
  if (v.status !== 'awaiting_approval') {
    return `The visit is ${v.status}; only a visit awaiting approval can be ${what}.`;
  }
  if (v.decided) return `The visit was already ${v.decided}.`;
  if (v.ending) return 'The visit is being signed out; it can no longer be ' + what + '.';
  // The end-of-day timer may not have fired yet at this very instant: the day is over all the same.
  if (v.endsAt && v.now >= Date.parse(v.endsAt)) {
    return `The visit's day is over (it ended at ${v.endsAt}); it can no longer be ${what}.`;
  }
  return null;
}

/** How the timeline and the closed visit say a denial. */
export function deniedReason(d: ApprovalDecision): string {
  return `denied${d.by ? ` by ${d.by}` : ''}${d.reason ? `: ${d.reason}` : ''}`;
}

/** How the timeline says an approval. */
export function approvedNote(d: ApprovalDecision): string {
  return `approved${d.by ? ` by ${d.by}` : ''}`;
}
