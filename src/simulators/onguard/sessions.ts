import crypto from 'node:crypto';
import type { SimClock } from './clock';
import { sessionSettingsSchema, type SessionSettings } from './options';

/**
 * Session tokens with both lifetimes a real server has (docs/pacs/onguard-openaccess.md §1.7): an absolute expiry announced at login
 * and an inactivity timeout that any authenticated request (and /keepalive) resets.
 */
export interface Session {
  token: string;
  userId: number;
  userName: string;
  startedAt: number;
  expiresAt: number;
  lastUsedAt: number;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'idle' };

export class SessionManager {
  settings: SessionSettings = sessionSettingsSchema.parse({});
  private sessions = new Map<string, Session>();
  /** Logins since the last reset, for "requests per login" figures. */
  logins = 0;

  constructor(private readonly clock: SimClock) {}

  reset() {
    this.settings = sessionSettingsSchema.parse({});
    this.sessions.clear();
    this.logins = 0;
  }

  configure(patch: Partial<SessionSettings>): SessionSettings {
    this.settings = sessionSettingsSchema.parse({ ...this.settings, ...patch });
    return this.settings;
  }

  create(userId: number, userName: string): Session {
    const now = this.clock.now();
    const s: Session = {
      token: crypto.randomUUID(),
      userId,
      userName,
      startedAt: now,
      expiresAt: now + this.settings.tokenLifetimeMs,
      lastUsedAt: now,
    };
    this.sessions.set(s.token, s);
    this.logins++;
    return s;
  }

  /** Validates and, when valid, resets the idle countdown. */
  use(token: string | undefined): SessionCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const s = this.sessions.get(token);
    if (!s) return { ok: false, reason: 'unknown' };
    const now = this.clock.now();
    if (now >= s.expiresAt) {
      this.sessions.delete(token);
      return { ok: false, reason: 'expired' };
    }
    if (this.settings.idleTimeoutMs > 0 && now - s.lastUsedAt >= this.settings.idleTimeoutMs) {
      this.sessions.delete(token);
      return { ok: false, reason: 'idle' };
    }
    s.lastUsedAt = now;
    return { ok: true, session: s };
  }

  remove(token: string) {
    this.sessions.delete(token);
  }

  /** Ends every session (or one), as a server restart or an admin would. */
  expire(token?: string): number {
    if (token) return this.sessions.delete(token) ? 1 : 0;
    const n = this.sessions.size;
    this.sessions.clear();
    return n;
  }

  /** Tokens are shortened: the control API is not a place to leak credentials, even fake ones. */
  snapshot() {
    return {
      settings: this.settings,
      logins: this.logins,
      sessions: [...this.sessions.values()].map((s) => ({
        token: `${s.token.slice(0, 8)}…`,
        userName: s.userName,
        startedAt: new Date(s.startedAt).toISOString(),
        expiresAt: new Date(s.expiresAt).toISOString(),
        lastUsedAt: new Date(s.lastUsedAt).toISOString(),
      })),
    };
  }
}
