import { z } from 'zod';
import { GENETEC_DEFAULT_BASE_URI } from '../../pacs/genetec/format-table';
import { PLACEHOLDER_ERROR_CODES } from './sdk-failure';

/**
 * Run-time switches of the Genetec simulator, read and changed through GET/PUT /__sim/config. Each switch
 * covers a behaviour the evidence marks [I] (unknown on real servers), so tests can exercise both answers.
 */
export const errorCodesSchema = z.object({
  entityNotFound: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.entityNotFound),
  duplicateCredential: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.duplicateCredential),
  credentialAssigned: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.credentialAssigned),
  valueOutOfRange: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.valueOutOfRange),
  alreadyMember: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.alreadyMember),
  duplicateLogicalId: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.duplicateLogicalId),
  unsupported: z.string().min(1).default(PLACEHOLDER_ERROR_CODES.unsupported),
});

export const simConfigSchema = z.object({
  /** Security Center users allowed to log on (local users with the "Log on using the SDK" privilege). */
  users: z.array(z.object({ username: z.string().min(1), password: z.string() })).min(1),
  /** Application IDs whose part number the licence contains; any other gets 403 [C S-STUDIO]. */
  licensedApplicationIds: z.array(z.string().min(1)),
  /** Status for an unknown user or wrong password: 401 in most clients, 403 per S-GUIDE's table [C-2nd]. */
  wrongCredentialsStatus: z.union([z.literal(401), z.literal(403)]).default(401),
  /** Path segment of the Web-based SDK role's "Base URI" [C S-STUDIO]; matched case-insensitively [C-2nd]. */
  basePath: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default(GENETEC_DEFAULT_BASE_URI),
  /** Prefix JSON bodies with a UTF-8 byte-order mark [I, S-PHP skips leading bytes]. */
  bom: z.boolean().default(false),
  /** `Credentials@x` / `CardholderGuid=` on a credential held by someone else: Fail (true) or move it (false) [I]. */
  rejectCredentialReassignment: z.boolean().default(true),
  /** A second credential with the same format and data: Fail (true) or allow it (false) [I]. */
  rejectDuplicateCards: z.boolean().default(true),
  /**
   * Refuse the decoded Wiegand form `Wiegand…CredentialFormat(fc,card)` in `Format=` and `UniqueIds@`, as a
   * real server that does not know it would [I: the form is unverified, docs/pacs/genetec-websdk.md §3.4 and open question 1].
   * The `<UndecodedWiegand>` form [C] is always accepted.
   */
  refuseDecodedCredentialFormat: z.boolean().default(false),
  /** Refuse mutating `entity?q=` over GET [I: real servers accept GET for reads, unknown for writes]. */
  enforcePostForMutations: z.boolean().default(false),
  /** Encoding of Credentials/Groups/Members in text/json [I]: GUID strings, [{Guid}] or legacy {item:[{Guid}]}. */
  collectionEncoding: z.enum(['guids', 'objects', 'items']).default('guids'),
  /** Sessions per (user, application ID) expire after this idle time [C-2nd S-GUIDE: 5 minutes]. */
  sessionIdleMs: z.number().int().min(1).default(300_000),
  /** Extra latency of the first request of a session (directory log-on and cache build) [I]. */
  sessionOpenLatencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Unknown paths under the base answer HTTP 400 with an HTML body, as some system endpoints do [C S-WIKI]. */
  htmlErrorsForMalformedPaths: z.boolean().default(true),
  /** Shifts the simulator's clock, to see credentials reach the end of their window without waiting. */
  clockOffsetMs: z.number().int().default(0),
  errorCodes: errorCodesSchema.default(errorCodesSchema.parse({})),
});
export type SimConfig = z.infer<typeof simConfigSchema>;

export function defaultConfig(credentials: { username: string; password: string; applicationId: string }): SimConfig {
  return simConfigSchema.parse({
    users: [{ username: credentials.username, password: credentials.password }],
    licensedApplicationIds: [credentials.applicationId],
  });
}

/** Applies a partial update; nested errorCodes merge key by key. Throws a ZodError on invalid input or unknown keys. */
export function mergeConfig(current: SimConfig, patch: unknown): SimConfig {
  const p = z.record(z.string(), z.unknown()).parse(patch ?? {});
  const codes = z.record(z.string(), z.unknown()).optional().parse(p.errorCodes);
  return simConfigSchema
    .extend({ errorCodes: errorCodesSchema.strict() })
    .strict()
    .parse({ ...current, ...p, errorCodes: { ...current.errorCodes, ...(codes ?? {}) } });
}
