/**
 * What the simulators themselves hold (their /__sim/state), read independently of our PACS clients: the
 * evidence the chaos checks rest on.
 */
export type Pacs = 'onguard' | 'genetec';

export interface CredentialView {
  pacs: Pacs;
  card: string;
  holder: string | null;
  /** Grants access right now: switched on, assigned, inside its validity window. */
  activeNow: boolean;
  /**
   * Never switched off by us: still on in the PACS, whether or not its hard expiry has passed since. The
   * expiry is a backstop; deprovisioning must still switch the badge off, so a lapsed one counts too.
   */
  notSwitchedOff: boolean;
}

const EMPTY_GUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
const ONGUARD_ACTIVE = 1;

export function onGuardCredentials(state: any, cards: Set<string>, now = Date.now()): CredentialView[] {
  const rows = (state?.instances?.Lnl_Badge ?? []) as any[];
  return rows
    .filter((b) => cards.has(String(b.ID)))
    .map((b) => {
      const on = b.STATUS === ONGUARD_ACTIVE;
      const from = b.ACTIVATE ? Date.parse(b.ACTIVATE) : -Infinity;
      const until = b.DEACTIVATE ? Date.parse(b.DEACTIVATE) : Infinity;
      const holder = b.PERSONID !== null && b.PERSONID !== undefined && b.PERSONID !== 0 ? String(b.PERSONID) : null;
      return { pacs: 'onguard' as const, card: String(b.ID), holder, activeNow: on && !!holder && from <= now && now < until, notSwitchedOff: on };
    });
}

export function genetecCredentials(state: any, cards: Set<string>): CredentialView[] {
  const rows = ((state?.entities ?? []) as any[]).filter((e) => e.EntityType === 'Credential');
  return rows
    .filter((c) => cards.has(String(c.Format?.CardId)))
    .map((c) => {
      const holder = c.CardholderGuid && !EMPTY_GUID.test(c.CardholderGuid) ? String(c.CardholderGuid) : null;
      const s = c.Status?.State;
      // The simulator reports a derived state: Expired once the window passed, even for a credential that was
      // never deactivated. Our client takes a switched-off credential off its holder, so an assigned credential
      // that is not Inactive was never switched off.
      return {
        pacs: 'genetec' as const,
        card: String(c.Format?.CardId),
        holder,
        activeNow: s === 'Active' && !!holder,
        notSwitchedOff: s === 'Active' || (!!holder && s !== 'Inactive'),
      };
    });
}

export interface SampleFindings {
  /** card → distinct holders with the card active at the same moment (only when more than one). */
  sharedCards: Array<{ pacs: Pacs; card: string; holders: string[] }>;
  /** holder → active pool cards (only when more than one). */
  multiBadgeHolders: Array<{ pacs: Pacs; holder: string; cards: string[] }>;
}

export function inspectSample(creds: CredentialView[]): SampleFindings {
  const byCard = new Map<string, Set<string>>();
  const byHolder = new Map<string, Set<string>>();
  for (const c of creds) {
    if (!c.activeNow || !c.holder) continue;
    const ck = `${c.pacs}|${c.card}`;
    const hk = `${c.pacs}|${c.holder}`;
    (byCard.get(ck) ?? byCard.set(ck, new Set()).get(ck)!).add(c.holder);
    (byHolder.get(hk) ?? byHolder.set(hk, new Set()).get(hk)!).add(c.card);
  }
  const split = (k: string) => k.split('|') as [Pacs, string];
  return {
    sharedCards: [...byCard].filter(([, h]) => h.size > 1).map(([k, h]) => ({ pacs: split(k)[0], card: split(k)[1], holders: [...h].sort() })),
    multiBadgeHolders: [...byHolder].filter(([, c]) => c.size > 1).map(([k, c]) => ({ pacs: split(k)[0], holder: split(k)[1], cards: [...c].sort() })),
  };
}

/**
 * People created twice for one visitor: a create whose answer was lost and was then created again. Not an
 * invariant of the brief, a figure: each duplicate is a stray record an operator has to clean up.
 */
export function duplicatePeople(onguardState: any, genetecState: any): Record<Pacs, number> {
  const count = (names: string[]) => {
    const seen = new Map<string, number>();
    for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
    return [...seen.values()].reduce((a, k) => a + (k - 1), 0);
  };
  const ours = (n: string) => /^(Chaos|Regular) Visitor /.test(n);
  const og = ((onguardState?.instances?.Lnl_Visitor ?? []) as any[]).map((v) => `${v.FIRSTNAME} ${v.LASTNAME}`.trim());
  const gt = ((genetecState?.entities ?? []) as any[]).filter((e) => e.EntityType === 'Visitor').map((e) => `${e.FirstName} ${e.LastName}`.trim());
  return { onguard: count(og.filter(ours)), genetec: count(gt.filter(ours)) };
}
