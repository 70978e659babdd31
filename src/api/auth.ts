import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { GLOBAL_SCOPE, loadScope, type Scope } from '../domain/scope';
import type { Db } from '../db/client';
import { forbidden, unauthorized } from '../errors';
import { diff } from '../audit/diff';
import { recordUserChangedAtStart } from '../audit/record';

/**
 * `viewMetrics`: Prometheus scrapes /metrics with a token that can do nothing else. `approveVisits`: a host
 * or security approves or denies visits at a location whose badges work only once approved. `viewAudit`:
 * reads the audit log (GET /v1/audit) without changing anything; `manageConfiguration` reads it too.
 */
export const PERMISSIONS = ['provisionBadge', 'signOut', 'viewVisits', 'manageConfiguration', 'viewMetrics', 'approveVisits', 'viewAudit'] as const;
export type Permission = (typeof PERMISSIONS)[number];
export const permissionSchema = z.enum(PERMISSIONS);

/** What every configuration operation requires (routes spread it into their `permission`). */
export const CONFIG_ADMIN = ['manageConfiguration'] as const satisfies readonly Permission[];

export interface Principal {
  id: string;
  name: string;
  email: string;
  permissions: Permission[];
  /** The locations the caller works at (src/domain/scope.ts); every read and change is confined to them. */
  scope: Scope;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    requestId: string;
  }
}

/** Tokens are 256-bit random, so a fast hash is enough: nothing to brute-force, and lookups stay O(1). */
export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');
export const newToken = () => `vb_${crypto.randomBytes(32).toString('base64url')}`;

export const BOOTSTRAP_ADMIN_EMAIL = 'admin@bootstrap.local';

/** Makes ADMIN_TOKEN a working admin token; rotating the variable rotates the token. */
export async function ensureBootstrapAdmin(db: Db, adminToken: string | undefined): Promise<void> {
  if (!adminToken) return;
  const tokenHash = hashToken(adminToken);
  await db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { email: BOOTSTRAP_ADMIN_EMAIL } });
    const after = await tx.user.upsert({
      where: { email: BOOTSTRAP_ADMIN_EMAIL },
      create: { name: 'Bootstrap admin', email: BOOTSTRAP_ADMIN_EMAIL, permissions: [...PERMISSIONS], tokenHash, allLocations: true },
      update: { tokenHash, permissions: [...PERMISSIONS], allLocations: true },
    });
    // Every start applies ADMIN_TOKEN; only a start that changed something (a rotated token) is a change.
    const changes = diff(before, after);
    if (!before || Object.keys(changes).length) {
      await recordUserChangedAtStart(tx, before, after);
    }
  });
}

export function authenticate(db: Db) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return next(unauthorized());
    const user = await db.user.findUnique({ where: { tokenHash: hashToken(m[1]) } });
    if (!user) return next(unauthorized('The bearer token is not valid.'));
    req.principal = {
      id: user.id,
      name: user.name,
      email: user.email,
      permissions: user.permissions.filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p)),
      // Read on every request: a change to a user's groups takes effect at their next call.
      scope: user.allLocations ? GLOBAL_SCOPE : await loadScope(db, user),
    };
    next();
  };
}

/** Creating locations and managing user accounts: a site admin could otherwise widen their own reach. */
export function requireAllLocations() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.principal?.scope.allLocations) return next();
    next(forbidden('This needs an admin of all locations (a user with "allLocations": true); your user is limited to some locations.'));
  };
}

export function requirePermission(...anyOf: Permission[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const have = req.principal?.permissions ?? [];
    if (anyOf.some((p) => have.includes(p))) return next();
    next(forbidden(`This needs the ${anyOf.map((p) => `"${p}"`).join(' or ')} permission.`));
  };
}

export const hasPermission = (req: Request, p: Permission) => req.principal?.permissions.includes(p) ?? false;
