// The dashboard's access token: random, made at start and printed in the URL. Every page, asset
// and JSON endpoint needs it, so another web page open in the same browser (or another user of
// the machine) cannot read the dashboard. The URL's token is traded for a cookie (HttpOnly,
// SameSite=Strict) and a redirect to the same page without it, so it stays out of the history.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** cookieName is per port: cookies are not kept apart by port, two dashboards on one host would clash. */
export function cookieName(port: number): string {
  return `ebb_ui_${port}`;
}

export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** cookieToken reads the token cookie of a request. */
export function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** bearerToken reads `Authorization: Bearer TOKEN` (scripts reading the JSON endpoints). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

export function tokenCookie(name: string, token: string): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * csrfToken is what a form that changes the state posts with it (send rejected rows again): the
 * cookie alone is not enough, a page of another site cannot read this value (derived from the
 * token, so the token itself is never written into a page).
 */
export function csrfToken(token: string): string {
  return createHmac('sha256', token).update('ebb dashboard form').digest('base64url');
}
