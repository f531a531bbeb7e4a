import { MigrationInterface, QueryRunner } from "typeorm";

export class KeyReminders1795886010199 implements MigrationInterface {
    name = 'KeyReminders1795886010199'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "key_reminders" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "api_key_id" integer NOT NULL,
                "lead_time" varchar(16) NOT NULL,
                "expires_at" datetime(3) NOT NULL,
                "status" varchar(16) NOT NULL,
                "attempts" integer NOT NULL DEFAULT (0),
                "next_attempt_at" datetime(3) NOT NULL,
                "claimed_until" datetime(3),
                "claim_token" varchar(64),
                "recipients" text,
                "last_error" varchar(1024),
                "message_id" varchar(255),
                "sent_at" datetime(3),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_org" ON "key_reminders" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_due" ON "key_reminders" ("status", "next_attempt_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_key_reminders_key_lead" ON "key_reminders" ("api_key_id", "lead_time")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_org"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_due"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_key_reminders_key_lead"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_key_reminders" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "api_key_id" integer NOT NULL,
                "lead_time" varchar(16) NOT NULL,
                "expires_at" datetime(3) NOT NULL,
                "status" varchar(16) NOT NULL,
                "attempts" integer NOT NULL DEFAULT (0),
                "next_attempt_at" datetime(3) NOT NULL,
                "claimed_until" datetime(3),
                "claim_token" varchar(64),
                "recipients" text,
                "last_error" varchar(1024),
                "message_id" varchar(255),
                "sent_at" datetime(3),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                CONSTRAINT "FK_0ddd6b00976b67c2266c792a9de" FOREIGN KEY ("api_key_id") REFERENCES "api_keys" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_key_reminders"(
                    "id",
                    "organization_id",
                    "api_key_id",
                    "lead_time",
                    "expires_at",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "claimed_until",
                    "claim_token",
                    "recipients",
                    "last_error",
                    "message_id",
                    "sent_at",
                    "created_at",
                    "updated_at"
                )
            SELECT "id",
                "organization_id",
                "api_key_id",
                "lead_time",
                "expires_at",
                "status",
                "attempts",
                "next_attempt_at",
                "claimed_until",
                "claim_token",
                "recipients",
                "last_error",
                "message_id",
                "sent_at",
                "created_at",
                "updated_at"
            FROM "key_reminders"
        `);
        await queryRunner.query(`
            DROP TABLE "key_reminders"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_key_reminders"
                RENAME TO "key_reminders"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_org" ON "key_reminders" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_due" ON "key_reminders" ("status", "next_attempt_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_key_reminders_key_lead" ON "key_reminders" ("api_key_id", "lead_time")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "UQ_key_reminders_key_lead"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_due"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_org"
        `);
        await queryRunner.query(`
            ALTER TABLE "key_reminders"
                RENAME TO "temporary_key_reminders"
        `);
        await queryRunner.query(`
            CREATE TABLE "key_reminders" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "api_key_id" integer NOT NULL,
                "lead_time" varchar(16) NOT NULL,
                "expires_at" datetime(3) NOT NULL,
                "status" varchar(16) NOT NULL,
                "attempts" integer NOT NULL DEFAULT (0),
                "next_attempt_at" datetime(3) NOT NULL,
                "claimed_until" datetime(3),
                "claim_token" varchar(64),
                "recipients" text,
                "last_error" varchar(1024),
                "message_id" varchar(255),
                "sent_at" datetime(3),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            INSERT INTO "key_reminders"(
                    "id",
                    "organization_id",
                    "api_key_id",
                    "lead_time",
                    "expires_at",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "claimed_until",
                    "claim_token",
                    "recipients",
                    "last_error",
                    "message_id",
                    "sent_at",
                    "created_at",
                    "updated_at"
                )
            SELECT "id",
                "organization_id",
                "api_key_id",
                "lead_time",
                "expires_at",
                "status",
                "attempts",
                "next_attempt_at",
                "claimed_until",
                "claim_token",
                "recipients",
                "last_error",
                "message_id",
                "sent_at",
                "created_at",
                "updated_at"
            FROM "temporary_key_reminders"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_key_reminders"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_key_reminders_key_lead" ON "key_reminders" ("api_key_id", "lead_time")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_due" ON "key_reminders" ("status", "next_attempt_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_key_reminders_org" ON "key_reminders" ("organization_id", "id")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_key_reminders_key_lead"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_due"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_key_reminders_org"
        `);
        await queryRunner.query(`
            DROP TABLE "key_reminders"
        `);
    }

}
