import { notFound } from './app-error';

const MAX_ID = 2_147_483_647; // INT columns on both engines

/** Whether `raw` is one of our ids as the server writes them: 1 to MAX_ID, no sign, no leading zero, no space. */
export function isCanonicalId(raw: string): boolean {
  return /^[1-9]\d{0,9}$/.test(raw) && Number(raw) <= MAX_ID;
}

/**
 * Ids are opaque strings on the wire. Anything that is not one of our ids
 * (non-numeric, zero, absurdly long) is simply not found: 404, never 400/500.
 */
export function parseId(raw: string | undefined, what: string): number {
  if (raw === undefined || !isCanonicalId(raw)) {
    throw notFound(`No ${what} with id ${JSON.stringify(raw ?? '')} in this organization.`);
  }
  return Number(raw);
}
