import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The deprovisioning safety net (docs/safety-net.md): every deactivation and deletion of a user with the
 * state it undoes (user_deprovisionings, user_deprovisioning_groups), the per-minute counts the burst
 * check sums (deprovisioning_minutes), and the incidents bursts open (deprovisioning_incidents).
 */
export class SafetyNet1796678146104 implements MigrationInterface {
    name = 'SafetyNet1796678146104'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "user_deprovisionings" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                "kind" varchar(16) NOT NULL,
                "at" datetime(3) NOT NULL,
                "actor_type" varchar(16) NOT NULL,
                "actor_key_id" integer,
                "actor_masked_key" varchar(64),
                "actor_description" varchar(255),
                "incident_id" integer,
                "was_active" boolean NOT NULL,
                "role_id" integer NOT NULL,
                "own_role_id" integer,
                "role_group_id" integer
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_incident" ON "user_deprovisionings" ("incident_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_user" ON "user_deprovisionings" ("user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_org_at" ON "user_deprovisionings" ("organization_id", "at")
        `);
        await queryRunner.query(`
            CREATE TABLE "user_deprovisioning_groups" (
                "deprovisioning_id" integer NOT NULL,
                "group_id" integer NOT NULL,
                PRIMARY KEY ("deprovisioning_id", "group_id")
            )
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
            CREATE INDEX "IDX_deprovisioning_minutes_minute" ON "deprovisioning_minutes" ("minute")
        `);
        await queryRunner.query(`
            CREATE TABLE "deprovisioning_incidents" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "status" varchar(16) NOT NULL,
                "open_slot" integer,
                "opened_at" datetime(3) NOT NULL,
                "key_id" integer,
                "alert_due" integer,
                "closed_at" datetime(3),
                "closed_by_type" varchar(16),
                "closed_by_key_id" integer,
                "closed_by_masked_key" varchar(64),
                "closed_by_description" varchar(255)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_alert" ON "deprovisioning_incidents" ("alert_due")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_org" ON "deprovisioning_incidents" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_deprovisioning_incidents_open" ON "deprovisioning_incidents" ("organization_id", "open_slot")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_incident"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_user"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_org_at"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_user_deprovisionings" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                "kind" varchar(16) NOT NULL,
                "at" datetime(3) NOT NULL,
                "actor_type" varchar(16) NOT NULL,
                "actor_key_id" integer,
                "actor_masked_key" varchar(64),
                "actor_description" varchar(255),
                "incident_id" integer,
                "was_active" boolean NOT NULL,
                "role_id" integer NOT NULL,
                "own_role_id" integer,
                "role_group_id" integer,
                CONSTRAINT "FK_c3151e23c49424b0f97aac2002c" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                CONSTRAINT "FK_8690be8b59e916adc71ad3f86ad" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_user_deprovisionings"(
                    "id",
                    "organization_id",
                    "user_id",
                    "kind",
                    "at",
                    "actor_type",
                    "actor_key_id",
                    "actor_masked_key",
                    "actor_description",
                    "incident_id",
                    "was_active",
                    "role_id",
                    "own_role_id",
                    "role_group_id"
                )
            SELECT "id",
                "organization_id",
                "user_id",
                "kind",
                "at",
                "actor_type",
                "actor_key_id",
                "actor_masked_key",
                "actor_description",
                "incident_id",
                "was_active",
                "role_id",
                "own_role_id",
                "role_group_id"
            FROM "user_deprovisionings"
        `);
        await queryRunner.query(`
            DROP TABLE "user_deprovisionings"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_user_deprovisionings"
                RENAME TO "user_deprovisionings"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_incident" ON "user_deprovisionings" ("incident_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_user" ON "user_deprovisionings" ("user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_org_at" ON "user_deprovisionings" ("organization_id", "at")
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_user_deprovisioning_groups" (
                "deprovisioning_id" integer NOT NULL,
                "group_id" integer NOT NULL,
                CONSTRAINT "FK_1c879cb321aa3b52935168473ea" FOREIGN KEY ("deprovisioning_id") REFERENCES "user_deprovisionings" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                PRIMARY KEY ("deprovisioning_id", "group_id")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_user_deprovisioning_groups"("deprovisioning_id", "group_id")
            SELECT "deprovisioning_id",
                "group_id"
            FROM "user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            DROP TABLE "user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_user_deprovisioning_groups"
                RENAME TO "user_deprovisioning_groups"
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
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_alert"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_org"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_deprovisioning_incidents_open"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_deprovisioning_incidents" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "status" varchar(16) NOT NULL,
                "open_slot" integer,
                "opened_at" datetime(3) NOT NULL,
                "key_id" integer,
                "alert_due" integer,
                "closed_at" datetime(3),
                "closed_by_type" varchar(16),
                "closed_by_key_id" integer,
                "closed_by_masked_key" varchar(64),
                "closed_by_description" varchar(255),
                CONSTRAINT "FK_5b4b57df3cfe446156b7d6fbe0b" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_deprovisioning_incidents"(
                    "id",
                    "organization_id",
                    "status",
                    "open_slot",
                    "opened_at",
                    "key_id",
                    "alert_due",
                    "closed_at",
                    "closed_by_type",
                    "closed_by_key_id",
                    "closed_by_masked_key",
                    "closed_by_description"
                )
            SELECT "id",
                "organization_id",
                "status",
                "open_slot",
                "opened_at",
                "key_id",
                "alert_due",
                "closed_at",
                "closed_by_type",
                "closed_by_key_id",
                "closed_by_masked_key",
                "closed_by_description"
            FROM "deprovisioning_incidents"
        `);
        await queryRunner.query(`
            DROP TABLE "deprovisioning_incidents"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_deprovisioning_incidents"
                RENAME TO "deprovisioning_incidents"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_alert" ON "deprovisioning_incidents" ("alert_due")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_org" ON "deprovisioning_incidents" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_deprovisioning_incidents_open" ON "deprovisioning_incidents" ("organization_id", "open_slot")
        `);
        // Users deleted before this migration: restorable like the others (their groups were not kept), by whoever the audit log says deleted them.
        await queryRunner.query(`
            INSERT INTO "user_deprovisionings" (organization_id, user_id, kind, at, actor_type, actor_key_id, actor_masked_key, actor_description, was_active, role_id, own_role_id, role_group_id)
            SELECT u.organization_id, u.id, 'deleted', u.deleted_at, COALESCE(e.actor_type, 'system'), e.actor_key_id, e.actor_masked_key, e.actor_description, u.active, u.role_id, u.own_role_id, u.role_group_id
            FROM users u LEFT JOIN audit_events e ON e.id = (
                SELECT MAX(a.id) FROM audit_events a
                WHERE a.organization_id = u.organization_id AND a.action = 'user.deleted' AND a.target_type = 'user' AND a.target_id = u.id
            )
            WHERE u.deleted_at IS NOT NULL
            ORDER BY u.deleted_at, u.id
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "UQ_deprovisioning_incidents_open"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_org"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_alert"
        `);
        await queryRunner.query(`
            ALTER TABLE "deprovisioning_incidents"
                RENAME TO "temporary_deprovisioning_incidents"
        `);
        await queryRunner.query(`
            CREATE TABLE "deprovisioning_incidents" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "status" varchar(16) NOT NULL,
                "open_slot" integer,
                "opened_at" datetime(3) NOT NULL,
                "key_id" integer,
                "alert_due" integer,
                "closed_at" datetime(3),
                "closed_by_type" varchar(16),
                "closed_by_key_id" integer,
                "closed_by_masked_key" varchar(64),
                "closed_by_description" varchar(255)
            )
        `);
        await queryRunner.query(`
            INSERT INTO "deprovisioning_incidents"(
                    "id",
                    "organization_id",
                    "status",
                    "open_slot",
                    "opened_at",
                    "key_id",
                    "alert_due",
                    "closed_at",
                    "closed_by_type",
                    "closed_by_key_id",
                    "closed_by_masked_key",
                    "closed_by_description"
                )
            SELECT "id",
                "organization_id",
                "status",
                "open_slot",
                "opened_at",
                "key_id",
                "alert_due",
                "closed_at",
                "closed_by_type",
                "closed_by_key_id",
                "closed_by_masked_key",
                "closed_by_description"
            FROM "temporary_deprovisioning_incidents"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_deprovisioning_incidents"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_deprovisioning_incidents_open" ON "deprovisioning_incidents" ("organization_id", "open_slot")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_org" ON "deprovisioning_incidents" ("organization_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_deprovisioning_incidents_alert" ON "deprovisioning_incidents" ("alert_due")
        `);
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
            ALTER TABLE "user_deprovisioning_groups"
                RENAME TO "temporary_user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            CREATE TABLE "user_deprovisioning_groups" (
                "deprovisioning_id" integer NOT NULL,
                "group_id" integer NOT NULL,
                PRIMARY KEY ("deprovisioning_id", "group_id")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "user_deprovisioning_groups"("deprovisioning_id", "group_id")
            SELECT "deprovisioning_id",
                "group_id"
            FROM "temporary_user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_org_at"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_user"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_incident"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_deprovisionings"
                RENAME TO "temporary_user_deprovisionings"
        `);
        await queryRunner.query(`
            CREATE TABLE "user_deprovisionings" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                "kind" varchar(16) NOT NULL,
                "at" datetime(3) NOT NULL,
                "actor_type" varchar(16) NOT NULL,
                "actor_key_id" integer,
                "actor_masked_key" varchar(64),
                "actor_description" varchar(255),
                "incident_id" integer,
                "was_active" boolean NOT NULL,
                "role_id" integer NOT NULL,
                "own_role_id" integer,
                "role_group_id" integer
            )
        `);
        await queryRunner.query(`
            INSERT INTO "user_deprovisionings"(
                    "id",
                    "organization_id",
                    "user_id",
                    "kind",
                    "at",
                    "actor_type",
                    "actor_key_id",
                    "actor_masked_key",
                    "actor_description",
                    "incident_id",
                    "was_active",
                    "role_id",
                    "own_role_id",
                    "role_group_id"
                )
            SELECT "id",
                "organization_id",
                "user_id",
                "kind",
                "at",
                "actor_type",
                "actor_key_id",
                "actor_masked_key",
                "actor_description",
                "incident_id",
                "was_active",
                "role_id",
                "own_role_id",
                "role_group_id"
            FROM "temporary_user_deprovisionings"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_user_deprovisionings"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_org_at" ON "user_deprovisionings" ("organization_id", "at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_user" ON "user_deprovisionings" ("user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_deprovisionings_incident" ON "user_deprovisionings" ("incident_id", "id")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_deprovisioning_incidents_open"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_org"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_incidents_alert"
        `);
        await queryRunner.query(`
            DROP TABLE "deprovisioning_incidents"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_deprovisioning_minutes_minute"
        `);
        await queryRunner.query(`
            DROP TABLE "deprovisioning_minutes"
        `);
        await queryRunner.query(`
            DROP TABLE "user_deprovisioning_groups"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_org_at"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_user"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_deprovisionings_incident"
        `);
        await queryRunner.query(`
            DROP TABLE "user_deprovisionings"
        `);
    }

}
