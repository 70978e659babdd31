import { z } from 'zod';
import type { Provider } from '../generated/prisma/client';
import { named, paged, timestamp } from './contract';
import { text } from './text';
import { canonicalFingerprint, pemProblem, type PacsKind } from '../domain/providers';

/**
 * Provider input rules and the provider view. The password is write-only: it is accepted here,
 * encrypted by the route, and no view below has a field that could carry it.
 */

const httpUrl = text({ max: 2000 }).refine(
  (u) => {
    try {
      const p = new URL(u);
      return (p.protocol === 'http:' || p.protocol === 'https:') && !!p.hostname && !p.username && !p.password;
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL without credentials, e.g. https://onguard.example:8080 or https://gsc.example:4590/WebSdk' },
);

const FINGERPRINT = /^(?:[0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{64}$/;

const tlsSchema = z.object({
  verify: z.boolean().optional(),
  caCert: text({ max: 64_000, multiline: true, trim: false })
    .superRefine((v, c) => {
      const p = pemProblem(v);
      if (p) c.addIssue({ code: 'custom', message: p });
    })
    .nullable()
    .optional(),
  fingerprint: z
    .string()
    .trim()
    .regex(FINGERPRINT, { message: 'must be a SHA-256 fingerprint: 64 hex digits, with or without colons' })
    .transform(canonicalFingerprint)
    .nullable()
    .optional(),
});

const statusName = text({ min: 1, max: 100 });
const releaseOnDeactivate = z.boolean();
const reconcileRepair = z.boolean();

/**
 * What each kind of PACS reads from Provider.settings (src/pacs/types.ts ProviderSettings, OnGuardSettings).
 * Unknown keys are refused: settings are stored as JSON and handed to the adapters as they are, so
 * whatever is accepted here is stored, and a typo would otherwise be silently ignored.
 */
export const SETTINGS_BY_KIND = {
  onguard: {
    activeStatusName: statusName,
    inactiveStatusName: statusName,
    lostStatusName: statusName,
    releaseOnDeactivate,
    visitMarkerField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: 'must be an OnGuard property name' }),
    reconcileRepair,
  },
  genetec: {
    personEntityType: z.enum(['Visitor', 'Cardholder']),
    facilityCode: z.number().int().min(0).max(65535),
    // "undecoded" [C] is the default; "decoded" [I] only where the dry run showed the server accepts it.
    genetecCredentialForm: z.enum(['undecoded', 'decoded']),
    releaseOnDeactivate,
    reconcileRepair,
  },
} satisfies Record<PacsKind, Record<string, z.ZodType>>;

const optionalShape = (shape: Record<string, z.ZodType>) => Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()]));

/** Every setting of either kind; which kind may use which is checked against the provider's kind. */
const settingsSchema = z.strictObject({ ...optionalShape(SETTINGS_BY_KIND.onguard), ...optionalShape(SETTINGS_BY_KIND.genetec) });

/** Settings of the other kind of PACS: `[{ path: "settings.x", message }]`, empty when all fit. */
export function settingsKindIssues(kind: PacsKind, settings: Record<string, unknown> | null | undefined) {
  if (!settings) return [];
  const known = Object.keys(SETTINGS_BY_KIND[kind]);
  return Object.keys(settings)
    .filter((k) => !known.includes(k))
    .map((k) => ({ path: `settings.${k}`, message: `is not a setting of a ${kind} provider; ${kind} settings are: ${known.join(', ')}` }));
}

const taskQueue = z
  .string()
  .trim()
  .regex(/^[\w.:@/-]{1,200}$/, { message: 'must be 1–200 letters, digits or . _ - : @ /' });

const optionalText = (max: number) =>
  text({ max })
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();

const fields = {
  name: text({ min: 1, max: 200 }),
  url: httpUrl,
  username: text({ min: 1, max: 200 }),
  // Spaces may be part of a password: not trimmed.
  password: text({ min: 1, max: 1000, trim: false }),
  applicationId: optionalText(500),
  directoryId: optionalText(500),
  tls: tlsSchema.optional(),
  maxConcurrentRequests: z.number().int().min(1).max(32),
  settings: settingsSchema.nullable().optional(),
  taskQueue: taskQueue.nullable().optional(),
  refreshIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  reconcileIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
};

const genetecNeedsApplicationId = {
  message: 'is required for Genetec: the SDK application ID that the GSC-1SDK-TRACTIONGUEST-VM licence add-on grants',
  path: ['applicationId'],
};

