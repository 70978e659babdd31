import { inProviderTerms, isPacsError, pacsError, PacsError } from '../errors';
import type {
  IssueBadgeArgs,
  BadgeLookup,
  BadgeTypeRef,
  CatalogAccessRule,
  CatalogBadgeType,
  IssuedCredential,
  PacsAdapter,
  ProviderConnection,
  TestConnectionResult,
  TestStep,
  VisitorIdentity,
} from '../types';
import { dotted, guidList, prop, resultList, stateOf } from './envelope';
import type { FailContext } from './errors';
import {
  BUILT_IN_FORMATS,
  checkCard,
  credentialFormatToken,
  credentialName,
  type CredentialForm,
  formatOfBadgeType,
  normalizeGuid,
  parseCardNumber,
  rangeFrom,
  type ClientFormat,
} from './formats';
import { dashless, entityClause, isoUtc, readClause, set } from './query';
import { WebSdkTransport, type TransportOptions } from './transport';

/**
 * PacsAdapter for Genetec Security Center over the Web-based SDK (docs/pacs/genetec-websdk.md).
 * Product mapping: access rules are cardholder groups (they carry the Genetec access rules, and visitors get
 * doors only through groups [C S-TECH]); badge types are credential formats; the person is a Visitor (or a
 * Cardholder, per settings) marked with the visit ID in its Description so a retried create finds it.
 */
export interface GenetecClientOptions extends TransportOptions {
  /** Rows per report page (default 100). */
  pageSize?: number;
  /** Entities per batched read (default 10, as S-CAM does). */
  batchSize?: number;
  /**
   * deactivateBadge also takes the credential off the person (default true), so the physical card is free in
   * Security Center for the next visitor; a credential belongs to one cardholder at a time [C S-TECH].
   */
  releaseOnDeactivate?: boolean;
}

const SYSTEM_CONFIGURATION = '00000000000000000000000000000007';
const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
const VISIT_MARKER_PREFIX = 'visitor-badges visit ';

export const visitMarker = (visitId: string) => `${VISIT_MARKER_PREFIX}${visitId}`;

export class GenetecClient implements PacsAdapter {
  readonly kind = 'genetec' as const;
  private readonly t: WebSdkTransport;
  private readonly pageSize: number;
  private readonly batchSize: number;
  private readonly releaseOnDeactivate: boolean;

  constructor(
    private readonly conn: ProviderConnection,
    opts: GenetecClientOptions = {},
  ) {
    this.t = new WebSdkTransport(conn, opts);
    this.pageSize = Math.max(1, opts.pageSize ?? 100);
    this.batchSize = Math.max(1, opts.batchSize ?? 10);
    this.releaseOnDeactivate = opts.releaseOnDeactivate ?? conn.settings?.releaseOnDeactivate ?? true;
  }

  private get personType(): 'Visitor' | 'Cardholder' {
    return this.conn.settings?.personEntityType ?? 'Visitor';
  }

  /** Wiegand credential form, default "undecoded" [C]; "decoded" is [I] (see ProviderSettings). */
  get credentialForm(): CredentialForm {
    return this.conn.settings?.genetecCredentialForm ?? 'undecoded';
  }

  private get facilityCode(): number {
    return this.conn.settings?.facilityCode ?? 0;
  }

  // ---- low-level helpers -------------------------------------------------------------------------

  private read(q: string, context: FailContext = 'read') {
    return this.t.call('GET', 'entity', q, context);
  }

  /** Mutations always POST: GET is proven for reads only [C S-BULAC, S-CAM; open question 6]. */
  private write(q: string, context: FailContext = 'write') {
    return this.t.call('POST', 'entity', q, context);
  }

  private async report(type: string, q: string): Promise<string[]> {
    return resultList(await this.t.call('GET', `report/${type}`, q, 'read'))
      .map((row) => normalizeGuid(prop(row, 'Guid')))
      .filter((g): g is string => g !== null);
  }

