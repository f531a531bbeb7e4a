import { MigrationInterface, QueryRunner } from "typeorm";

export class AuditLog1796119757641 implements MigrationInterface {
    name = 'AuditLog1796119757641'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "occurred_at" datetime(3) NOT NULL,
                "action" varchar(48) NOT NULL,
                "actor_type" varchar(16) NOT NULL,
                "actor_key_id" integer,
                "actor_masked_key" varchar(64),
                "actor_description" varchar(255),
                "target_type" varchar(24) NOT NULL,
                "target_id" varchar(64),
                "target_display" varchar(255),
                "changes" text,
                "outcome" varchar(8) NOT NULL,
                "status" integer,
                "scim_type" varchar(32),
                "detail" varchar(1024),
                "request_id" varchar(128)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_audit_events_org_actor" ON "audit_events" ("organization_id", "actor_key_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_audit_events_org_action" ON "audit_events" ("organization_id", "action", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_audit_events_org_id" ON "audit_events" ("organization_id", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_audit_events_org_id"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_audit_events_org_action"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_audit_events_org_actor"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
    }

}
