import { isEmail } from 'class-validator';

/** Torii's rule: a userName is the user's email address (at most 254 characters). */
export function isValidUserName(value: string): boolean {
  return value.length <= 254 && isEmail(value, { allow_utf8_local_part: true, require_tld: true });
}
