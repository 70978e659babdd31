import crypto from 'node:crypto';
import { normalizeFingerprint } from '../pacs/http';

/** The PACS kinds and the connection test's answer, as the API names them (src/api does not import src/pacs). */
export type { PacsKind, TestConnectionResult } from '../pacs/types';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle must parse; an admin pasting half a chain should hear it now. */
export function pemProblem(pem: string): string | null {
  const certs = pem.match(PEM_CERT);
  if (!certs) return 'must be a PEM certificate ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")';
  for (const [i, c] of certs.entries()) {
    try {
      new crypto.X509Certificate(c);
    } catch (err) {
      return `certificate ${i + 1} in the PEM does not parse (${(err as Error).message})`;
    }
  }
  return null;
}

/** Stored in the colon form browsers and `openssl x509 -fingerprint -sha256` print, so admins recognise it. */
export function canonicalFingerprint(fp: string): string {
  return normalizeFingerprint(fp).match(/../g)!.join(':');
}

/** How an access rule is named to people: the location's name first, since rule names repeat across sites. */
export const ruleDisplayName = (locationName: string, ruleName: string) => `${locationName} — ${ruleName}`;
