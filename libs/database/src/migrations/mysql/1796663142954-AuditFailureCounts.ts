import { MigrationInterface, QueryRunner } from "typeorm";

/** Failed SCIM requests per key, status and minute (audit-failure-count.entity.ts): the bound on what a flood writes to the audit log. */
export class AuditFailureCounts1796663142954 implements MigrationInterface {
    name = 'AuditFailureCounts1796663142954'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`audit_failure_counts\` (
                \`actor_key_id\` int NOT NULL,
                \`status\` int NOT NULL,
                \`minute\` datetime(3) NOT NULL,
                \`organization_id\` int NOT NULL,
                \`actor_type\` varchar(16) NOT NULL,
                \`actor_masked_key\` varchar(64) NOT NULL,
                \`actor_description\` varchar(255) NULL,
                \`scim_type\` varchar(32) NULL,
                \`detail\` varchar(1024) NOT NULL,
                \`failures\` int NOT NULL,
                \`recorded\` int NOT NULL,
                INDEX \`IDX_audit_failure_counts_minute\` (\`minute\`),
                PRIMARY KEY (\`actor_key_id\`, \`status\`, \`minute\`)
            ) ENGINE = InnoDB
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_audit_failure_counts_minute\` ON \`audit_failure_counts\`
        `);
        await queryRunner.query(`
            DROP TABLE \`audit_failure_counts\`
        `);
    }

}