  /** Pages with 1-based Page/PageSize; a page of PageSize+1 rows means another page exists [C-2nd S-GUIDE]. */
  private async pagedReport(type: string, filter: string): Promise<string[]> {
    const all: string[] = [];
    for (let page = 1; page < 100_000; page++) {
      const rows = await this.report(type, `${filter},Page=${page},PageSize=${this.pageSize}`);
      all.push(...rows.slice(0, this.pageSize));
      if (rows.length <= this.pageSize) break;
    }
    return [...new Set(all)];
  }

  /**
   * Reads properties of many entities, `batchSize` clauses per request [C S-CAM]. Guid is read too so rows
   * match by identity, not position. An entity deleted meanwhile fails its batch; then each is read alone
   * and the missing ones are skipped.
   */
  private async readMany(guids: string[], props: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const fields = ['Guid', ...props.filter((p) => p !== 'Guid')];
    for (let i = 0; i < guids.length; i += this.batchSize) {
      const chunk = guids.slice(i, i + this.batchSize);
      let rows: unknown[] = [];
      try {
        rows = resultList(await this.read(chunk.map((g) => readClause(g, fields)).join(',')));
      } catch (e) {
        if (!(isPacsError(e) && e.code === 'PACS_NOT_FOUND')) throw e;
        for (const g of chunk.length > 1 ? chunk : []) {
          const row = await this.readOne(g, props);
          if (row) rows.push(row);
        }
      }
      for (const row of rows) {
        const g = normalizeGuid(prop(row, 'Guid'));
        if (g) out.set(g, row);
      }
    }
    return out;
  }

  private async readOne(guid: string, props: string[]): Promise<unknown | null> {
    try {
      return resultList(await this.read(readClause(guid, ['Guid', ...props])))[0] ?? null;
    } catch (e) {
      if (isPacsError(e) && e.code === 'PACS_NOT_FOUND') return null;
      throw e;
    }
  }

  // ---- PacsAdapter -------------------------------------------------------------------------------

  async testConnection(): Promise<TestConnectionResult> {
    const steps: TestStep[] = [];
    const result = () => ({ ok: steps.every((s) => s.ok), steps });
    const host = this.t.http.host;
    const failStep = (name: TestStep['name'], e: unknown) =>
      steps.push({
        name,
        ok: false,
        message: isPacsError(e) ? inProviderTerms(e, 'genetec').message : `Unexpected error: ${(e as Error)?.message ?? String(e)}`,
        code: isPacsError(e) ? e.code : undefined,
      });

    // Step 1: GET / is the Web SDK's own connection test [C S-HID, S-CAM]; it also proves TLS and the log-on.
    try {
      await this.t.call('GET', '', undefined, 'read');
      steps.push({ name: 'reachability', ok: true, message: `Reached the Web-based SDK at ${host}${this.t.http.basePath}.` });
      if (this.t.isHttps) steps.push({ name: 'tls', ok: true, message: `The TLS certificate of ${host} is trusted.` });
      steps.push({ name: 'credentials', ok: true, message: `Logged on as ${this.conn.username} with the configured application ID.` });
    } catch (e) {
      const code = isPacsError(e) ? e.code : undefined;
      if (code === 'PACS_TLS') {
        steps.push({ name: 'reachability', ok: true, message: `${host} accepts connections.` });
        failStep('tls', e);
      } else if (code === 'PACS_AUTH') {
        this.reachedSteps(steps);
        failStep('credentials', e);
      } else if (code === 'PACS_LICENSE') {
        this.reachedSteps(steps);
        steps.push({
          name: 'credentials',
          ok: false,
          code: 'PACS_LICENSE',
          message:
            'Not confirmed: the server answered 403, which means an application ID outside the licence or, on some servers, a wrong username or password.',
        });
        failStep('licence', e);
      } else {
        failStep('reachability', e);
      }
      return result();
    }

    // Step 2: one cheap report proves the licence and the session can run queries, not just log on.
    try {
      await this.report('EntityConfiguration', 'EntityTypes@CardholderGroup,Page=1,PageSize=1');
      steps.push({ name: 'licence', ok: true, message: 'The Security Center licence accepts this application ID and the user can run reports.' });
    } catch (e) {
      failStep('licence', e);
    }
    return result();
  }

