import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table the app owns (the migrations table keeps its own collation). */
const TABLES = ['organizations', 'roles', 'users', 'user_attribute_values', 'api_keys', 'key_reminders', 'system_flags'];

/**
 * Trailing spaces significant on MySQL/MariaDB as on SQLite: utf8mb4_bin is a PAD SPACE collation
 * ('abc' = 'abc   '), so filters and unique indexes ignored trailing spaces there. The binary NO PAD
 * collation of the server: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8. The database's
 * default becomes the same, so tables created by later migrations get it too.
 */
export async function noPadBinaryCollation(queryRunner: QueryRunner): Promise<string> {
  const [{ version }] = await queryRunner.query('SELECT VERSION() AS version');
  return /mariadb/i.test(String(version)) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

export class NoPadCollation1795995000000 implements MigrationInterface {
  name = 'NoPadCollation1795995000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const collation = await noPadBinaryCollation(queryRunner);
    await queryRunner.query(`ALTER DATABASE CHARACTER SET utf8mb4 COLLATE ${collation}`);
    for (const table of TABLES) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    for (const table of TABLES) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    }
  }
}
