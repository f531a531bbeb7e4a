import { BoundedMap } from './bounded-map';

/**
 * Texts kept per table, one per row count in use. Row counts go up to a chunk (200 audit events) or
 * a user's multi-valued attributes (up to 100 per attribute), and a text's length grows with its rows:
 * kept without a bound, every count 1..800 of a table's would hold ~8 MB. The common ones (1, a few,
 * a full chunk) stay; a rare count is built again.
 */
export const INSERT_TEXTS_KEPT = 64;

/**
 * The INSERT of `rows` rows into `table` with these (already quoted) columns, as a function of the
 * row count: each text is built once and kept (INSERT_TEXTS_KEPT of them), so a hot write neither
 * joins a long column list nor makes the statement cache hash a fresh string every time.
 */
export function insertStatement(table: string, columns: readonly string[]): InsertStatement {
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const row = `(${columns.map(() => '?').join(', ')})`;
  const built = new BoundedMap<number, string>({ maxEntries: INSERT_TEXTS_KEPT });
  const sql = (rows: number) => {
    let text = built.get(rows);
    if (!text) {
      text = head + Array.from({ length: rows }, () => row).join(', ');
      built.set(rows, text);
    }
    return text;
  };
  return Object.assign(sql, { kept: () => built.size });
}

/** The text of an INSERT of `rows` rows; `kept()`: texts kept now (for the bounds' tests). */
export type InsertStatement = ((rows: number) => string) & { kept(): number };
