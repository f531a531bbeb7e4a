import { MigrationInterface, QueryRunner } from "typeorm";

/** Per-minute counts of SCIM deprovisioning outside incidents: what the burst check sums (deprovisioning.entity.ts). */
export class DeprovisioningMinutes1796674665195 implements MigrationInterface {
    name = 'DeprovisioningMinutes1796674665195'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "deprovisioning_minutes" (
                "organization_id" integer NOT NULL,
                "minute" datetime(3) NOT NULL,
                "slot" integer NOT NULL,
                "users" integer NOT NULL DEFAULT (0),
                "were_active" integer NOT NULL DEFAULT (0),
                PRIMARY KEY ("organization_id", "minute", "slot")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_minutes_minute" ON "deprovisioning_minutes" ("minute")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_minutes_minute"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_deprovisioning_minutes" (
                "organization_id" integer NOT NULL,
                "minute" datetime(3) NOT NULL,
                "slot" integer NOT NULL,
                "users" integer NOT NULL DEFAULT (0),
                "were_active" integer NOT NULL DEFAULT (0),
                CONSTRAINT "FK_e235b189669b3d5b9de641fa7ae" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                PRIMARY KEY ("organization_id", "minute", "slot")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_deprovisioning_minutes"(
                    "organization_id",
                    "minute",
                    "slot",
                    "users",
                    "were_active"
                )
            SELECT "organization_id",
                "minute",
                "slot",
                "users",
                "were_active"
            FROM "deprovisioning_minutes"
        `);
        await queryRunner.query(`
            DROP TABLE "deprovisioning_minutes"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_deprovisioning_minutes"
                RENAME TO "deprovisioning_minutes"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_minutes_minute" ON "deprovisioning_minutes" ("minute")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_minutes_minute"
        `);
        await queryRunner.query(`
            ALTER TABLE "deprovisioning_minutes"
                RENAME TO "temporary_deprovisioning_minutes"
        `);
        await queryRunner.query(`
            CREATE TABLE "deprovisioning_minutes" (
                "organization_id" integer NOT NULL,
                "minute" datetime(3) NOT NULL,
                "slot" integer NOT NULL,
                "users" integer NOT NULL DEFAULT (0),
                "were_active" integer NOT NULL DEFAULT (0),
                PRIMARY KEY ("organization_id", "minute", "slot")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "deprovisioning_minutes"(
                    "organization_id",
                    "minute",
                    "slot",
                    "users",
                    "were_active"
                )
            SELECT "organization_id",
                "minute",
                "slot",
                "users",
                "were_active"
            FROM "temporary_deprovisioning_minutes"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_deprovisioning_minutes"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_minutes_minute" ON "deprovisioning_minutes" ("minute")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_minutes_minute"
        `);
        await queryRunner.query(`
            DROP TABLE "deprovisioning_minutes"
        `);
    }

}
