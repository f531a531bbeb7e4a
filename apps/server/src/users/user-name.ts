import type { InputLimits } from '@app/api-types';
import { describeTextProblem, findTextProblem } from '@app/scim-protocol';
import { isEmail } from 'class-validator';
import { badRequest } from '../common/app-error';

/** The longest email address (RFC 5321's path limit, less the angle brackets). */
export const EMAIL_MAX: InputLimits['email'] = 254;

/** Torii's rule: a userName is the user's email address (at most 254 characters). */
export function isValidUserName(value: string): boolean {
  return value.length <= EMAIL_MAX && isEmail(value, { allow_utf8_local_part: true, require_tld: true });
}

/**
 * A userName as stored: trimmed, in NFC ("é" typed as one code point or as e + U+0301 is one
 * address), an email address without control characters, lone surrogates or directional overrides.
 * Otherwise 400 with a sentence naming `field`. For every way in: SCIM has checked the text rules already;
 * the first Admin's address (onboarding, the CLI) has not. As `email` (the admin API's edit of a user, a
 * notification recipient), control characters are refused even at either end, where trimming would hide them.
 */
export function validUserName(userName: unknown, field: 'userName' | 'email' = 'userName'): string {
  const refuse = (message: string) => badRequest(message, 'invalidValue', field === 'email' ? [{ field, message }] : undefined);
  const what = field === 'email' ? 'an email address' : "the user's email address";
  if (typeof userName !== 'string' || !userName.trim()) {
    throw refuse(field === 'email' ? `${field} must be ${what}.` : `${field} is required: ${what}.`);
  }
  const trimmed = userName.trim().normalize('NFC');
  const problem = findTextProblem(field === 'email' ? userName : trimmed, 'identifier');
  if (problem) throw refuse(describeTextProblem(field, problem, 'identifier'));
  if (!isValidUserName(trimmed)) {
    const shown = trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed;
    throw refuse(`${field} must be ${what}; "${shown}" is not a valid email.`);
  }
  return trimmed;
}