  private reachedSteps(steps: TestStep[]) {
    steps.push({ name: 'reachability', ok: true, message: `Reached the Web-based SDK at ${this.t.http.host}${this.t.http.basePath}.` });
    if (this.t.isHttps) steps.push({ name: 'tls', ok: true, message: `The TLS certificate of ${this.t.http.host} is trusted.` });
  }

  async listAccessRules(): Promise<CatalogAccessRule[]> {
    const guids = await this.pagedReport('EntityConfiguration', 'EntityTypes@CardholderGroup');
    const rows = await this.readMany(guids, ['Name']);
    return guids.filter((g) => rows.has(g)).map((g) => ({ externalId: g, name: String(prop(rows.get(g), 'Name') ?? g) }));
  }

  async listBadgeTypes(): Promise<CatalogBadgeType[]> {
    let formats: unknown[];
    try {
      formats = resultList(prop(await this.read(entityClause(SYSTEM_CONFIGURATION, 'CredentialFormats')), 'CredentialFormats'));
    } catch (e) {
      // Reading SystemConfiguration.CredentialFormats through the Web SDK is [I]; a server that refuses the
      // property still has the built-in formats, whose IDs and ranges are documented.
      if (!(isPacsError(e) && (e.code === 'PACS_VALIDATION' || e.code === 'PACS_NOT_FOUND'))) throw e;
      formats = BUILT_IN_FORMATS.map((f) => ({ FormatId: f.formatId, Name: f.name, BitLength: f.bitLength }));
    }
    const out: CatalogBadgeType[] = [];
    for (const f of formats) {
      const formatId = normalizeGuid(prop(f, 'FormatId') ?? prop(f, 'Id'));
      if (!formatId) continue;
      const name = String(prop(f, 'Name') ?? formatId);
      const builtIn = BUILT_IN_FORMATS.find((b) => b.formatId === formatId);
      const fieldNames = prop(f, 'Fields');
      const def: ClientFormat | null = builtIn
        ? builtIn
        : Array.isArray(fieldNames) && fieldNames.length >= 2
          ? {
              formatId,
              name,
              bitLength: Number(prop(f, 'BitLength')) || null,
              facility: rangeFrom(prop(f, 'FacilityCodeRange')),
              card: rangeFrom(prop(f, 'CardIdRange')),
              fields: { facility: String(fieldNames[0]), card: String(fieldNames[1]) },
            }
          : null;
      // A custom format whose fields are unknown cannot be issued by card number: leaving it out keeps
      // admins from registering badges that would fail at provisioning.
      if (!def) continue;
      out.push({
        externalId: formatId,
        name,
        manualEntry: true,
        idRange: def.card ? { min: def.card.min.toString(), max: def.card.max.toString() } : null,
        details: {
          formatId,
          name,
          bitLength: def.bitLength,
          facilityCodeRange: def.facility ? { min: Number(def.facility.min), max: Number(def.facility.max) } : null,
          cardRange: def.card ? { min: def.card.min.toString(), max: def.card.max.toString() } : null,
          ...(def.fields ? { fields: def.fields } : {}),
        },
      });
    }
    return out;
  }

  /**
   * The credential format with this FormatId, from the same single read of SystemConfiguration.CredentialFormats
   * as listBadgeTypes (the Web SDK has no per-format lookup [I]). `details` is not needed: the live format
   * carries what issuing reads.
   */
  async getBadgeType(externalId: string): Promise<CatalogBadgeType | null> {
    const id = normalizeGuid(externalId);
    if (!id) return null;
    return (await this.listBadgeTypes()).find((t) => t.externalId === id) ?? null;
  }

