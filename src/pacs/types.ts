/**
 * The boundary between the product and a physical access control system. Activities and the admin
 * service talk only to this interface; src/pacs/onguard and src/pacs/genetec implement it over HTTP.
 * Every mutating operation is idempotent under retry: calling it again after a timeout must not create
 * a second visitor, credential or assignment (it looks before it creates).
 */
export type PacsKind = 'genetec' | 'onguard';

export interface ProviderConnection {
  kind: PacsKind;
  /** Base URL as the admin typed it, e.g. https://acs.example:8080 (OnGuard) or https://gsc:4590/WebSdk (Genetec). */
  url: string;
  username: string;
  password: string;
  /** OnGuard Application-Id (licence key); Genetec SDK application ID. */
  applicationId?: string | null;
  /** OnGuard directory ID; empty means the internal directory. */
  directoryId?: string | null;
  tls: { verify: boolean; caCert?: string | null; fingerprint?: string | null };
  /** Upper bound on concurrent HTTP requests to this server (licensed per connection, often slow). */
  maxConcurrentRequests: number;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
  /** PACS-specific options from Provider.settings. */
  settings?: ProviderSettings;
}

export interface ProviderSettings {
  /** OnGuard: badge status names looked up at run time (IDs are site-specific). */
  activeStatusName?: string;
  inactiveStatusName?: string;
  /** OnGuard: the badge status a card reported lost is given (default "Lost"), where its badge record is kept. */
  lostStatusName?: string;
  /**
   * After deactivating, release the card so the pool can issue its number again (default true):
   * OnGuard deletes the badge record (IDs are unique whatever the status), Genetec unassigns the credential.
   */
  releaseOnDeactivate?: boolean;
  /** OnGuard: Lnl_Visitor field holding our visit marker for visitors without email (default SSNO). */
  visitMarkerField?: string;
  /** Genetec: create visitors as `Visitor` entities (default) or plain `Cardholder`s. */
  personEntityType?: 'Visitor' | 'Cardholder';
  /**
   * Genetec: how Wiegand credentials are written and looked up (default "undecoded").
   * - "undecoded": `Format=<UndecodedWiegand>…raw bits with parity…</UndecodedWiegand>` [C: S-BULAC, S-LQ, S-VRFID],
   *   found again by the credential's deterministic name [C-obs S-BULAC] and by `UniqueIds@` with the same value [I].
   * - "decoded": `Format=WiegandStandardCredentialFormat(fc,card)` and `UniqueIds@` with it [I: Platform SDK class
   *   names, no public Web SDK call seen]. Only for a server where the dry run showed it works.
   */
  genetecCredentialForm?: 'undecoded' | 'decoded';
  /** Genetec: facility code written into Wiegand credentials whose format has one (default 0). */
  facilityCode?: number;
  /**
   * Reconciliation re-issues the credential and access rules of an active visit that lacks them in the PACS
   * (default false: it only reports them, since someone may have switched the badge off on purpose).
   */
  reconcileRepair?: boolean;
}

export interface TestStep {
  name: 'reachability' | 'tls' | 'version' | 'directories' | 'credentials' | 'licence';
  ok: boolean;
  message: string;
  code?: string;
}

export interface TestConnectionResult {
  ok: boolean;
  steps: TestStep[];
  serverVersion?: string;
  directories?: Array<{ id: string; name: string }>;
}

export interface CatalogAccessRule {
  externalId: string;
  name: string;
}

export interface CatalogBadgeType {
  externalId: string;
  name: string;
  /** OnGuard: IDs allocated by "Manual Entry". Genetec credential formats are always manual. */
  manualEntry: boolean;
  /** Allowed badge IDs (card numbers), decimal strings because they can exceed 2^53. */
  idRange?: { min: string; max: string } | null;
  /** PACS-specific data needed to issue a credential of this type (Genetec: formatId, facilityCode). */
  details?: Record<string, unknown>;
}

/** What the product knows of a badge type when it asks the PACS to issue a credential. */
export interface BadgeTypeRef {
  externalId: string;
  details?: Record<string, unknown> | null;
}

/** What issuing a credential needs. */
export interface IssueBadgeArgs {
  personId: string;
  uniqueId: string;
  badgeType: BadgeTypeRef;
  activateAt: Date;
  deactivateAt: Date;
  /** Issue it switched off (OnGuard: the inactive badge status; Genetec: State=Inactive), for `activateBadge` once approved. */
  inactive?: boolean;
}

