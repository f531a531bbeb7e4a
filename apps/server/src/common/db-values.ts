/**
 * Raw query results carry DATETIME columns as Date (mysql2, timezone 'Z') or as
 * 'YYYY-MM-DD HH:MM:SS.SSS' UTC text (SQLite); both become a Date.
 */
export function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`);
}

/** The same, as an ISO-8601 string. */
export function toIso(value: Date | string | null | undefined): string | null {
  return toDate(value)?.toISOString() ?? null;
}

/** A Date as both engines store DATETIME(3): UTC 'YYYY-MM-DD HH:MM:SS.SSS', for raw parameters. */
export function toDbDate(value: Date): string {
  const iso = value.toISOString();
  // 'YYYY-MM-DDTHH:MM:SS.SSSZ'; years past 9999 have a sign and more digits.
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso.replace('T', ' ').replace('Z', '');
}