  /**
   * The cardholder groups among these GUIDs, read in one batched request per `batchSize` GUIDs
   * (`entity?q=entity=<g1>,Guid,Name,EntityType,entity=<g2>,…` [C S-CAM batches reads of 10]). A deleted group
   * fails its batch; then each is read alone and the missing ones are left out (readMany). An entity that is
   * not a cardholder group is no access rule either.
   */
  async findAccessRules(externalIds: string[]): Promise<CatalogAccessRule[]> {
    const guids = [...new Set(externalIds.map(normalizeGuid).filter((g): g is string => g !== null))];
    if (!guids.length) return [];
    const rows = await this.readMany(guids, ['Name', 'EntityType']);
    return guids
      .filter((g) => rows.has(g) && String(prop(rows.get(g), 'EntityType') ?? '').toLowerCase() === 'cardholdergroup')
      .map((g) => ({ externalId: g, name: String(prop(rows.get(g), 'Name') ?? g) }));
  }

  async findOrCreateVisitor(v: VisitorIdentity): Promise<{ personId: string; created: boolean }> {
    const type = this.personType;
    const marker = visitMarker(v.visitId);
    // 1. A previous attempt for this visit (the create may have landed although its answer was lost).
    const marked = await this.report('EntityConfiguration', `EntityTypes@${type},${set('Description', marker)}`);
    if (marked.length) {
      const rows = await this.readMany(marked, ['Description']);
      const hit = marked.find((g) => prop(rows.get(g), 'Description') === marker);
      if (hit) return { personId: hit, created: false };
    }
    const fullName = `${v.firstName} ${v.lastName}`.trim();
    // 2. The same person from an earlier visit: names are not unique in Security Center [C S-TECH], so the
    //    e-mail address decides.
    const email = v.email?.trim();
    if (email) {
      // NameSearchMode=Contains is the mode seen on live servers [C-obs S-LQ, S-HTP]; `Is` is not [I]. The exact
      // name is compared here instead, as S-BULAC does for its name searches.
      const named = await this.report('EntityConfiguration', `EntityTypes@${type},${set('Name', fullName)},NameSearchMode=Contains`);
      if (named.length) {
        const rows = await this.readMany(named, ['Name', 'EmailAddress']);
        const sameName = (g: string) =>
          String(prop(rows.get(g), 'Name') ?? '')
            .trim()
            .toLowerCase() === fullName.toLowerCase();
        const hit = named.find((g) => sameName(g) && String(prop(rows.get(g), 'EmailAddress') ?? '').toLowerCase() === email.toLowerCase());
        if (hit) return { personId: hit, created: false };
      }
    }
    // 3. Create. A Visitor's window is Arrival/Departure (ActivationDate has no setter on visitors [C-obs S-HTP]).
    const tokens = [
      set('Name', fullName || `Visitor ${v.visitId}`),
      set('FirstName', v.firstName),
      set('LastName', v.lastName),
      ...(email ? [set('EmailAddress', email)] : []),
      set('Description', marker),
      ...(type === 'Visitor' ? [`Arrival=${isoUtc(new Date())}`] : []),
      'Guid',
    ];
    const res = await this.write(entityClause(`NewEntity(${type})`, ...tokens));
    const personId = normalizeGuid(prop(resultList(res)[0], 'Guid'));
    if (!personId) throw pacsError('PACS_BAD_RESPONSE', `Security Center created the ${type} but returned no Result.Guid.`);
    return { personId, created: true };
  }

