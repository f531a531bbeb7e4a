import type { InputLimits } from '@app/api-types';
import { describeTextProblem, findTextProblem, ScimName, ScimUserInput } from '@app/scim-protocol';
import { badRequest } from '../common/app-error';

/**
 * A user's identity as a person types it where no identity provider is involved (the first start,
 * the CLI, the admin API's edit of a user no identity provider manages): one email address, which is
 * the userName and the primary work email, and one full name, which gives displayName and name.
 */

/** The longest full name, in characters, after trimming (as a key's description). */
export const FULL_NAME_MAX: InputLimits['fullName'] = 255;

/**
 * A full name as stored: trimmed, inner spaces collapsed, in NFC, 1 to 255 characters, one line of
 * text (no control characters; directional marks are allowed, as in SCIM's displayName: a
 * right-to-left name may hold them). Otherwise 400 with a sentence naming `field`.
 */
export function validFullName(raw: string, field = 'name'): string {
  const name = raw.trim().replace(/\s+/g, ' ').normalize('NFC');
  const refuse = (message: string) => badRequest(message, 'invalidValue', [{ field, message }]);
  const length = [...name].length;
  if (length === 0 || length > FULL_NAME_MAX) {
    throw refuse(`${field} must be 1 to ${FULL_NAME_MAX} characters (spaces at either end are not counted); got ${length}.`);
  }
  const problem = findTextProblem(raw, 'line');
  if (problem) throw refuse(describeTextProblem(field, problem, 'line'));
  return name;
}

/**
 * The SCIM name attributes of a full name: displayName and name.formatted are the name (inner spaces
 * collapsed), the last word is the family name and the words before it the given name, as a
 * provisioning client would have sent them. Null or blank: none.
 */
export function nameAttributes(fullName: string | null | undefined): { displayName?: string; name?: ScimName } {
  const name = fullName?.trim().replace(/\s+/g, ' ');
  if (!name) return {};
  const words = name.split(' ');
  return {
    displayName: name,
    name: {
      formatted: name,
      ...(words.length > 1
        ? { givenName: words.slice(0, -1).join(' '), familyName: words[words.length - 1] }
        : { givenName: name }),
    },
  };
}

/**
 * The user as it is, with a new email address and/or full name: the userName becomes the address, and
 * so does the primary email (the one equal to the old userName when none is primary; one is added when
 * the user has none); the name replaces displayName and every part of name (null clears them). The
 * user's other attributes are kept.
 */
export function withIdentity(current: ScimUserInput, change: { email?: string; name?: string | null }): ScimUserInput {
  const next: ScimUserInput = { ...current };
  if (change.email !== undefined && change.email !== current.userName) {
    const emails = (current.emails ?? []).map((e) => ({ ...e }));
    const old = current.userName.toLowerCase();
    let index = emails.findIndex((e) => e.primary === true);
    if (index < 0) index = emails.findIndex((e) => String(e.value ?? '').toLowerCase() === old);
    if (index >= 0) emails[index] = { ...emails[index], value: change.email };
    else emails.unshift({ value: change.email, type: 'work', primary: true });
    next.userName = change.email;
    next.emails = emails;
  }
  if (change.name !== undefined) {
    delete next.displayName;
    delete next.name;
    Object.assign(next, nameAttributes(change.name));
  }
  return next;
}
