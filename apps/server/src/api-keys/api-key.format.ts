import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ApiKeyType } from './api-key.entity';

/**
 * Key format, GitHub-style: `torii_scim_` + 43 base62 characters from a CSPRNG
 * (256 bits) + a 6-character base62 CRC32 of everything before it.
 * The prefix tells secret scanners and people what leaked; the checksum lets
 * the server refuse a typo or a truncated paste without touching the database.
 */
export const KEY_PREFIXES: Record<ApiKeyType, string> = { api: 'torii_api_', scim: 'torii_scim_' };
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 43; // 43 × log2(62) ≈ 256 bits
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
const KEY_PATTERN = /^torii_(api|scim)_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

export function generateKey(type: ApiKeyType): string {
  const body = KEY_PREFIXES[type] + randomBase62(SECRET_LENGTH);
  return body + checksum(body);
}

/** The key's type if it is well-formed and its checksum matches; null otherwise. */
export function parseKey(candidate: string): ApiKeyType | null {
  const match = KEY_PATTERN.exec(candidate);
  if (!match) return null;
  const body = candidate.slice(0, candidate.length - CHECKSUM_LENGTH);
  return checksum(body) === match[3] ? (match[1] as ApiKeyType) : null;
}

/** SHA-256 is enough for 256-bit random secrets: there is nothing to brute-force, so no slow hash or salt is needed. */
export function hashKey(key: string): string {
  // One-shot: no Hash object per request (Node ≥ 20.12).
  return hash('sha256', key, 'hex');
}

/** A key, whole or cut short, anywhere in a text. */
const KEY_IN_TEXT = /torii_(api|scim)_[0-9A-Za-z]+/g;

/** The text with anything that looks like a key, whole or in part, replaced by its prefix and `[redacted]`. */
export function scrubKeys(text: string): string {
  return text.includes('torii_') ? text.replace(KEY_IN_TEXT, 'torii_$1_[redacted]') : text;
}

export function maskKey(type: ApiKeyType, last4: string): string {
  return `${KEY_PREFIXES[type]}…${last4}`;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: rejecting bytes above it keeps every character equally likely.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
