/*
 * ISO 8601 parsing without Date.parse, whose leniency differs between engines
 * ("2024-02-30" silently becomes March 1st, "1" becomes a year).
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a date or date-time and returns it as `YYYY-MM-DDTHH:MM:SS.SSSZ` in
 * UTC, or undefined when the text is not a valid ISO 8601 timestamp.
 * A timestamp without an offset is taken as UTC; digits beyond milliseconds
 * are dropped.
 */
export function parseDateTime(text: string): string | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  const ms = Number((frac + '000').slice(0, 3));
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  const utc = date.getTime() - offsetMinutes * 60_000;
  const result = new Date(utc);
  if (Number.isNaN(utc) || result.getUTCFullYear() < 0 || result.getUTCFullYear() > 9999) return undefined;
  return result.toISOString();
}

/**
 * `YYYY-MM-DD HH:MM:SS.SSS` (UTC): how the app stores DATETIME values, as
 * text on SQLite and as DATETIME(3) on MySQL/MariaDB, which both compare it
 * correctly against this string.
 */
export function toSqlDateTime(iso: string): string {
  return iso.slice(0, 23).replace('T', ' ');
}