export interface VisitorIdentity {
  /** Our visit ID: stored on the PACS person so a retried create finds it instead of making another. */
  visitId: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  company?: string | null;
}

export interface BadgeLookup {
  exists: boolean;
  /** OnGuard BADGEKEY / Genetec credential GUID. */
  credentialId?: string;
  /** The PACS person holding it, if any. */
  holderId?: string | null;
  holderName?: string | null;
  active?: boolean;
}

export interface IssuedCredential {
  credentialId: string;
  /** True when this call created it; false when a previous attempt already had. */
  created: boolean;
}

export interface PacsAdapter {
  readonly kind: PacsKind;
  testConnection(): Promise<TestConnectionResult>;
  listAccessRules(): Promise<CatalogAccessRule[]>;
  listBadgeTypes(): Promise<CatalogBadgeType[]>;
  /**
   * One badge type by its external ID, or null when the PACS no longer has it: what a provision's precheck
   * needs, without listing the whole catalogue (OnGuard: one `Lnl_BadgeType` lookup by ID; Genetec: the one
   * credential-formats read). `details`: what the catalogue refresh stored for the type, for an adapter whose
   * PACS reports less on a single lookup (neither client needs it today). Unlike listBadgeTypes it refreshes
   * no cached site data (OnGuard's badge statuses).
   */
  getBadgeType(externalId: string, details?: Record<string, unknown> | null): Promise<CatalogBadgeType | null>;
  /**
   * Those of these access rules that exist in the PACS now, in no particular order; unknown or malformed IDs
   * are left out. In as few requests as the API allows (OnGuard: one `ID = a OR ID = b …` filter per 50;
   * Genetec: one batched entity read per 10). An empty list costs no request.
   */
  findAccessRules(externalIds: string[]): Promise<CatalogAccessRule[]>;
  findOrCreateVisitor(v: VisitorIdentity): Promise<{ personId: string; created: boolean }>;
  /** Who, if anyone, holds the credential with this number. */
  lookupBadge(uniqueId: string, badgeType: BadgeTypeRef): Promise<BadgeLookup>;
  /** The person's currently active credentials (the one-badge-per-visitor rule). */
  activeBadgesOf(personId: string): Promise<Array<{ credentialId: string; uniqueId: string }>>;
  /**
   * Issue (or find, after a retry) an active credential valid until `deactivateAt`, a hard expiry written to
   * the PACS. `inactive`: issue it switched off (OnGuard: the inactive badge status; Genetec: credential
   * State=Inactive) for `activateBadge` to switch on once a visit is approved.
   */
  issueBadge(args: IssueBadgeArgs): Promise<IssuedCredential>;
  /** Switch an issued credential on for `activateAt`–`deactivateAt`; already active with that window counts as success. */
  activateBadge(args: { personId: string; credentialId: string; activateAt: Date; deactivateAt: Date }): Promise<void>;
  /**
   * Record in the PACS that the card with this number is lost (`lost`: false — found again: back to
   * inactive), where the PACS has such a state. Answers whether a credential was there to mark. Optional:
   * an adapter without it leaves the PACS as it is (the card is off there whenever no visit holds it).
   */
  setCardLost?(args: { uniqueId: string; badgeType: BadgeTypeRef; lost: boolean }): Promise<{ recorded: boolean }>;
  /** Grant access rules (OnGuard access levels on the badge; Genetec cardholder groups on the person). */
  grantAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void>;
  /** Remove them; rules already absent count as success. */
  revokeAccess(args: { personId: string; credentialId: string; accessRuleExternalIds: string[] }): Promise<void>;
  /** Deactivate the credential; already inactive or absent counts as success. */
  deactivateBadge(args: { personId: string; credentialId: string }): Promise<void>;
  /**
   * External IDs of the access rules this credential grants now (OnGuard: access levels on the badge;
   * Genetec: the person's cardholder groups). Reconciliation compares them with an active visit's rules.
   */
  accessRulesOf(args: { personId: string; credentialId: string }): Promise<string[]>;
  /**
   * The visit ID this product stored on the person when it created them (findOrCreateVisitor), or null:
   * not a person we created, or no such person. Tells our visitors from the site's own cardholders.
   */
  visitMarkerOf(personId: string): Promise<string | null>;
  /**
   * Dry run only: delete a test person this product created and its credential, so nothing of the trial is
   * left on the server. Optional: an adapter without it leaves the (deactivated) records in place.
   */
  removeTestVisitor?(args: { personId: string; credentialId?: string | null }): Promise<void>;
  /** Release pooled connections and log out. */
  close(): Promise<void>;
}
