import { MigrationInterface, QueryRunner } from 'typeorm';
import { noPadBinaryCollation } from './1795995000000-NoPadCollation';

/**
 * Every table in the database that is not yet wholly in the server's binary NO PAD collation: the
 * table's own default or any of its text columns differs. Read from information_schema, so a table
 * no migration here knows by name (one created before this one with `DEFAULT CHARSET = utf8mb4`,
 * which picks the charset's default collation rather than the database's) is found too.
 */
export async function tablesNotInCollation(queryRunner: QueryRunner, collation: string): Promise<string[]> {
  const rows: Array<{ name: string }> = await queryRunner.query(
    `SELECT t.TABLE_NAME AS name FROM information_schema.TABLES t
     WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
       AND (t.TABLE_COLLATION <> ? OR EXISTS (
         SELECT 1 FROM information_schema.COLUMNS c
         WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
           AND c.COLLATION_NAME IS NOT NULL AND c.COLLATION_NAME <> ?))
     ORDER BY t.TABLE_NAME`,
    [collation, collation],
  );
  return rows.map((r) => r.name);
}

/**
 * One collation everywhere. The migrations after NoPadCollation created their tables with
 * `DEFAULT CHARSET = utf8mb4` and no COLLATE, which gives the charset's default collation
 * (utf8mb4_general_ci on MariaDB, utf8mb4_0900_ai_ci on MySQL 8) instead of the database's: there
 * "Resume" and "Résumé", or "Team🚀" and "Team🔥", were one group name, where SQLite keeps them
 * apart. This converts every table of the database that is not wholly binary NO PAD, the
 * migrations table included (TypeORM compares migration names in JavaScript, so its collation
 * changes nothing for it, and "every table" is a rule a test can check without exceptions), and
 * sets the database default again. Tables already right are left alone: each conversion rewrites
 * the table under a lock, so users and user_attribute_values (converted by NoPadCollation) are not
 * rewritten again.
 *
 * down() changes nothing: going back to a case- and accent-insensitive collation would make the
 * unique indexes refuse rows this one allows ("Resume" and "Résumé"), and would bring the bug back.
 */
export class OneCollation1796130000000 implements MigrationInterface {
  name = 'OneCollation1796130000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const collation = await noPadBinaryCollation(queryRunner);
    await queryRunner.query(`ALTER DATABASE CHARACTER SET utf8mb4 COLLATE ${collation}`);
    for (const table of await tablesNotInCollation(queryRunner, collation)) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    }
  }

  public async down(): Promise<void> {
    // Deliberately nothing (see above).
  }
}
