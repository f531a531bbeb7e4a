import { MigrationInterface, QueryRunner } from "typeorm";

export class AuditLog1796119761177 implements MigrationInterface {
    name = 'AuditLog1796119761177'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`audit_events\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`occurred_at\` datetime(3) NOT NULL,
                \`action\` varchar(48) NOT NULL,
                \`actor_type\` varchar(16) NOT NULL,
                \`actor_key_id\` int NULL,
                \`actor_masked_key\` varchar(64) NULL,
                \`actor_description\` varchar(255) NULL,
                \`target_type\` varchar(24) NOT NULL,
                \`target_id\` varchar(64) NULL,
                \`target_display\` varchar(255) NULL,
                \`changes\` text NULL,
                \`outcome\` varchar(8) NOT NULL,
                \`status\` int NULL,
                \`scim_type\` varchar(32) NULL,
                \`detail\` varchar(1024) NULL,
                \`request_id\` varchar(128) NULL,
                INDEX \`IDX_audit_events_org_actor\` (\`organization_id\`, \`actor_key_id\`, \`id\`),
                INDEX \`IDX_audit_events_org_target\` (
                    \`organization_id\`,
                    \`target_type\`,
                    \`target_id\`,
                    \`id\`
                ),
                INDEX \`IDX_audit_events_org_action\` (\`organization_id\`, \`action\`, \`id\`),
                INDEX \`IDX_audit_events_org_id\` (\`organization_id\`, \`id\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_audit_events_org_id\` ON \`audit_events\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_audit_events_org_action\` ON \`audit_events\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_audit_events_org_target\` ON \`audit_events\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_audit_events_org_actor\` ON \`audit_events\`
        `);
        await queryRunner.query(`
            DROP TABLE \`audit_events\`
        `);
    }

}
