import { decryptSecret } from '../config/secrets';
import { GenetecClient } from './genetec/client';
import { OnGuardClient } from './onguard/client';
import { inProviderTerms, isPacsError } from './errors';
import type { PacsAdapter, PacsKind, ProviderConnection, ProviderSettings } from './types';

export function createPacsAdapter(conn: ProviderConnection): PacsAdapter {
  return inProviderTermsAdapter(conn.kind === 'onguard' ? new OnGuardClient(conn) : new GenetecClient(conn), conn.kind);
}

/**
 * The adapter with every PacsError it raises worded for its provider: the shared HTTP layer cannot know
 * whether it talked to OnGuard or Security Center, and an operator should not be offered both.
 */
function inProviderTermsAdapter(adapter: PacsAdapter, kind: PacsKind): PacsAdapter {
  const reword = (e: unknown) => (isPacsError(e) ? inProviderTerms(e, kind) : e);
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (e) {
          throw reword(e);
        }
        return result instanceof Promise ? result.catch((e: unknown) => Promise.reject(reword(e))) : result;
      };
    },
  });
}

type ProviderRow = {
  id: string;
  kind: string;
  url: string;
  username: string;
  passwordCiphertext: string;
  applicationId: string | null;
  directoryId: string | null;
  tlsVerify: boolean;
  tlsCaCert: string | null;
  tlsFingerprint: string | null;
  maxConcurrentRequests: number;
  settings: unknown;
  updatedAt: Date;
};

/**
 * Where provider rows come from: the Prisma client satisfies it. Declared here, not imported from src/db,
 * so the PACS layer stays independent of the database layer.
 */
export interface ProviderRows {
  provider: { findUnique(args: { where: { id: string } }): PromiseLike<ProviderRow | null> };
}

export function connectionOf(p: ProviderRow, secretsKey: Buffer): ProviderConnection {
  return {
    kind: p.kind === 'onguard' ? 'onguard' : 'genetec',
    url: p.url,
    username: p.username,
    password: decryptSecret(secretsKey, p.passwordCiphertext),
    applicationId: p.applicationId,
    directoryId: p.directoryId,
    tls: { verify: p.tlsVerify, caCert: p.tlsCaCert, fingerprint: p.tlsFingerprint },
    maxConcurrentRequests: p.maxConcurrentRequests,
    settings: (p.settings ?? {}) as ProviderSettings,
  };
}

/**
 * One adapter (one connection pool, one PACS session) per provider per worker process, rebuilt when the
 * provider's configuration changes. Passwords are read from the database here, inside activities, so
 * they never travel through workflow inputs or histories.
 */
export class PacsRegistry {
  private adapters = new Map<string, { version: number; adapter: PacsAdapter }>();
  constructor(
    private readonly db: ProviderRows,
    private readonly secretsKey: Buffer,
    private readonly factory: (conn: ProviderConnection) => PacsAdapter = createPacsAdapter,
  ) {}

  /** By ID, or from a provider row the caller already loaded (saves a query on every visit activity). */
  async forProvider(provider: string | ProviderRow): Promise<PacsAdapter> {
    const p = typeof provider === 'string' ? await this.db.provider.findUnique({ where: { id: provider } }) : provider;
    if (!p) throw new ProviderGoneError(provider as string);
    const providerId = p.id;
    const cached = this.adapters.get(providerId);
    if (cached && cached.version === p.updatedAt.getTime()) return cached.adapter;
    if (cached) void cached.adapter.close().catch(() => undefined);
    const adapter = this.factory(connectionOf(p, this.secretsKey));
    this.adapters.set(providerId, { version: p.updatedAt.getTime(), adapter });
    return adapter;
  }

  /**
   * A new adapter, not cached, with some settings overridden (the dry run tries another request form).
   * The caller closes it.
   */
  async adapterWithSettings(providerId: string, over: Partial<ProviderSettings>): Promise<{ adapter: PacsAdapter; conn: ProviderConnection }> {
    const p = await this.db.provider.findUnique({ where: { id: providerId } });
    if (!p) throw new ProviderGoneError(providerId);
    const base = connectionOf(p, this.secretsKey);
    const conn = { ...base, settings: { ...(base.settings ?? {}), ...over } };
    return { adapter: this.factory(conn), conn };
  }

  async closeAll(): Promise<void> {
    const all = [...this.adapters.values()];
    this.adapters.clear();
    await Promise.all(all.map((a) => a.adapter.close().catch(() => undefined)));
  }
}

export class ProviderGoneError extends Error {
  readonly code = 'PROVIDER_NOT_FOUND';
  constructor(id: string) {
    super(`Provider ${id} no longer exists. It was deleted after this work started; re-create it or close the visit.`);
  }
}
