/**
 * Sessions per (user, application ID), opened on the first request and dropped after an idle period
 * (5 minutes on real servers [C-2nd S-GUIDE]). Clients only see them as the latency of a new session, so
 * the counters exist for tests: a client that pings often enough opens exactly one session.
 */
export interface SessionInfo {
  user: string;
  applicationId: string;
  openedAt: string;
  lastUsedAt: string;
  requests: number;
}

export class SessionTracker {
  private sessions = new Map<string, { user: string; applicationId: string; openedAt: number; lastUsedAt: number; requests: number }>();
  opened = 0;
  expired = 0;

  /** Records a request; `isNew` tells the caller to charge the session-opening latency. */
  touch(user: string, applicationId: string, now: number, idleMs: number): { isNew: boolean } {
    this.sweep(now, idleMs);
    const key = `${user.toLowerCase()};${applicationId}`;
    const s = this.sessions.get(key);
    if (s) {
      s.lastUsedAt = now;
      s.requests++;
      return { isNew: false };
    }
    this.sessions.set(key, { user, applicationId, openedAt: now, lastUsedAt: now, requests: 1 });
    this.opened++;
    return { isNew: true };
  }

  sweep(now: number, idleMs: number) {
    for (const [key, s] of this.sessions) {
      if (now - s.lastUsedAt >= idleMs) {
        this.sessions.delete(key);
        this.expired++;
      }
    }
  }

  /** Drops every session now, as restarting the role does. */
  expireAll() {
    this.expired += this.sessions.size;
    this.sessions.clear();
  }

  reset() {
    this.sessions.clear();
    this.opened = 0;
    this.expired = 0;
  }

  snapshot(now: number, idleMs: number) {
    this.sweep(now, idleMs);
    return {
      opened: this.opened,
      expired: this.expired,
      active: [...this.sessions.values()].map<SessionInfo>((s) => ({
        user: s.user,
        applicationId: s.applicationId,
        openedAt: new Date(s.openedAt).toISOString(),
        lastUsedAt: new Date(s.lastUsedAt).toISOString(),
        requests: s.requests,
      })),
    };
  }
}