  async lookupBadge(uniqueId: string, badgeType: BadgeTypeRef): Promise<BadgeLookup> {
    const format = formatOfBadgeType(badgeType);
    const card = parseCardNumber(uniqueId);
    checkCard(format, card, this.facilityCode);
    const found = await this.findCredentials(format, card);
    if (!found.length) return { exists: false };
    const rows = await this.readMany(found, ['Name', 'CardholderGuid', 'Status']);
    const describe = (g: string) => {
      const row = rows.get(g);
      const holder = normalizeGuid(prop(row, 'CardholderGuid') ?? dotted(row, 'Cardholder.Guid'));
      return { g, holder: holder && holder !== EMPTY_GUID ? holder : null, active: stateOf(prop(row, 'Status')) === 'Active' };
    };
    const all = found.filter((g) => rows.has(g)).map(describe);
    if (!all.length) return { exists: false };
    // Duplicates should not exist; if a server allows them, the active or assigned one is what matters.
    const best = all.find((c) => c.active && c.holder) ?? all.find((c) => c.holder) ?? all[0];
    let holderName: string | null = null;
    if (best.holder) {
      const h = await this.readOne(best.holder, ['Name']);
      holderName = h ? String(prop(h, 'Name') ?? '') || null : null;
    }
    return { exists: true, credentialId: best.g, holderId: best.holder, holderName, active: best.active };
  }

  /**
   * Credentials of this card, found two ways and merged:
   * 1. by the deterministic name this client gives its credentials: `EntityTypes@Credential,Name=` with the
   *    default StartsWith search and an exact comparison afterwards, as S-BULAC does in production [C-obs];
   * 2. by `CredentialConfiguration?q=UniqueIds@<the Format value>` [C-2nd S-GUIDE for UniqueIds@, C-obs S-VRFID
   *    with a format expression; with a Wiegand value it is I]. It also finds cards created by hand in Config
   *    Tool under another name. In the undecoded form a server that refuses the UniqueIds value
   *    (InvalidOperation) leaves the name search alone; in the decoded form the refusal is an error, since
   *    the same token is used to create.
   */
  private async findCredentials(format: ClientFormat, card: bigint): Promise<string[]> {
    const name = credentialName(format, card, this.facilityCode);
    const named = await this.report('EntityConfiguration', `EntityTypes@Credential,${set('Name', name)}`);
    const rows = named.length ? await this.readMany(named, ['Name']) : new Map<string, unknown>();
    const byName = named.filter((g) => prop(rows.get(g), 'Name') === name);
    let byUniqueId: string[] = [];
    try {
      byUniqueId = await this.report('CredentialConfiguration', `UniqueIds@${credentialFormatToken(format, card, this.facilityCode, this.credentialForm)}`);
    } catch (e) {
      if (!(this.credentialForm === 'undecoded' && isPacsError(e) && e.code === 'PACS_VALIDATION')) throw e;
    }
    return [...new Set([...byName, ...byUniqueId])];
  }

  async activeBadgesOf(personId: string): Promise<Array<{ credentialId: string; uniqueId: string }>> {
    const person = await this.read(readClause(personId, ['Credentials']));
    const creds = guidList(prop(resultList(person)[0], 'Credentials'));
    if (!creds.length) return [];
    const rows = await this.readMany(creds, ['Status', 'Format']);
    const out: Array<{ credentialId: string; uniqueId: string }> = [];
    for (const g of creds) {
      const row = rows.get(g);
      if (!row || stateOf(prop(row, 'Status')) !== 'Active') continue;
      const f = prop(row, 'Format');
      const cardId = prop(f, 'CardId');
      out.push({ credentialId: g, uniqueId: cardId !== undefined && cardId !== null ? String(cardId) : String(prop(f, 'UniqueId') ?? '') });
    }
    return out;
  }

