import { MigrationInterface, QueryRunner } from 'typeorm';

/** Key rotation: a key's first use, and the key it replaces (ADD COLUMN: no copy of the table). */
export class KeyRotation1796124774390 implements MigrationInterface {
  name = 'KeyRotation1796124774390';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD COLUMN "first_used_at" datetime(3)`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD COLUMN "replaces_key_id" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "replaces_key_id"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "first_used_at"`);
  }
}
