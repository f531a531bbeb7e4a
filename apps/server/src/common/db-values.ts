/**
 * Raw query results carry DATETIME columns as Date (mysql2, timezone 'Z') or as
 * 'YYYY-MM-DD HH:MM:SS.SSS' UTC text (SQLite); both become an ISO-8601 string.
 */
export function toIso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`)).toISOString();
}

/** A Date as both engines store DATETIME(3): UTC 'YYYY-MM-DD HH:MM:SS.SSS', for raw parameters. */
export function toDbDate(value: Date): string {
  return value.toISOString().replace('T', ' ').replace('Z', '');
}