  async issueBadge(args: IssueBadgeArgs): Promise<IssuedCredential> {
    const personId = this.guidOrThrow(args.personId, 'person');
    if (!(args.deactivateAt.getTime() > args.activateAt.getTime())) {
      throw pacsError('PACS_VALIDATION', 'The credential would expire before it starts: deactivateAt must be after activateAt.');
    }
    const format = formatOfBadgeType(args.badgeType);
    const card = parseCardNumber(args.uniqueId);
    checkCard(format, card, this.facilityCode);

    // Confirms the person exists (and its real type) before anything is created for it.
    const person = await this.readOne(personId, ['EntityType']);
    if (!person) throw pacsError('PACS_NOT_FOUND', `The ${this.personType.toLowerCase()} ${personId} no longer exists in Security Center.`);
    const isVisitor = String(prop(person, 'EntityType') ?? this.personType) === 'Visitor';
    // The hard expiry lives on the credential [C-obs S-BULAC]; a visitor's Departure is set to match.
    // Awaiting approval: the stored state Inactive [C-obs S-BULAC writes State=Inactive] keeps the card off
    // whatever its window; activateBadge sets it Active.
    const window = [
      args.inactive ? 'State=Inactive' : 'State=Active',
      `ActivationMode=SpecificActivationPeriod(${isoUtc(args.activateAt)},${isoUtc(args.deactivateAt)})`,
    ];
    const personClause = isVisitor ? [entityClause(dashless(personId), `Departure=${isoUtc(args.deactivateAt)}`)] : [];

    // Looked up again although the provision's badge check just did (another activity; this one may be a
    // retry whose create landed): whether Security Center refuses a duplicate card is not known [I].
    const existing = await this.lookupBadge(args.uniqueId, args.badgeType);
    if (existing.exists && existing.credentialId) {
      const cred = existing.credentialId;
      if (existing.holderId && existing.holderId !== personId) throw this.assignedElsewhere(args.uniqueId, format, existing);
      // Ours already (a retry whose first answer was lost) or a free card from the site's pool: assign it if
      // needed and (re)apply the window. Not "created": nothing new exists that compensation should delete.
      // One entity per request (credential, then person): a server that applies the first clauses of a request
      // and refuses a later one [I] cannot leave a half-done write that a retry would not see. Each step is
      // idempotent, so a retry after any partial result redoes what is missing.
      await this.write(entityClause(dashless(cred), ...window), 'assignCredential');
      if (existing.holderId !== personId) await this.write(entityClause(dashless(personId), `Credentials@${dashless(cred)}`), 'assignCredential');
      if (personClause.length) await this.write(personClause[0], 'write');
      return { credentialId: cred, created: false };
    }

    const name = credentialName(format, card, this.facilityCode);
    const create = entityClause(
      'NewEntity(Credential)',
      set('Name', name),
      `Format=${credentialFormatToken(format, card, this.facilityCode, this.credentialForm)}`,
      `CardholderGuid=${dashless(personId)}`,
      ...window,
      'Guid',
    );
    try {
      // The credential alone, then the visitor's Departure in a second request (see above). If the second
      // fails, the retry's lookup finds the credential already held by this person and takes the branch above,
      // which writes the Departure again.
      const res = await this.write(create, 'createCredential');
      const credentialId = normalizeGuid(prop(resultList(res)[0], 'Guid'));
      if (!credentialId) throw pacsError('PACS_BAD_RESPONSE', 'Security Center created the credential but returned no Result.Guid.');
      if (personClause.length) await this.write(personClause[0], 'write');
      return { credentialId, created: true };
    } catch (e) {
      // Someone (or a concurrent attempt) created the card between the check and the create: look again.
      if (isPacsError(e) && e.code === 'BADGE_ALREADY_ASSIGNED') {
        const again = await this.lookupBadge(args.uniqueId, args.badgeType);
        if (again.exists && again.credentialId && again.holderId === personId) return { credentialId: again.credentialId, created: false };
        if (again.exists) throw this.assignedElsewhere(args.uniqueId, format, again);
      }
      throw e;
    }
  }

  /** `State=Active` with the visit's window [C-obs S-BULAC], in one write; writing it again changes nothing. */
  async activateBadge(args: { personId: string; credentialId: string; activateAt: Date; deactivateAt: Date }): Promise<void> {
    const credentialId = this.guidOrThrow(args.credentialId, 'credential');
    if (!(args.deactivateAt.getTime() > args.activateAt.getTime())) {
      throw pacsError('PACS_VALIDATION', 'The credential would expire before it starts: deactivateAt must be after activateAt.');
    }
    await this.write(
      entityClause(dashless(credentialId), 'State=Active', `ActivationMode=SpecificActivationPeriod(${isoUtc(args.activateAt)},${isoUtc(args.deactivateAt)})`),
      'write',
    );
  }

