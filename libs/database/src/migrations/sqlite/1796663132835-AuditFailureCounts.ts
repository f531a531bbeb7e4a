import { MigrationInterface, QueryRunner } from "typeorm";

/** Failed SCIM requests per key, status and minute (audit-failure-count.entity.ts): the bound on what a flood writes to the audit log. */
export class AuditFailureCounts1796663132835 implements MigrationInterface {
    name = 'AuditFailureCounts1796663132835'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "audit_failure_counts" (
                "actor_key_id" integer NOT NULL,
                "status" integer NOT NULL,
                "minute" datetime(3) NOT NULL,
                "organization_id" integer NOT NULL,
                "actor_type" varchar(16) NOT NULL,
                "actor_masked_key" varchar(64) NOT NULL,
                "actor_description" varchar(255),
                "scim_type" varchar(32),
                "detail" varchar(1024) NOT NULL,
                "failures" integer NOT NULL,
                "recorded" integer NOT NULL,
                PRIMARY KEY ("actor_key_id", "status", "minute")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_audit_failure_counts_minute" ON "audit_failure_counts" ("minute")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_audit_failure_counts_minute"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_failure_counts"
        `);
    }

}