export const providerCreate = z
  .object({
    kind: z.enum(['genetec', 'onguard']),
    ...fields,
    maxConcurrentRequests: fields.maxConcurrentRequests.default(4),
    refreshIntervalMinutes: fields.refreshIntervalMinutes.optional(),
    reconcileIntervalMinutes: fields.reconcileIntervalMinutes.optional(),
  })
  .refine((p) => p.kind !== 'genetec' || !!p.applicationId, genetecNeedsApplicationId)
  .superRefine((p, ctx) => {
    for (const i of settingsKindIssues(p.kind, p.settings)) ctx.addIssue({ code: 'custom', path: i.path.split('.'), message: i.message });
  });

export const providerPatch = z.object({
  /** Accepted only when unchanged: synced IDs mean nothing to another kind of PACS. */
  kind: z.enum(['genetec', 'onguard']).optional(),
  name: fields.name.optional(),
  url: fields.url.optional(),
  username: fields.username.optional(),
  /** Omit to keep the stored password. */
  password: fields.password.optional(),
  applicationId: fields.applicationId,
  directoryId: fields.directoryId,
  tls: fields.tls,
  maxConcurrentRequests: fields.maxConcurrentRequests.optional(),
  settings: fields.settings,
  taskQueue: fields.taskQueue,
  refreshIntervalMinutes: fields.refreshIntervalMinutes.optional(),
  reconcileIntervalMinutes: fields.reconcileIntervalMinutes.optional(),
});

export type ProviderCreate = z.infer<typeof providerCreate>;
export type ProviderPatch = z.infer<typeof providerPatch>;

export { genetecNeedsApplicationId };

/** Provider columns from TLS input; `undefined` leaves a column as it is on PATCH. */
export function tlsColumns(tls: z.infer<typeof tlsSchema> | undefined) {
  if (!tls) return {};
  return {
    ...(tls.verify !== undefined ? { tlsVerify: tls.verify } : {}),
    ...(tls.caCert !== undefined ? { tlsCaCert: tls.caCert } : {}),
    ...(tls.fingerprint !== undefined ? { tlsFingerprint: tls.fingerprint } : {}),
  };
}

type ProviderRow = Provider & { location?: { name: string } | null };

const nullableTimestamp = timestamp.nullable();
const codeMessage = z.object({ code: z.string(), message: z.string() });

export const providerSchema = named(
  'Provider',
  z.object({
    id: z.uuid(),
    locationId: z.uuid(),
    locationName: z.string().optional(),
    kind: z.string().meta({ description: '"genetec" or "onguard"' }),
    name: z.string(),
    url: z.string(),
    username: z.string(),
    hasPassword: z.boolean().meta({ description: 'The password is write-only; this says whether one is stored' }),
    applicationId: z.string().nullable(),
    directoryId: z.string().nullable(),
    tls: z.object({ verify: z.boolean(), caCert: z.string().nullable(), fingerprint: z.string().nullable() }),
    maxConcurrentRequests: z.number().int(),
    settings: z.unknown().meta({ description: 'Kind-specific settings object, or null' }),
    taskQueue: z.string().nullable(),
    refreshIntervalMinutes: z.number().int(),
    reconcileIntervalMinutes: z.number().int(),
    refreshStatus: z.string().meta({ description: 'never, running, ok or failed' }),
    lastRefreshAt: nullableTimestamp,
    lastRefreshSuccessAt: nullableTimestamp,
    lastRefreshError: codeMessage.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'A PACS connection of a location. The password is never shown.',
);
export const providerDetailSchema = named(
  'ProviderDetail',
  providerSchema.extend({ counts: z.object({ accessRules: z.number().int(), badgeTypes: z.number().int(), badges: z.number().int() }) }),
);
export const providerPage = paged('Provider', providerSchema);

/** A badge ID bound: a number while exact, a decimal string beyond 2^53. */
const idBound = z.union([z.number().int(), z.string()]).nullable();
export const idRangeSchema = z.object({ min: idBound, max: idBound });

export const badgeTypeSchema = named(
  'BadgeType',
  z.object({
    id: z.uuid(),
    providerId: z.uuid(),
    externalId: z.string(),
    name: z.string(),
    manualEntry: z.boolean(),
    idRange: idRangeSchema.optional(),
    status: z.string().meta({ description: '"active", or "missing" once a refresh no longer finds it in the PACS' }),
    lastSeenAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);
export const badgeTypePage = paged('BadgeType', badgeTypeSchema);

export const accessRuleSchema = named(
  'AccessRule',
  z.object({
    id: z.uuid(),
    providerId: z.uuid(),
    externalId: z.string(),
    name: z.string(),
    status: z.string().meta({ description: '"active", or "missing" once a refresh no longer finds it in the PACS' }),
    lastSeenAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  'A Genetec cardholder group or an OnGuard access level.',
);
export const accessRulePage = paged('AccessRule', accessRuleSchema);

export const testConnectionSchema = named(
  'TestConnectionResult',
  z.object({
    ok: z.boolean(),
    steps: z.array(
      z.object({
        name: z.enum(['reachability', 'tls', 'version', 'directories', 'credentials', 'licence']),
        ok: z.boolean(),
        message: z.string(),
        code: z.string().optional(),
      }),
    ),
    serverVersion: z.string().optional(),
    directories: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
  }),
);

const learnedSettings = z.object({ genetecCredentialForm: z.enum(['undecoded', 'decoded']).optional() }).catchall(z.unknown());
export const dryRunResultSchema = named(
  'DryRunResult',
  z.object({
    providerId: z.uuid(),
    ok: z.boolean(),
    steps: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        skipped: z.boolean().optional(),
        form: z.string().optional().meta({ description: 'The request form used, e.g. Format=<UndecodedWiegand>…' }),
        answer: z.string().meta({ description: "Summary of the server's answer" }),
        code: z.string().optional(),
        whatToDo: z.string().optional().meta({ description: 'On failure: what the answer means and what to change' }),
      }),
    ),
    settingsLearned: learnedSettings,
    settingsRecorded: learnedSettings,
    cleanedUp: z.boolean(),
    badgeType: z.object({ id: z.uuid(), name: z.string(), externalId: z.string() }).optional(),
  }),
  'One provisioning and deprovisioning on the server with a test badge number, step by step.',
);

const syncCounts = z.object({
  added: z.number().int(),
  updated: z.number().int(),
  missing: z.number().int(),
  unchanged: z.number().int(),
  totalMissing: z.number().int(),
});
export const refreshResultSchema = named(
  'RefreshResult',
  z.object({
    providerId: z.uuid(),
    accessRules: syncCounts,
    badgeTypes: syncCounts,
    flagged: z.object({
      userGroups: z.array(
        z.object({ id: z.uuid(), name: z.string(), missingAccessRules: z.array(z.object({ id: z.uuid(), externalId: z.string(), name: z.string() })) }),
      ),
      badges: z.array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          uniqueId: z.string(),
          badgeType: z.object({ id: z.uuid(), name: z.string(), status: z.string() }),
          problem: z.enum(['BADGE_TYPE_MISSING', 'BADGE_TYPE_NOT_MANUAL', 'BADGE_ID_OUT_OF_RANGE']),
          message: z.string(),
        }),
      ),
    }),
    refreshedAt: z.string().meta({ format: 'date-time' }),
  }),
);

