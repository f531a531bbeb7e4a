import { notFound } from './app-error';

const MAX_ID = 2_147_483_647; // INT columns on both engines

/**
 * Ids are opaque strings on the wire. Anything that is not one of our ids
 * (non-numeric, zero, absurdly long) is simply not found: 404, never 400/500.
 */
export function parseId(raw: string | undefined, what: string): number {
  const id = raw !== undefined && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id > MAX_ID)
    throw notFound(`No ${what} with id ${JSON.stringify(raw ?? '')} in this organization.`);
  return id;
}
