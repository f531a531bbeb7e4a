/*
 * The lengths the admin API accepts for text people type; longer text is refused with a 400 naming the
 * field. Unlike the types in index.ts these are values: the settings UI imports them
 * (`@app/api-types/limits`) to show each field's limit and a counter, rather than typing the numbers again.
 * Characters are counted as the API counts them: Unicode code points of the trimmed text.
 */
import type { InputLimits } from './index';

/** Declared with the server's literal types (InputLimits): a limit changed there fails the UI's typecheck until it follows. */
const organizationName: InputLimits['organizationName'] = 100;
const fullName: InputLimits['fullName'] = 255;
const email: InputLimits['email'] = 254;
const notificationRecipients: InputLimits['notificationRecipients'] = 20;

export const TEXT_LIMITS = {
  /** A role's name (POST/PATCH /v1.0/settings/roles), which identity providers send as userType. */
  roleName: 64,
  /** A role's or an API key's description. */
  description: 255,
  /** The organization's name (PATCH /v1.0/organization). */
  organizationName,
  /** A user's full name (PATCH /v1.0/users/{id} `name`). */
  fullName,
  /** An email address: a user's (PATCH /v1.0/users/{id} `email`), each notification recipient. */
  email,
} as const;

/** The most notification recipients an organization may add to its active Admins (distinct addresses). */
export const MAX_NOTIFICATION_RECIPIENTS = notificationRecipients;

/** The length of `text` as the API measures it. */
export function textLength(text: string): number {
  return [...text.trim()].length;
}
