import { createHmac, KeyObject, timingSafeEqual } from 'node:crypto';

/** Characters of a cursor's MAC: 16 bytes of HMAC-SHA-256 in base64url (128 bits; forging one is 2^-128 a try). */
const MAC_CHARS = 22;
const SEALED = /^((?:\d{1,15}\.){0,3}\d{1,15})\.([A-Za-z0-9_-]{22})$/;

/**
 * A cursor the server can tell it issued: its numbers (a position, a time) in the clear, then an
 * HMAC-SHA-256 of them and of the cursor's scope (which list of which organization, which query),
 * truncated to 128 bits. `<n>.<n>...<mac>`: characters RFC 9865 allows (RFC 3986 unreserved).
 * A cursor sealed for one scope does not open in another.
 */
export function sealCursor(key: KeyObject, scope: string, fields: readonly number[]): string {
  const payload = fields.join('.');
  return `${payload}.${mac(key, scope, payload)}`;
}

/** The numbers of a cursor sealed with this key for this scope; null for anything else (made up, altered, other scope). */
export function openCursor(key: KeyObject, scope: string, cursor: string): number[] | null {
  const match = SEALED.exec(cursor);
  if (!match) return null;
  const expected = Buffer.from(mac(key, scope, match[1]));
  if (!timingSafeEqual(expected, Buffer.from(match[2]))) return null;
  return match[1].split('.').map(Number);
}

/** The payload holds digits and dots only, so the newline ends it: no payload and scope pair reads as another. */
function mac(key: KeyObject, scope: string, payload: string): string {
  return createHmac('sha256', key).update(`${payload}\n${scope}`).digest('base64url').slice(0, MAC_CHARS);
}
