import { z } from 'zod';

/**
 * Behaviours the evidence leaves open ([I]/[U] in docs/pacs/onguard-openaccess.md), switchable through
 * PUT /__sim/options so a test or a user can make the simulator stricter or more lenient than our guess.
 */
export const simOptionsSchema = z.object({
  /** Reject calls without `version` (docs/pacs/onguard-openaccess.md §1.2 [U]: what a real server does is unknown). */
  requireVersion: z.boolean().default(true),
  /** /directories demands Application-Id (the spec says so, a real script called it bare: §1.5). */
  directoriesRequireApplicationId: z.boolean().default(false),
  /** Application-Ids accepted as licensed; set from the start options. */
  licensedApplicationIds: z.array(z.string()).default([]),
  /** Enforce the simulator-only per-badge-type ID range (§3.4 [U]). */
  enforceBadgeIdRange: z.boolean().default(true),
  /** Refuse client-entered IDs on badge types that allocate automatically (§3.4 [U]). */
  enforceManualEntry: z.boolean().default(true),
  /** Serve the SIM_* badge-type properties; off = look like a real server that exposes no allocation data. */
  exposeSimulatorBadgeTypeFields: z.boolean().default(true),
  /** Deleting a person who still has badges: refuse (400) or delete the badges too (§7 [I]). */
  deletePersonWithBadges: z.enum(['refuse', 'cascade']).default('refuse'),
  /** Drop a badge's access-level assignments when it leaves the active status (§5.4 [U]; off by default). */
  inactiveDropsAssignments: z.boolean().default(false),
  /** Offset of the server's local time in dates it writes (§2.3: "server-local offset"). */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .default(-300),
  /** Page size used when the caller sends none (spec default 20). */
  defaultPageSize: z.number().int().min(1).max(100).default(20),
});
export type SimOptions = z.infer<typeof simOptionsSchema>;

/** Session lifetimes; both unknown on real servers (§1.7 [U]), so both are settable. */
export const sessionSettingsSchema = z.object({
  /** Absolute lifetime reported as token_expiration_time. */
  tokenLifetimeMs: z
    .number()
    .int()
    .min(1)
    .default(60 * 60_000),
  /** Inactivity timeout reset by every authenticated request; 0 disables it. */
  idleTimeoutMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
});
export type SessionSettings = z.infer<typeof sessionSettingsSchema>;
