import { z } from 'zod';
import { SYSTEM_ACTORS } from '../../audit/actor';
import { AUDIT_ENTITY_TYPES } from '../../audit/record';
import { named, paged, timestamp } from '../contract';

export const actorSchema = named(
  'Actor',
  z.object({
    type: z.enum(['user', 'system']),
    id: z.uuid().optional().meta({ description: 'The user (type "user")' }),
    name: z.string().meta({ description: `The user's name at the time, or the system actor: ${SYSTEM_ACTORS.map((a) => `"${a}"`).join(', ')}` }),
  }),
  'Who caused a change: a user through the API, or a system actor ("Temporal UI": a signal, update or cancel sent there).',
);

export const actorView = (r: { actorType: string | null; actorId: string | null; actorName: string | null }): z.output<typeof actorSchema> => ({
  type: r.actorType === 'user' ? 'user' : 'system',
  ...(r.actorId ? { id: r.actorId } : {}),
  name: r.actorName ?? '',
});

export const auditEntrySchema = named(
  'AuditEntry',
  z.object({
    id: z.uuid(),
    at: timestamp,
    actor: actorSchema,
    entityType: z.enum(AUDIT_ENTITY_TYPES),
    entityId: z.uuid(),
    locationId: z.uuid().nullable().meta({ description: 'null for global configuration (users, user groups)' }),
    action: z.string().meta({
      description:
        '"create", "update", "delete", or what was done: "sign_in", "sign_out", "deprovision", "lost", "found", "retire", a visit status the actor caused...',
    }),
    changes: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: '{ field: { from, to } } for configuration (secrets only as "(set)", "(changed)" or "(removed)"); what was done for visits' }),
    requestId: z.string().optional().meta({ description: 'X-Request-Id of the API request that made the change' }),
  }),
  'One change, with who made it. Entries are never changed or deleted.',
);
export const auditPage = paged('AuditEntry', auditEntrySchema);
