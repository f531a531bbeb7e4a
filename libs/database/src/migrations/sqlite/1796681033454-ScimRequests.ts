import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The provisioning inspector's requests (docs/inspector.md): every SCIM request of an organization,
 * bodies redacted and cut, kept SCIM_REQUEST_LOG_HOURS and at most SCIM_REQUEST_LOG_MAX per organization.
 * The key is `integer`, SQLite's 64-bit rowid (the entity's bigint; see libs/database/src/sqlite-keys.ts).
 */
export class ScimRequests1796681033454 implements MigrationInterface {
    name = 'ScimRequests1796681033454'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "scim_requests" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "at" datetime(3) NOT NULL,
                "method" varchar(16) NOT NULL,
                "path" varchar(1024) NOT NULL,
                "query" text,
                "resource_type" varchar(32),
                "target_id" varchar(64),
                "status" integer NOT NULL,
                "duration_ms" double NOT NULL,
                "api_key_id" integer NOT NULL,
                "key_masked" varchar(64) NOT NULL,
                "key_description" varchar(255),
                "client" varchar(8) NOT NULL,
                "user_agent" varchar(255),
                "scim_type" varchar(32),
                "detail" varchar(1024),
                "request_id" varchar(128),
                "request_body" text,
                "response_body" text
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_scim_requests_org_id" ON "scim_requests" ("organization_id", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_scim_requests_org_id"
        `);
        await queryRunner.query(`
            DROP TABLE "scim_requests"
        `);
    }

}
