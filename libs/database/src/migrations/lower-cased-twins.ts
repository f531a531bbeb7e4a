import { QueryRunner } from 'typeorm';

/**
 * The LowerCasedTwins migration of both engines: every case-insensitive text column gets a
 * lower-cased copy that filters and sorts compare, instead of calling LOWER() on every row (on
 * SQLite a JavaScript function, the cost of a scan). Frozen here as of the migration: the entities
 * may change later, this list may not.
 */
const TWINS: ReadonlyArray<readonly [table: string, column: string, length: number]> = [
  ['users', 'name_formatted', 255],
  ['users', 'name_family_name', 255],
  ['users', 'name_given_name', 255],
  ['users', 'name_middle_name', 255],
  ['users', 'name_honorific_prefix', 255],
  ['users', 'name_honorific_suffix', 255],
  ['users', 'display_name', 255],
  ['users', 'nick_name', 255],
  ['users', 'profile_url', 1024],
  ['users', 'title', 255],
  ['users', 'preferred_language', 64],
  ['users', 'locale', 64],
  ['users', 'timezone', 64],
  ['users', 'employee_number', 255],
  ['users', 'cost_center', 255],
  ['users', 'organization_name', 255],
  ['users', 'division', 255],
  ['users', 'department', 255],
  ['users', 'manager_value', 255],
  ['users', 'manager_display_name', 255],
  ['user_attribute_values', 'display', 255],
  ['user_attribute_values', 'type', 64],
  ['user_attribute_values', 'formatted', 1024],
  ['user_attribute_values', 'street_address', 255],
  ['user_attribute_values', 'locality', 255],
  ['user_attribute_values', 'region', 255],
  ['user_attribute_values', 'postal_code', 64],
  ['user_attribute_values', 'country', 64],
];

/** Rows read and rewritten per statement while filling the twins of existing rows. */
const BATCH = 1000;

/** Adds the twin columns (a plain ADD COLUMN on both engines: no table copy) and fills them for existing rows. */
export async function addLowerCasedTwins(queryRunner: QueryRunner, quote: (name: string) => string): Promise<void> {
  for (const [table, column, length] of TWINS) {
    await queryRunner.query(`ALTER TABLE ${quote(table)} ADD ${quote(`${column}_lower`)} varchar(${length}) NULL`);
  }
  for (const table of new Set(TWINS.map(([t]) => t))) {
    const columns = TWINS.filter(([t]) => t === table);
    const select = `SELECT id, ${columns.map(([, c]) => quote(c)).join(', ')} FROM ${quote(table)} WHERE id > ? ORDER BY id LIMIT ${BATCH}`;
    const update = `UPDATE ${quote(table)} SET ${columns.map(([, c]) => `${quote(`${c}_lower`)} = ?`).join(', ')} WHERE id = ?`;
    for (let after = 0; ; ) {
      const rows: Array<Record<string, string | null>> = await queryRunner.query(select, [after]);
      for (const row of rows) {
        // JavaScript's toLowerCase, as the application fills them; NULL where the lower-cased form is too long.
        const twins = columns.map(([, c, length]) => {
          const lower = row[c]?.toLowerCase() ?? null;
          return lower !== null && Array.from(lower).length <= length ? lower : null;
        });
        if (twins.some((t) => t !== null)) await queryRunner.query(update, [...twins, row.id]);
      }
      if (rows.length < BATCH) break;
      after = Number(rows[rows.length - 1].id);
    }
  }
}

export async function dropLowerCasedTwins(queryRunner: QueryRunner, quote: (name: string) => string): Promise<void> {
  for (const [table, column] of [...TWINS].reverse()) {
    await queryRunner.query(`ALTER TABLE ${quote(table)} DROP COLUMN ${quote(`${column}_lower`)}`);
  }
}