  /**
   * A credential's `State=Lost` [C: credential states in S-LQ; C-obs S-BULAC sets a credential Lost]. Found
   * again: back to Inactive, the state every pool card has between visits. A card never issued in Security
   * Center has nothing to mark.
   */
  async setCardLost(args: { uniqueId: string; badgeType: BadgeTypeRef; lost: boolean }): Promise<{ recorded: boolean }> {
    const found = await this.lookupBadge(args.uniqueId, args.badgeType);
    if (!found.exists || !found.credentialId) return { recorded: false };
    const row = await this.readOne(found.credentialId, ['Status']);
    const stored = row ? stateOf(prop(row, 'Status')) : null;
    if (args.lost && stored !== 'Lost') await this.write(entityClause(dashless(found.credentialId), 'State=Lost'), 'write');
    if (!args.lost && stored === 'Lost') await this.write(entityClause(dashless(found.credentialId), 'State=Inactive'), 'write');
    return { recorded: true };
  }

  private assignedElsewhere(uniqueId: string, format: ClientFormat, found: BadgeLookup): PacsError {
    const who = found.holderName ? `${found.holderName} (${found.holderId})` : found.holderId ? String(found.holderId) : 'another record';
    return pacsError(
      'BADGE_ALREADY_ASSIGNED',
      `Card ${uniqueId} (${format.name}${format.facility ? `, facility code ${this.facilityCode}` : ''}) is assigned to ${who} in Security Center.`,
    );
  }

  private guidOrThrow(id: string, what: string): string {
    const g = normalizeGuid(id);
    if (!g) throw pacsError('PACS_VALIDATION', `'${id}' is not a Security Center ${what} GUID.`);
    return g;
  }

  private async groupsOf(personId: string): Promise<Set<string> | null> {
    const row = await this.readOne(personId, ['Groups']);
    return row ? new Set(guidList(prop(row, 'Groups'))) : null;
  }

  async grantAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void> {
    const personId = this.guidOrThrow(args.personId, 'person');
    const groups = args.accessRuleExternalIds.map((id) => {
      const g = normalizeGuid(id);
      if (!g) throw pacsError('ACCESS_RULE_MISSING', `'${id}' is not a Security Center cardholder group GUID.`);
      return g;
    });
    const current = await this.groupsOf(personId);
    if (!current) throw pacsError('PACS_NOT_FOUND', `The person ${personId} no longer exists in Security Center.`);
    // Adding a membership that exists fails [C-obs S-BULAC], so only the missing ones are sent.
    const missing = [...new Set(groups)].filter((g) => !current.has(g));
    if (!missing.length) return;
    const q = missing.map((g) => entityClause(dashless(g), `AddCardholderIntoGroup(${dashless(personId)})`)).join(',');
    try {
      await this.write(q, 'groups');
    } catch (e) {
      if (!isPacsError(e)) throw e;
      if (e.code === 'PACS_NOT_FOUND') {
        const gone: string[] = [];
        for (const g of missing) if (!(await this.exists(g))) gone.push(g);
        if (gone.length) {
          throw pacsError('ACCESS_RULE_MISSING', `The cardholder group(s) ${gone.join(', ')} no longer exist in Security Center.`);
        }
        throw e;
      }
      // A concurrent attempt may have added some: done if every group is now there.
      if (e.code === 'PACS_CONFLICT') {
        const now = await this.groupsOf(personId);
        if (now && missing.every((g) => now.has(g))) return;
      }
      throw e;
    }
  }

