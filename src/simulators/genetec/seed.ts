import { z } from 'zod';
import type { SimConfig } from './config';
import { normalizeGuid } from './constants';
import { applyTokens, createEntity } from './entity-ops';
import { parseDate, type Ctx } from './model';
import type { Clause } from './query-parser';
import { invalidOperation } from './sdk-failure';
import { newGuid, type PersonEntity, type Store } from './store';

/**
 * POST /__sim/seed: adds entities described in the same PascalCase shape the API returns. Properties go
 * through the same setters as `entity?q=`, so seeded data obeys the same rules (ranges, duplicate cards,
 * one holder per credential, no access rules on visitors); the batch is all or nothing.
 */
const statusSchema = z
  .object({
    State: z.enum(['Active', 'Inactive', 'Expired', 'Lost', 'Stolen', 'Requested']).optional(),
    ActivationDate: z.string().optional(),
    ExpirationDate: z.string().optional(),
  })
  .strict();

const seedEntitySchema = z
  .object({
    EntityType: z.enum(['Cardholder', 'Visitor', 'Credential', 'CardholderGroup', 'AccessRule']),
    Guid: z.string().optional(),
    Name: z.string().optional(),
    Description: z.string().optional(),
    LogicalId: z.number().int().nonnegative().optional(),
    FirstName: z.string().optional(),
    LastName: z.string().optional(),
    EmailAddress: z.string().optional(),
    MobilePhoneNumber: z.string().optional(),
    Arrival: z.string().optional(),
    Departure: z.string().optional(),
    /** A format expression, e.g. WiegandStandardCredentialFormat(0,42). */
    Format: z.string().optional(),
    CardholderGuid: z.string().optional(),
    /** Groups and access rules: members. */
    Members: z.array(z.string()).optional(),
    /** People: cardholder groups to join. */
    Groups: z.array(z.string()).optional(),
    Status: statusSchema.optional(),
  })
  .strict();

export const seedBodySchema = z.object({ entities: z.array(seedEntitySchema).default([]) }).strict();
export type SeedEntity = z.infer<typeof seedEntitySchema>;

/** Values arrive unescaped; escape them so the q-language literal reader returns them unchanged. */
const esc = (v: string) => v.replace(/[\\{}()]/g, '\\$&');

const FIELDS = [
  'Name',
  'Description',
  'FirstName',
  'LastName',
  'EmailAddress',
  'MobilePhoneNumber',
  'Arrival',
  'Departure',
  'Format',
  'CardholderGuid',
] as const;

export function seedEntities(store: Store, config: SimConfig, body: unknown): { guids: string[] } {
  const { entities } = seedBodySchema.parse(body ?? {});
  return store.transaction((tx) => {
    const ctx: Ctx = { store, tx, config, now: store.now(), seeding: true };
    const guids: string[] = [];
    // Create everything first so entities of one batch may reference each other.
    const created = entities.map((s) => {
      const guid = s.Guid ? normalizeGuid(s.Guid) : newGuid();
      if (!guid) throw invalidOperation(`'${s.Guid}' is not a valid GUID.`);
      guids.push(guid);
      return { s, e: createEntity(ctx, s.EntityType, guid) };
    });
    for (const { s, e } of created) {
      const tokens: Clause['tokens'] = [];
      const set = (prop: string, value: string) => tokens.push({ kind: 'set', prop, value: prop === 'Format' ? value : esc(value), raw: `${prop}=…` });
      for (const f of FIELDS) if (s[f] !== undefined) set(f, s[f] as string);
      if (s.LogicalId !== undefined) set('LogicalId', String(s.LogicalId));
      for (const m of s.Members ?? []) tokens.push({ kind: 'add', prop: 'Members', items: [m], clear: false, raw: `Members@${m}` });
      for (const g of s.Groups ?? []) tokens.push({ kind: 'add', prop: 'Groups', items: [g], clear: false, raw: `Groups@${g}` });
      applyTokens(ctx, e, tokens);
      if (s.Status && 'status' in e) {
        // Seeding may set windows the API would refuse (e.g. ActivationDate on a visitor) to stage any state.
        const st = (e as PersonEntity).status;
        if (s.Status.State) st.state = s.Status.State;
        if (s.Status.ActivationDate) st.activationDate = parseDate(s.Status.ActivationDate, 'ActivationDate');
        if (s.Status.ExpirationDate) st.expirationDate = parseDate(s.Status.ExpirationDate, 'ExpirationDate');
      }
    }
    return { guids };
  });
}
