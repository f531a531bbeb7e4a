import { describeTextProblem, findTextProblem } from '@app/scim-protocol';
import { isEmail } from 'class-validator';
import { badRequest } from '../common/app-error';

/** Torii's rule: a userName is the user's email address (at most 254 characters). */
export function isValidUserName(value: string): boolean {
  return value.length <= 254 && isEmail(value, { allow_utf8_local_part: true, require_tld: true });
}

/**
 * A userName as stored: trimmed, in NFC ("é" typed as one code point or as e + U+0301 is one
 * address), an email address without control characters, lone surrogates or directional overrides.
 * Otherwise 400 with a sentence naming `field` (the admin API's edit calls it `email`). For every way in: SCIM has checked the text rules already; the first
 * Admin's address (onboarding, the CLI) has not.
 */
export function validUserName(userName: unknown, field: 'userName' | 'email' = 'userName'): string {
  const refuse = (message: string) => badRequest(message, 'invalidValue', field === 'email' ? [{ field, message }] : undefined);
  if (typeof userName !== 'string' || !userName.trim()) {
    throw refuse(`${field} is required: the user's email address.`);
  }
  const trimmed = userName.trim().normalize('NFC');
  const problem = findTextProblem(trimmed, 'identifier');
  if (problem) throw refuse(describeTextProblem(field, problem, 'identifier'));
  if (!isValidUserName(trimmed)) {
    const shown = trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed;
    throw refuse(`${field} must be the user's email address; "${shown}" is not a valid email.`);
  }
  return trimmed;
}