  private async exists(guid: string): Promise<boolean> {
    const r = await this.t.call('GET', `entity/exists/${dashless(guid)}`, undefined, 'read');
    const v = prop(r, 'Value') ?? r;
    return v === true || v === 'true' || v === 'True';
  }

  async revokeAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void> {
    const personId = normalizeGuid(args.personId);
    if (!personId) return;
    const current = await this.groupsOf(personId);
    if (!current) return;
    const present = [...new Set(args.accessRuleExternalIds.map(normalizeGuid))].filter((g): g is string => !!g && current.has(g));
    if (!present.length) return;
    const clause = (g: string) => entityClause(dashless(g), `RemoveCardholderFromGroup(${dashless(personId)})`);
    try {
      await this.write(present.map(clause).join(','), 'groups');
    } catch (e) {
      if (!(isPacsError(e) && e.code === 'PACS_NOT_FOUND')) throw e;
      // A group or the person vanished meanwhile: what is gone no longer grants anything.
      for (const g of present) {
        try {
          await this.write(clause(g), 'groups');
        } catch (inner) {
          if (!(isPacsError(inner) && inner.code === 'PACS_NOT_FOUND')) throw inner;
        }
      }
    }
  }

  async deactivateBadge(args: { personId: string; credentialId: string }): Promise<void> {
    const credentialId = normalizeGuid(args.credentialId);
    if (!credentialId) return;
    const row = await this.readOne(credentialId, ['Status', 'CardholderGuid']);
    if (!row) return;
    const stored = stateOf(prop(row, 'Status'));
    const holder = normalizeGuid(prop(row, 'CardholderGuid'));
    const personId = normalizeGuid(args.personId);
    const clauses: string[] = [];
    // Status.Deactivate() [C-obs S-VRFID]; an Expired credential is deactivated too so it stays off if its
    // window were ever extended.
    if (stored !== 'Inactive') clauses.push(entityClause(dashless(credentialId), 'Status.Deactivate()'));
    if (this.releaseOnDeactivate && holder && holder === personId) {
      clauses.push(entityClause(dashless(personId), `Credentials-${dashless(credentialId)}`));
    }
    if (!clauses.length) return;
    try {
      await this.write(clauses.join(','), 'write');
    } catch (e) {
      if (isPacsError(e) && e.code === 'PACS_NOT_FOUND') {
        // The person was deleted meanwhile: the credential alone still has to go inactive.
        if (stored !== 'Inactive' && (await this.readOne(credentialId, ['Status']))) {
          await this.write(entityClause(dashless(credentialId), 'Status.Deactivate()'), 'write');
        }
        return;
      }
      throw e;
    }
  }

  /** Dry run clean-up: `DELETE entity/{id}` [C S-STUDIO, S-LQ, S-BULAC deletes both], credential first; absent counts as done. */
  async removeTestVisitor(args: { personId: string; credentialId?: string | null }): Promise<void> {
    for (const id of [args.credentialId, args.personId]) {
      const g = id ? normalizeGuid(id) : null;
      if (!g) continue;
      try {
        await this.t.call('DELETE', `entity/${dashless(g)}`, undefined, 'write');
      } catch (e) {
        if (!(isPacsError(e) && e.code === 'PACS_NOT_FOUND')) throw e;
      }
    }
  }

  async accessRulesOf(args: { personId: string; credentialId: string }): Promise<string[]> {
    const personId = normalizeGuid(args.personId);
    if (!personId) return [];
    return [...((await this.groupsOf(personId)) ?? [])];
  }

  async visitMarkerOf(personId: string): Promise<string | null> {
    const g = normalizeGuid(personId);
    if (!g) return null;
    const row = await this.readOne(g, ['Description']);
    const description = String(prop(row, 'Description') ?? '');
    return description.startsWith(VISIT_MARKER_PREFIX) ? description.slice(VISIT_MARKER_PREFIX.length).trim().toLowerCase() || null : null;
  }

  async close(): Promise<void> {
    await this.t.close();
  }
}
