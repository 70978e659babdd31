import crypto from 'node:crypto';
import type { SimConfig } from './config';

/**
 * HTTP Basic with the user field `<user>;<applicationId>` [C S-STUDIO, S-CAM, S-HID, S-BULAC, S-LQ, S-VRFID].
 * Decoded credentials split at the first `:` (RFC 7617), then user and application ID at the last `;`
 * (application IDs are base64-like and contain neither) [I].
 */
export interface BasicCredentials {
  user: string;
  applicationId: string;
  password: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const userPart = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const semi = userPart.lastIndexOf(';');
  return semi < 0 ? { user: userPart, applicationId: '', password } : { user: userPart.slice(0, semi), applicationId: userPart.slice(semi + 1), password };
}

export type AuthOutcome = { ok: true; user: string; applicationId: string } | { ok: false; status: 401 | 403; reason: 'missing' | 'credentials' | 'licence' };

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export function authenticate(header: string | undefined, config: SimConfig): AuthOutcome {
  const creds = parseBasicAuth(header);
  // Without credentials the role answers 401, which "confirms the role is reachable" [C S-WIKI troubleshooting].
  if (!creds) return { ok: false, status: 401, reason: 'missing' };
  // Security Center user names are Windows-style, compared without case [I].
  const user = config.users.find((u) => u.username.toLowerCase() === creds.user.toLowerCase());
  if (!user || !safeEqual(user.password, creds.password)) {
    return { ok: false, status: config.wrongCredentialsStatus, reason: 'credentials' };
  }
  // An application ID whose part number the licence lacks: every request is forbidden [C S-STUDIO, S-GUIDE].
  if (!config.licensedApplicationIds.includes(creds.applicationId)) return { ok: false, status: 403, reason: 'licence' };
  return { ok: true, user: user.username, applicationId: creds.applicationId };
}