/** What the API shows of a provider: everything but the password, which is only `hasPassword`. */
export function providerView(p: ProviderRow): z.output<typeof providerSchema> {
  return {
    id: p.id,
    locationId: p.locationId,
    ...(p.location ? { locationName: p.location.name } : {}),
    kind: p.kind,
    name: p.name,
    url: p.url,
    username: p.username,
    hasPassword: p.passwordCiphertext.length > 0,
    applicationId: p.applicationId,
    directoryId: p.directoryId,
    tls: { verify: p.tlsVerify, caCert: p.tlsCaCert, fingerprint: p.tlsFingerprint },
    maxConcurrentRequests: p.maxConcurrentRequests,
    settings: p.settings ?? null,
    taskQueue: p.taskQueue,
    refreshIntervalMinutes: p.refreshIntervalMinutes,
    reconcileIntervalMinutes: p.reconcileIntervalMinutes,
    refreshStatus: p.refreshStatus,
    lastRefreshAt: p.lastRefreshAt,
    lastRefreshSuccessAt: p.lastRefreshSuccessAt,
    lastRefreshError: (p.lastRefreshError as { code: string; message: string } | null) ?? null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** BigInt badge ID bounds as JSON: numbers while exact, decimal strings beyond 2^53. */
export function jsonId(v: bigint | null): number | string | null {
  if (v === null) return null;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function badgeTypeView(t: {
  id: string;
  providerId: string;
  externalId: string;
  name: string;
  manualEntry: boolean;
  idMin: bigint | null;
  idMax: bigint | null;
  status: string;
  lastSeenAt: Date;
  createdAt: Date;
  updatedAt: Date;
}): z.output<typeof badgeTypeSchema> {
  return {
    id: t.id,
    providerId: t.providerId,
    externalId: t.externalId,
    name: t.name,
    manualEntry: t.manualEntry,
    ...(t.idMin !== null || t.idMax !== null ? { idRange: { min: jsonId(t.idMin), max: jsonId(t.idMax) } } : {}),
    status: t.status,
    lastSeenAt: t.lastSeenAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export function accessRuleView(r: {
  id: string;
  providerId: string;
  externalId: string;
  name: string;
  status: string;
  lastSeenAt: Date;
  createdAt: Date;
  updatedAt: Date;
}): z.output<typeof accessRuleSchema> {
  return {
    id: r.id,
    providerId: r.providerId,
    externalId: r.externalId,
    name: r.name,
    status: r.status,
    lastSeenAt: r.lastSeenAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** "Location — access rule", the form the seeds show in user groups. */
