import { MigrationInterface, QueryRunner } from 'typeorm';

/** A key's successor (at most one live one): ADD COLUMN, no copy of the table. */
export class KeySuccessor1796663200000 implements MigrationInterface {
  name = 'KeySuccessor1796663200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD COLUMN "successor_key_id" integer`);
    // Keys rotated before: their newest live successor.
    await queryRunner.query(`
      UPDATE "api_keys" SET "successor_key_id" = (
        SELECT MAX(s."id") FROM "api_keys" s WHERE s."replaces_key_id" = "api_keys"."id" AND s."deleted_at" IS NULL
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "successor_key_id"`);
  }
}
