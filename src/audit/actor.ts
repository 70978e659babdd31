import type { Request } from 'express';

/**
 * Who caused a change. A person acting through the API is a "user"; everything else is one of a few
 * named system actors, so the audit log and the visit timeline can say "end of day" or "Temporal UI"
 * where no user was involved.
 */
export const SYSTEM_ACTORS = ['visit workflow', 'end of day', 'reconciliation', 'Temporal UI', 'service start'] as const;
export type SystemActorName = (typeof SYSTEM_ACTORS)[number];

export type Actor = { type: 'user'; id: string; name: string } | { type: 'system'; name: SystemActorName };

export const systemActor = (name: SystemActorName): Actor => ({ type: 'system', name });

/** The authenticated caller of an API request. */
export function requestActor(req: Request): Actor {
  const p = req.principal;
  if (!p) throw new Error('requestActor needs an authenticated request');
  return { type: 'user', id: p.id, name: p.name };
}

/** The actor columns shared by AuditEntry and VisitEvent. */
export function actorColumns(actor: Actor): { actorType: string; actorId: string | null; actorName: string } {
  return actor.type === 'user'
    ? { actorType: 'user', actorId: actor.id, actorName: actor.name }
    : { actorType: 'system', actorId: null, actorName: actor.name };
}

/**
 * What the API puts in a signal or update argument for the visit workflow: the user's id only, so
 * workflow histories carry no staff names (the activity that records the event looks the name up).
 * A signal or update without it was sent from the Temporal UI (or tctl/CLI), not through the API.
 */
export interface ActorRef {
  userId: string;
}
