import { badRequest } from '../common/app-error';

/**
 * A key's expiration as sent on creation: `YYYY-MM-DD` is 00:00:00 UTC of that day, a full ISO-8601
 * timestamp with a time zone is taken as is; it must be in the future. Fixed once the key exists.
 */
export function parseExpiry(raw: string, now: Date): Date {
  const field = [{ field: 'expiresAt', message: '' }];
  let date: Date;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    date = new Date(`${raw}T00:00:00.000Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw) date = new Date(NaN);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
    date = new Date(raw);
  } else {
    date = new Date(NaN);
  }
  if (Number.isNaN(date.getTime())) {
    field[0].message = 'expiresAt must be a date (YYYY-MM-DD) or an ISO-8601 timestamp with a time zone';
    throw badRequest(`${field[0].message}; got ${JSON.stringify(raw)}.`, 'invalidValue', field);
  }
  if (date.getTime() <= now.getTime()) {
    field[0].message = 'expiresAt must be in the future';
    throw badRequest(`expiresAt must be in the future; ${date.toISOString()} has already passed.`, 'invalidValue', field);
  }
  if (date.getUTCFullYear() > 9999) {
    field[0].message = 'expiresAt is too far in the future';
    throw badRequest('expiresAt is too far in the future.', 'invalidValue', field);
  }
  return date;
}
