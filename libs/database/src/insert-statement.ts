/**
 * The INSERT of `rows` rows into `table` with these (already quoted) columns, as a function of the
 * row count: each text is built once and kept, so a hot write neither joins a long column list nor
 * makes the statement cache hash a fresh string every time.
 */
export function insertStatement(table: string, columns: readonly string[]): (rows: number) => string {
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const row = `(${columns.map(() => '?').join(', ')})`;
  const built = new Map<number, string>();
  return (rows) => {
    let sql = built.get(rows);
    if (!sql) {
      sql = head + Array.from({ length: rows }, () => row).join(', ');
      built.set(rows, sql);
    }
    return sql;
  };
}
