import { inProviderTerms, isPacsError, pacsError, PacsError, type PacsErrorCode } from '../errors';
import type {
  IssueBadgeArgs,
  BadgeLookup,
  BadgeTypeRef,
  CatalogAccessRule,
  CatalogBadgeType,
  IssuedCredential,
  PacsAdapter,
  ProviderConnection,
  ProviderSettings,
  TestConnectionResult,
  TestStep,
  VisitorIdentity,
} from '../types';
import { safeHost } from '../http';
import { OpenAccessApi, type ApiOptions } from './api';
import { and, eqInt, eqText, or } from './filters';
import { jsonInt } from './json';
import { boolOf, idOf, textOf, type PropertyMap } from './properties';

/** Provider settings this client reads beyond the shared ProviderSettings. */
export interface OnGuardSettings extends ProviderSettings {
  /**
   * Lnl_Visitor property holding our visit ID, so a retried create without an email finds the visitor it
   * made. Default SSNO [I]: a standard visitor field (S4) that visitor records rarely use. Sites that use
   * SSNO, or whose SSNO is shorter than 36 characters, should name a user-defined field instead.
   */
  visitMarkerField?: string;
}

export type OnGuardClientOptions = ApiOptions;

const T = {
  visitor: 'Lnl_Visitor',
  cardholder: 'Lnl_Cardholder',
  badge: 'Lnl_Badge',
  badgeType: 'Lnl_BadgeType',
  badgeStatus: 'Lnl_BadgeStatus',
  accessLevel: 'Lnl_AccessLevel',
  assignment: 'Lnl_AccessLevelAssignment',
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Access levels asked for in one `ID = a OR ID = b …` filter: half a page, so the first page holds them all. */
const ACCESS_RULES_PER_LOOKUP = 50;

/** Failures after which a create may or may not have happened on the server. */
const UNCERTAIN: ReadonlySet<PacsErrorCode> = new Set(['PACS_TIMEOUT', 'PACS_UNREACHABLE', 'PACS_SERVER_ERROR']);

/**
 * PacsAdapter over Lenel OnGuard OpenAccess. Every mutation looks before it writes, and re-looks after
 * an answer that leaves the outcome unknown, so Temporal retries never create a second visitor, badge or
 * assignment (docs/pacs/onguard-openaccess.md §5 and §6.2: "do not auto-retry a POST Lnl_Badge without first checking by ID").
 */
export class OnGuardClient implements PacsAdapter {
  readonly kind = 'onguard' as const;
  private readonly api: OpenAccessApi;
  private readonly settings: OnGuardSettings;
  private statusCache: Promise<{ active: number; inactive: number }> | null = null;

  constructor(
    private readonly conn: ProviderConnection,
    options: OnGuardClientOptions = {},
  ) {
    this.api = new OpenAccessApi(conn, options);
    this.settings = (conn.settings ?? {}) as OnGuardSettings;
  }

  /** Logins and keepalives so far (for tests and metrics). */
  get sessionStats() {
    return { ...this.api.session.stats };
  }

  // ------------------------------------------------------------------ test connection

  async testConnection(): Promise<TestConnectionResult> {
    const steps: TestStep[] = [];
    const result: TestConnectionResult = { ok: false, steps };
    const fail = (name: TestStep['name'], e: PacsError) => {
      const worded = inProviderTerms(e, 'onguard');
      steps.push({ name, ok: false, message: worded.message, code: worded.code });
    };
    const host = safeHost(this.api.baseUrl);
    const https = this.api.baseUrl.toLowerCase().startsWith('https:');

    try {
      const v = await this.api.anonymous('/version');
      steps.push({ name: 'reachability', ok: true, message: `Reached ${host}.` });
      if (https) steps.push({ name: 'tls', ok: true, message: this.tlsSummary() });
      const product = textOf(v, 'product_name');
      const version = textOf(v, 'product_version');
      if (!product && !version) {
        fail('version', pacsError('PACS_BAD_RESPONSE', `GET /version on ${host} did not report an OnGuard product version.`));
        return result;
      }
      result.serverVersion = [product, version].filter(Boolean).join(' ');
      steps.push({ name: 'version', ok: true, message: `OpenAccess answers: ${result.serverVersion}.` });
    } catch (err) {
      const e = expected(err);
      if (e.code === 'PACS_TLS') {
        steps.push({ name: 'reachability', ok: true, message: `Reached ${host}; the TLS handshake failed.` });
        fail('tls', e);
      } else if (e.code === 'PACS_UNREACHABLE' || e.code === 'PACS_TIMEOUT') {
        fail('reachability', e);
      } else {
        steps.push({ name: 'reachability', ok: true, message: `Reached ${host}.` });
        fail('version', e);
      }
      return result;
    }

    try {
      const d = await this.api.anonymous('/directories');
      if (!Array.isArray(d.item_list)) throw pacsError('PACS_BAD_RESPONSE', 'GET /directories answered without an item_list.');
      result.directories = d.item_list
        .map((item) => (item as { property_value_map?: PropertyMap }).property_value_map)
        .filter((m): m is PropertyMap => Boolean(m))
        // Real servers spell it "Name" though the 7.5 spec says "NAME"; reading is case-insensitive anyway.
        .map((m) => ({ id: textOf(m, 'ID') ?? '', name: textOf(m, 'Name') ?? textOf(m, 'ID') ?? '' }))
        .filter((x) => x.id !== '');
      const wanted = this.conn.directoryId;
      if (wanted && !result.directories.some((x) => x.id === wanted)) {
        const choices = result.directories.map((x) => `${x.name} (${x.id})`).join(', ') || 'none';
        fail(
          'directories',
          pacsError('PACS_VALIDATION', `The configured directory "${wanted}" is not on the server; it offers ${choices}. Select one of them.`),
        );
      } else {
        steps.push({
          name: 'directories',
          ok: true,
          message: `Directories: ${result.directories.map((x) => x.name).join(', ') || 'none listed'}.`,
        });
      }
    } catch (err) {
      fail('directories', expected(err));
    }

    try {
      await this.api.session.fresh();
      steps.push({ name: 'licence', ok: true, message: 'The Application-Id is licensed for OpenAccess.' });
      steps.push({ name: 'credentials', ok: true, message: `Logged in as ${this.conn.username}.` });
    } catch (err) {
      const e = expected(err);
      if (e.code === 'PACS_LICENSE') fail('licence', e);
      else fail('credentials', e);
    }
    result.ok = steps.every((s) => s.ok);
    return result;
  }

  private tlsSummary(): string {
    if (this.conn.tls.fingerprint) return 'The certificate matches the pinned fingerprint.';
    if (!this.conn.tls.verify) return 'Certificate verification is turned off for this provider.';
    return this.conn.tls.caCert ? 'The certificate is signed by the configured CA.' : 'The certificate is trusted.';
  }

  // ------------------------------------------------------------------ refresh

  async listAccessRules(): Promise<CatalogAccessRule[]> {
    const rows = await this.api.listAll(T.accessLevel);
    return rows.map(accessRuleOf).filter((r): r is CatalogAccessRule => r !== null);
  }

  async listBadgeTypes(): Promise<CatalogBadgeType[]> {
    // Status names may have changed too; a refresh is when an admin expects that to be picked up.
    this.statusCache = null;
    const rows = await this.api.listAll(T.badgeType);
    return rows.map(badgeTypeOf).filter((t): t is CatalogBadgeType => t !== null);
  }

  /**
   * `GET /instances?type_name=Lnl_BadgeType&filter=ID = <n>` [C: lookups by `ID=<n>` are the documented form,
   * S7, S9]. Leaves the badge-status cache alone: only a catalogue refresh (listBadgeTypes) re-reads statuses.
   */
  async getBadgeType(externalId: string): Promise<CatalogBadgeType | null> {
    const id = String(externalId ?? '').trim();
    if (!/^\d+$/.test(id)) return null;
    const [row] = await this.api.find(T.badgeType, eqInt('ID', digits(id, 'badge type ID')));
    return row ? badgeTypeOf(row) : null;
  }

  /**
   * `GET /instances?type_name=Lnl_AccessLevel&filter=ID = 1 OR ID = 2 …`, one request per 50 IDs (half a
   * page, so one page holds every answer). OR is in the filter language [C: S3]; this list form is [I], so a
   * server that refuses it (a validation answer) is asked one `ID = n` at a time instead.
   */
  async findAccessRules(externalIds: string[]): Promise<CatalogAccessRule[]> {
    const ids = [
      ...new Set(
        externalIds
          .map((x) => String(x ?? '').trim())
          .filter((x) => /^\d+$/.test(x))
          .map((x) => digits(x, 'access level ID')),
      ),
    ];
    const rows: PropertyMap[] = [];
    for (let i = 0; i < ids.length; i += ACCESS_RULES_PER_LOOKUP) {
      const chunk = ids.slice(i, i + ACCESS_RULES_PER_LOOKUP);
      try {
        rows.push(...(await this.api.find(T.accessLevel, or(...chunk.map((id) => eqInt('ID', id))))));
      } catch (err) {
        if (!(chunk.length > 1 && isPacsError(err) && err.code === 'PACS_VALIDATION')) throw err;
        for (const id of chunk) rows.push(...(await this.api.find(T.accessLevel, eqInt('ID', id))));
      }
    }
    const wanted = new Set(ids);
    return rows.map(accessRuleOf).filter((r): r is CatalogAccessRule => r !== null && wanted.has(r.externalId));
  }

  // ------------------------------------------------------------------ people

  async findOrCreateVisitor(v: VisitorIdentity): Promise<{ personId: string; created: boolean }> {
    const markerField = this.settings.visitMarkerField || 'SSNO';
    const email = v.email?.trim() || null;
    const filter = email ? eqText('EMAIL', email) : eqText(markerField, v.visitId);
    const lookup = async () => lowestId(await this.api.find(T.visitor, filter));

    const existing = await lookup();
    if (existing) return { personId: existing, created: false };

    const pvm: PropertyMap = { FIRSTNAME: v.firstName, LASTNAME: v.lastName, [markerField]: v.visitId };
    if (email) pvm.EMAIL = email;
    if (v.company) pvm.ORGANIZATION = v.company;
    try {
      const created = await this.api.create(T.visitor, pvm);
      const id = idOf(created, 'ID');
      if (id) return { personId: id, created: true };
      // A create answer without the key is [U]; the lookup finds what was made.
      const found = await lookup();
      if (found) return { personId: found, created: true };
      throw pacsError('PACS_BAD_RESPONSE', 'Creating the visitor answered without its ID, and it cannot be found.');
    } catch (err) {
      if (isPacsError(err) && UNCERTAIN.has(err.code)) {
        const found = await lookup().catch(() => null);
        if (found) return { personId: found, created: true };
      }
      throw err;
    }
  }

  // ------------------------------------------------------------------ badges

  async lookupBadge(uniqueId: string, _badgeType: BadgeTypeRef): Promise<BadgeLookup> {
    const badge = await this.badgeById(uniqueId);
    if (!badge) return { exists: false };
    const { active } = await this.statuses();
    const holderId = idOf(badge, 'PERSONID');
    return {
      exists: true,
      credentialId: idOf(badge, 'BADGEKEY') ?? undefined,
      holderId,
      holderName: holderId ? await this.personName(holderId) : null,
      active: idOf(badge, 'STATUS') === String(active),
    };
  }

  async activeBadgesOf(personId: string): Promise<Array<{ credentialId: string; uniqueId: string }>> {
    const { active } = await this.statuses();
    const rows = await this.api.listAll(T.badge, and(eqInt('PERSONID', digits(personId, 'person ID')), eqInt('STATUS', String(active))));
    return rows
      .map((r) => ({ credentialId: idOf(r, 'BADGEKEY'), uniqueId: idOf(r, 'ID') }))
      .filter((b): b is { credentialId: string; uniqueId: string } => b.credentialId !== null && b.uniqueId !== null);
  }

  async issueBadge(args: IssueBadgeArgs): Promise<IssuedCredential> {
    const personId = digits(args.personId, 'person ID');
    const typeId = digits(args.badgeType.externalId, 'badge type ID');
    const { active, inactive } = await this.statuses();
    // Awaiting approval: the badge record exists with the site's inactive status (STATUS is a
    // Lnl_BadgeStatus ID [C]); activateBadge PUTs the active one.
    const wanted = { STATUS: args.inactive ? inactive : active, ACTIVATE: isoWithOffset(args.activateAt), DEACTIVATE: isoWithOffset(args.deactivateAt) };

    // Looked up again although the provision's badge check just did: that was another activity, and this
    // one may be a retry whose first POST landed. Posting first and reading a duplicate refusal would save
    // the request, but whether and how OnGuard refuses a duplicate ID (issue codes) is [U] (evidence §4).
    const existing = await this.badgeById(args.uniqueId);
    if (existing) return this.adoptExisting(existing, args.uniqueId, personId, wanted, false);

    try {
      const created = await this.api.create(T.badge, {
        ID: jsonInt(digits(args.uniqueId, 'badge ID')),
        PERSONID: jsonInt(personId),
        TYPE: jsonInt(typeId),
        ...wanted,
      });
      const key = idOf(created, 'BADGEKEY');
      if (key) return { credentialId: key, created: true };
      const found = await this.badgeById(args.uniqueId);
      if (found && idOf(found, 'PERSONID') === personId) return { credentialId: idOf(found, 'BADGEKEY')!, created: true };
      throw pacsError('PACS_BAD_RESPONSE', 'Creating the badge answered without its BADGEKEY, and it cannot be found.');
    } catch (err) {
      if (!isPacsError(err)) throw err;
      // The create may have happened (a timeout) or another attempt may have won the race (a refusal):
      // what the server holds now decides, never a blind second POST.
      const found = await this.badgeById(args.uniqueId).catch(() => null);
      if (found && idOf(found, 'PERSONID') === personId) {
        return { credentialId: idOf(found, 'BADGEKEY')!, created: UNCERTAIN.has(err.code) };
      }
      // Someone else holds it now: say who, whatever the first answer was.
      if (found) return this.adoptExisting(found, args.uniqueId, personId, wanted, false);
      throw err;
    }
  }

  /** A badge with this ID already exists: ours (bring it to the wanted state) or someone else's (refuse). */
  private async adoptExisting(
    badge: PropertyMap,
    uniqueId: string,
    personId: string,
    wanted: { STATUS: number; ACTIVATE: string; DEACTIVATE: string },
    created: boolean,
  ): Promise<IssuedCredential> {
    const key = idOf(badge, 'BADGEKEY');
    const holder = idOf(badge, 'PERSONID');
    if (!key) throw pacsError('PACS_BAD_RESPONSE', `Badge ${uniqueId} was listed without its BADGEKEY.`);
    if (holder !== personId) {
      const name = holder ? await this.personName(holder).catch(() => null) : null;
      const active = idOf(badge, 'STATUS') === String(wanted.STATUS);
      throw pacsError(
        'BADGE_ALREADY_ASSIGNED',
        `Badge ID ${uniqueId} is assigned to ${name ? `"${name}" (person ${holder})` : `person ${holder ?? 'unknown'}`} in OnGuard${active ? ' and is active' : ''}.`,
      );
    }
    const sameStatus = idOf(badge, 'STATUS') === String(wanted.STATUS);
    const sameEnd = sameInstant(textOf(badge, 'DEACTIVATE'), wanted.DEACTIVATE);
    if (!sameStatus || !sameEnd) {
      // The visitor's own badge from an earlier visit, or an earlier attempt with other dates: reuse it.
      const update: PropertyMap = { BADGEKEY: jsonInt(key), DEACTIVATE: wanted.DEACTIVATE };
      if (!sameStatus) Object.assign(update, { STATUS: wanted.STATUS, ACTIVATE: wanted.ACTIVATE });
      await this.api.update(T.badge, update);
    }
    return { credentialId: key, created };
  }

  /** `PUT /instances` Lnl_Badge {BADGEKEY, STATUS, ACTIVATE, DEACTIVATE} [C: S2 updates STATUS this way]. */
  async activateBadge(args: { personId: string; credentialId: string; activateAt: Date; deactivateAt: Date }): Promise<void> {
    const key = digits(args.credentialId, 'credential ID');
    const badge = (await this.api.find(T.badge, eqInt('BADGEKEY', key)))[0];
    if (!badge || idOf(badge, 'PERSONID') !== digits(args.personId, 'person ID')) {
      throw pacsError('PACS_NOT_FOUND', `Badge ${key} of person ${args.personId} no longer exists in OnGuard; sign the visitor in again.`);
    }
    const { active } = await this.statuses();
    const deactivate = isoWithOffset(args.deactivateAt);
    if (idOf(badge, 'STATUS') === String(active) && sameInstant(textOf(badge, 'DEACTIVATE'), deactivate)) return;
    await this.api.update(T.badge, { BADGEKEY: jsonInt(key), STATUS: active, ACTIVATE: isoWithOffset(args.activateAt), DEACTIVATE: deactivate });
  }

  /**
   * OnGuard has lost badge statuses [C: sites use "Lost", S11], named per site [C: S4 New-BadgeStatus] with
   * unknown default IDs [U]: the status is looked up by `lostStatusName` (default "Lost") only when a card is
   * reported lost. With `releaseOnDeactivate` (the default) the badge record was deleted when its last visit
   * ended, so there is nothing to mark. A badge active in OnGuard is not ours to change here: no visit of
   * ours holds the card (the API refuses a held card), so someone else does; reconciliation reports it.
   */
  async setCardLost(args: { uniqueId: string; badgeType: BadgeTypeRef; lost: boolean }): Promise<{ recorded: boolean }> {
    const badge = await this.badgeById(args.uniqueId);
    if (!badge) return { recorded: false };
    const key = idOf(badge, 'BADGEKEY');
    if (!key) throw pacsError('PACS_BAD_RESPONSE', `Badge ${args.uniqueId} was listed without its BADGEKEY.`);
    const { active, inactive } = await this.statuses();
    const status = idOf(badge, 'STATUS');
    if (status === String(active)) {
      throw pacsError(
        'PACS_CONFLICT',
        `Badge ${args.uniqueId} is active in OnGuard (person ${idOf(badge, 'PERSONID') ?? 'unknown'}), though no visit of this service holds it: it was not changed. Check who holds it (reconciliation reports it) before marking it lost there.`,
      );
    }
    const lost = await this.lostStatus();
    if (args.lost && status !== String(lost)) await this.api.update(T.badge, { BADGEKEY: jsonInt(key), STATUS: lost });
    if (!args.lost && status === String(lost)) await this.api.update(T.badge, { BADGEKEY: jsonInt(key), STATUS: inactive });
    return { recorded: true };
  }

  private async lostStatus(): Promise<number> {
    return statusIdByName(await this.api.listAll(T.badgeStatus), this.settings.lostStatusName || 'Lost', 'lostStatusName');
  }

  // ------------------------------------------------------------------ access levels

  async grantAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void> {
    if (args.accessRuleExternalIds.length === 0) return;
    const key = digits(args.credentialId, 'credential ID');
    const held = await this.assignedLevels(key);
    for (const levelId of args.accessRuleExternalIds) {
      const level = digits(levelId, 'access level ID');
      if (held.has(level)) continue;
      try {
        await this.api.create(T.assignment, { AccessLevelID: jsonInt(level), BadgeKey: jsonInt(key) });
      } catch (err) {
        // A duplicate refusal or an unknown outcome is fine if the assignment is there now.
        if (isPacsError(err) && (err.code === 'PACS_CONFLICT' || UNCERTAIN.has(err.code))) {
          const now = await this.assignedLevels(key).catch(() => null);
          if (now?.has(level)) continue;
        }
        throw err;
      }
      held.add(level);
    }
  }

  async revokeAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void> {
    // No credential was issued: OnGuard keeps access levels on badges, so there is nothing to revoke.
    if (!args.credentialId || args.accessRuleExternalIds.length === 0) return;
    const key = digits(args.credentialId, 'credential ID');
    const held = await this.assignedLevels(key);
    for (const levelId of args.accessRuleExternalIds) {
      const level = digits(levelId, 'access level ID');
      if (!held.has(level)) continue;
      try {
        await this.api.remove(T.assignment, { AccessLevelID: jsonInt(level), BadgeKey: jsonInt(key) });
      } catch (err) {
        // What a server answers for an absent assignment is [U]: look instead of guessing from the code.
        if (isPacsError(err)) {
          const now = await this.assignedLevels(key).catch(() => null);
          if (now && !now.has(level)) continue;
        }
        throw err;
      }
    }
  }

  async deactivateBadge(args: { personId: string; credentialId: string }): Promise<void> {
    if (!args.credentialId) return;
    const key = digits(args.credentialId, 'credential ID');
    const current = async () => (await this.api.find(T.badge, eqInt('BADGEKEY', key)))[0];
    const badge = await current();
    // Gone, or no longer this person's: nothing of ours to switch off.
    if (!badge || (args.personId && idOf(badge, 'PERSONID') !== args.personId)) return;
    const { active, inactive } = await this.statuses();
    if (idOf(badge, 'STATUS') === String(active)) {
      try {
        await this.api.update(T.badge, { BADGEKEY: jsonInt(key), STATUS: inactive, DEACTIVATE: isoWithOffset(new Date()) });
      } catch (err) {
        if (!isPacsError(err)) throw err;
        // Deleted or switched off meanwhile (by an operator or an earlier attempt): the goal is reached.
        let after: PropertyMap | undefined;
        try {
          after = await current();
        } catch {
          throw err;
        }
        if (after && idOf(after, 'STATUS') === String(active)) throw err;
        if (!after) return;
      }
    }
    // The card goes back to the reception pool. OnGuard badge IDs are unique whatever their status, so the
    // record must go before the next visitor can be issued the same number. Switching it off first means a
    // failed delete still leaves it inactive; the deletion is retried with the rest of deprovisioning.
    if (this.settings.releaseOnDeactivate === false) return;
    try {
      await this.api.remove(T.badge, { BADGEKEY: jsonInt(key) });
    } catch (err) {
      if (!isPacsError(err)) throw err;
      if (await current()) throw err;
    }
  }

  /** Dry run clean-up: DELETE /instances of the badge (if still there), then of the visitor; absent counts as done. */
  async removeTestVisitor(args: { personId: string; credentialId?: string | null }): Promise<void> {
    if (args.credentialId) {
      const key = digits(args.credentialId, 'credential ID');
      if ((await this.api.find(T.badge, eqInt('BADGEKEY', key)))[0]) await this.api.remove(T.badge, { BADGEKEY: jsonInt(key) });
    }
    const id = digits(args.personId, 'person ID');
    if ((await this.api.find(T.visitor, eqInt('ID', id)))[0]) await this.api.remove(T.visitor, { ID: jsonInt(id) });
  }

  async accessRulesOf(args: { personId: string; credentialId: string }): Promise<string[]> {
    if (!args.credentialId) return [];
    return [...(await this.assignedLevels(digits(args.credentialId, 'credential ID')))];
  }

  async visitMarkerOf(personId: string): Promise<string | null> {
    // Only visitors carry the marker: findOrCreateVisitor never creates cardholders.
    const [v] = await this.api.find(T.visitor, eqInt('ID', digits(personId, 'person ID')));
    const marker = v ? textOf(v, this.settings.visitMarkerField || 'SSNO') : null;
    // The field may hold something else on visitors entered by hand (an SSN); only a visit ID counts.
    return marker && UUID.test(marker.trim()) ? marker.trim().toLowerCase() : null;
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  // ------------------------------------------------------------------ helpers

  private async badgeById(uniqueId: string): Promise<PropertyMap | null> {
    const rows = await this.api.find(T.badge, eqInt('ID', digits(uniqueId, 'badge ID')));
    return rows[0] ?? null;
  }

  private async assignedLevels(badgeKey: string): Promise<Set<string>> {
    const rows = await this.api.listAll(T.assignment, eqInt('BADGEKEY', badgeKey));
    return new Set(rows.map((r) => idOf(r, 'AccessLevelID')).filter((x): x is string => x !== null));
  }

  /** Visitor first, then cardholder: both live in one ID space and badges point at either (docs/pacs/onguard-openaccess.md §5.1). */
  private async personName(personId: string): Promise<string | null> {
    for (const type of [T.visitor, T.cardholder]) {
      const [p] = await this.api.find(type, eqInt('ID', personId));
      if (p) return [textOf(p, 'FIRSTNAME'), textOf(p, 'LASTNAME')].filter(Boolean).join(' ') || null;
    }
    return null;
  }

  /** Status IDs are site-specific (docs/pacs/onguard-openaccess.md §3.5): resolved by configurable name and cached. */
  private statuses(): Promise<{ active: number; inactive: number }> {
    if (!this.statusCache) {
      this.statusCache = this.resolveStatuses();
      this.statusCache.catch(() => {
        this.statusCache = null;
      });
    }
    return this.statusCache;
  }

  private async resolveStatuses(): Promise<{ active: number; inactive: number }> {
    const rows = await this.api.listAll(T.badgeStatus);
    return {
      active: statusIdByName(rows, this.settings.activeStatusName || 'Active', 'activeStatusName'),
      inactive: statusIdByName(rows, this.settings.inactiveStatusName || 'Inactive', 'inactiveStatusName'),
    };
  }
}

function accessRuleOf(r: PropertyMap): CatalogAccessRule | null {
  const id = idOf(r, 'ID');
  if (id === null) return null;
  return { externalId: id, name: textOf(r, 'Name') ?? `Access level ${id}` };
}

function badgeTypeOf(r: PropertyMap): CatalogBadgeType | null {
  const id = idOf(r, 'ID');
  if (id === null) return null;
  // OpenAccess is not known to expose ID allocation or ranges on Lnl_BadgeType (docs/pacs/onguard-openaccess.md §3.4 [U]); only
  // our simulator does, as SIM_* properties. Against a real server these are absent, so the type is
  // taken as manual entry with no range, and the admin's own range for the type is what gets checked.
  const manual = boolOf(r, 'SIM_MANUAL_ENTRY');
  const min = idOf(r, 'SIM_MIN_ID');
  const max = idOf(r, 'SIM_MAX_ID');
  const cls = idOf(r, 'BADGETYPECLASS');
  return {
    externalId: id,
    name: textOf(r, 'Name') ?? `Badge type ${id}`,
    manualEntry: manual ?? true,
    idRange: min !== null && max !== null ? { min, max } : null,
    details: { badgeTypeClass: cls === null ? null : Number(cls) },
  };
}

/** The ID of the badge status named `wanted` (case and spaces ignored), or a validation error naming the provider setting. */
function statusIdByName(rows: PropertyMap[], wanted: string, setting: string): number {
  for (const r of rows) {
    const id = idOf(r, 'ID');
    const name = textOf(r, 'Name');
    if (id !== null && name && name.trim().toLowerCase() === wanted.trim().toLowerCase()) return Number(id);
  }
  const names = rows
    .map((r) => textOf(r, 'Name'))
    .filter(Boolean)
    .join(', ');
  throw pacsError(
    'PACS_VALIDATION',
    `OnGuard has no badge status named "${wanted}" (it has: ${names || 'none'}). Set the provider's ${setting} to one of them.`,
  );
}

function expected(err: unknown): PacsError {
  if (isPacsError(err)) return err;
  throw err;
}

function digits(value: string, what: string): string {
  const v = String(value ?? '').trim();
  if (!/^\d+$/.test(v)) throw pacsError('PACS_VALIDATION', `The ${what} "${v}" is not a number; OnGuard IDs are digits only.`);
  return v.replace(/^0+(?=\d)/, '');
}

function lowestId(rows: PropertyMap[]): string | null {
  const ids = rows.map((r) => idOf(r, 'ID')).filter((x): x is string => x !== null);
  if (ids.length === 0) return null;
  return ids.reduce((a, b) => (BigInt(b) < BigInt(a) ? b : a));
}

/** Full ISO-8601 with an explicit offset (docs/pacs/onguard-openaccess.md §2.3); UTC avoids DST questions (S6). */
export function isoWithOffset(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function sameInstant(a: string | null, b: string): boolean {
  if (!a) return false;
  // Seconds precision: the server stores whole seconds (captures show none finer).
  return Math.floor(Date.parse(a) / 1000) === Math.floor(Date.parse(b) / 1000);
}
