import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SCIM connection alerts: the last status seen per organization (`scim_health_states`), and the
 * reminder outbox's `kind` and `payload` (an alert is delivered like a reminder). The two columns
 * are added with ADD COLUMN (TypeORM's generated SQLite migration would copy the table).
 */
export class HealthAlerts1796120400005 implements MigrationInterface {
  name = 'HealthAlerts1796120400005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scim_health_states" (
        "organization_id" integer PRIMARY KEY NOT NULL,
        "status" varchar(16) NOT NULL,
        "transitions" integer NOT NULL DEFAULT (0),
        "changed_at" datetime(3) NOT NULL,
        CONSTRAINT "FK_01ad65e9e04f7b61353894eda6d" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )
    `);
    await queryRunner.query(`ALTER TABLE "key_reminders" ADD COLUMN "kind" varchar(16) NOT NULL DEFAULT ('expiry')`);
    await queryRunner.query(`ALTER TABLE "key_reminders" ADD COLUMN "payload" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "key_reminders" DROP COLUMN "payload"`);
    await queryRunner.query(`ALTER TABLE "key_reminders" DROP COLUMN "kind"`);
    await queryRunner.query(`DROP TABLE "scim_health_states"`);
  }
}
