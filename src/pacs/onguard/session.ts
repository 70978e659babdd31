/**
 * One OpenAccess session per client, shared by all its calls (sessions are licensed and a login costs a
 * round trip). It is obtained lazily, renewed before `token_expiration_time` as PlaceOS does (S3: five
 * minutes early), kept from idling out with GET /keepalive when no call has used it for a while (the
 * server's inactivity timeout is site-configurable and unknown, docs/pacs/onguard-openaccess.md §1.7), and logged out on close.
 */
export interface SessionState {
  token: string;
  /** Local-clock time the server will stop accepting the token. */
  expiresAt: number;
  obtainedAt: number;
}

export interface SessionDeps {
  /** POST /authentication; resolves with the token and its expiry in local-clock milliseconds. */
  login(): Promise<{ token: string; expiresAt: number }>;
  /** GET /keepalive; false when the server no longer knows the token. */
  keepalive(token: string): Promise<boolean>;
  /** DELETE /authentication, best effort. */
  logout(token: string): Promise<void>;
  now(): number;
  /** Send a keepalive after this long without a call; 0 disables. */
  keepaliveIdleMs: number;
  /** Renew this long before expiry (capped at half the token's lifetime, for short-lived tokens). */
  renewBeforeMs: number;
}

export class SessionKeeper {
  private current: SessionState | null = null;
  private pending: Promise<SessionState> | null = null;
  private lastUsedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Every token this client has held, so error texts can be scrubbed of them. */
  private readonly seenTokens = new Set<string>();
  stats = { logins: 0, keepalives: 0, logouts: 0 };

  constructor(private readonly deps: SessionDeps) {}

  /** The current session, logging in (once, however many callers wait) when there is none or it is about to expire. */
  async get(): Promise<SessionState> {
    const s = this.current;
    if (s && !this.needsRenewal(s)) return s;
    if (!this.pending) {
      this.pending = this.loginNow(s).finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  /** Drops a session the server refused; a newer one obtained meanwhile by another call is kept. */
  invalidate(s: SessionState) {
    if (this.current === s) this.current = null;
  }

  /** Records a successful authenticated call: any call resets the server's idle countdown (8.3 docs). */
  touched() {
    this.lastUsedAt = this.deps.now();
    this.schedule();
  }

  /** Logs in now even if a session exists (test connection must prove the credentials). */
  async fresh(): Promise<SessionState> {
    const old = this.current;
    this.current = null;
    return this.loginNow(old);
  }

  tokens(): string[] {
    return [...this.seenTokens];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const s = this.current ?? (await this.pending?.catch(() => null)) ?? null;
    this.current = null;
    if (s) await this.logoutQuietly(s);
  }

  private needsRenewal(s: SessionState): boolean {
    const margin = Math.min(this.deps.renewBeforeMs, (s.expiresAt - s.obtainedAt) / 2);
    return this.deps.now() >= s.expiresAt - margin;
  }

  private async loginNow(previous: SessionState | null): Promise<SessionState> {
    const { token, expiresAt } = await this.deps.login();
    this.seenTokens.add(token);
    const s: SessionState = { token, expiresAt, obtainedAt: this.deps.now() };
    this.stats.logins++;
    this.current = s;
    this.lastUsedAt = s.obtainedAt;
    this.schedule();
    // The old token still counts against the server's sessions until it expires: hand it back.
    if (previous && previous.token !== token) void this.logoutQuietly(previous);
    return s;
  }

  private async logoutQuietly(s: SessionState) {
    try {
      await this.deps.logout(s.token);
      this.stats.logouts++;
    } catch {
      // An unreachable server forgets the session by itself when it expires.
    }
  }

  private schedule() {
    clearTimeout(this.timer);
    if (this.closed || !this.current || this.deps.keepaliveIdleMs <= 0) return;
    const due = Math.max(0, this.lastUsedAt + this.deps.keepaliveIdleMs - this.deps.now());
    this.timer = setTimeout(() => void this.onIdle(), due);
    // A client idling in a worker must not keep the process alive.
    this.timer.unref();
  }

  private async onIdle() {
    const s = this.current;
    if (!s || this.closed) return;
    if (this.deps.now() - this.lastUsedAt < this.deps.keepaliveIdleMs) return this.schedule();
    // Keeping alive a token about to expire is pointless; the next call renews it.
    if (this.needsRenewal(s)) return;
    try {
      const alive = await this.deps.keepalive(s.token);
      if (!alive) {
        this.invalidate(s);
        return;
      }
      this.stats.keepalives++;
      this.lastUsedAt = this.deps.now();
    } catch {
      // Unreachable for now: try again after another idle period; the session may well survive.
      this.lastUsedAt = this.deps.now();
    }
    this.schedule();
  }
}
