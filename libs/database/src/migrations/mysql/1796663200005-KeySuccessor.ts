import { MigrationInterface, QueryRunner } from 'typeorm';

/** A key's successor (at most one live one): an instant ADD COLUMN (no copy of the table). */
export class KeySuccessor1796663200005 implements MigrationInterface {
  name = 'KeySuccessor1796663200005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `api_keys` ADD `successor_key_id` int NULL');
    // Keys rotated before: their newest live successor.
    await queryRunner.query(`
      UPDATE \`api_keys\` k
      JOIN (SELECT \`replaces_key_id\` AS id, MAX(\`id\`) AS successor FROM \`api_keys\`
            WHERE \`replaces_key_id\` IS NOT NULL AND \`deleted_at\` IS NULL GROUP BY \`replaces_key_id\`) s ON s.id = k.\`id\`
      SET k.\`successor_key_id\` = s.successor
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE `api_keys` DROP COLUMN `successor_key_id`');
  }
}
