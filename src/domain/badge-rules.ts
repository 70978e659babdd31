import { WHAT_TO_DO } from '../pacs/errors';

/**
 * Whether a security badge can be handed out, as far as its badge type decides: the one rule behind the
 * badge lists, the badge form, the provisioning options, sign-in and the live check before issuing.
 * Each problem has one wording: what is wrong here, then the operators' guidance (src/pacs/errors.ts).
 */

export type BadgeProblemCode = 'BADGE_TYPE_MISSING' | 'BADGE_TYPE_NOT_MANUAL' | 'BADGE_ID_OUT_OF_RANGE';

export interface BadgeTypeFacts {
  name: string;
  /** 'active' while the PACS has it (as of the last refresh, or live). */
  status: string;
  manualEntry: boolean;
  idMin: bigint | null;
  idMax: bigint | null;
}

export function inRange(uniqueId: string, t: { idMin: bigint | null; idMax: bigint | null }): boolean {
  const n = BigInt(uniqueId);
  return (t.idMin === null || n >= t.idMin) && (t.idMax === null || n <= t.idMax);
}

export function rangeText(t: { idMin: bigint | null; idMax: bigint | null }): string {
  return `${t.idMin ?? '0'}–${t.idMax ?? '∞'}`;
}

/** What is wrong, without the guidance: for callers that add it themselves (pacsError does). */
export function badgeTypeProblem(uniqueId: string, t: BadgeTypeFacts, system = 'the access control system'): { code: BadgeProblemCode; fact: string } | null {
  if (t.status !== 'active') return { code: 'BADGE_TYPE_MISSING', fact: `Badge type "${t.name}" no longer exists in ${system}.` };
  if (!t.manualEntry) return { code: 'BADGE_TYPE_NOT_MANUAL', fact: `Badge type "${t.name}" does not allocate badge IDs by manual entry.` };
  if (!inRange(uniqueId, t)) {
    return { code: 'BADGE_ID_OUT_OF_RANGE', fact: `Badge ID ${uniqueId} is outside the range ${rangeText(t)} allowed for badge type "${t.name}".` };
  }
  return null;
}

/** Why a badge of this type cannot be provisioned, with what to do, or null when it can. */
export function badgeProblem(uniqueId: string, t: BadgeTypeFacts): { problem: BadgeProblemCode; message: string } | null {
  const p = badgeTypeProblem(uniqueId, t);
  return p && { problem: p.code, message: `${p.fact} ${WHAT_TO_DO[p.code]}` };
}
