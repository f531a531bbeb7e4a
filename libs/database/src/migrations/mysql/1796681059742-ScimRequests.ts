import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The provisioning inspector's requests (docs/inspector.md): every SCIM request of an organization,
 * bodies redacted and cut, kept SCIM_REQUEST_LOG_HOURS and at most SCIM_REQUEST_LOG_MAX per organization.
 * The key is BIGINT: every request takes one, and an INT would run out.
 */
export class ScimRequests1796681059742 implements MigrationInterface {
    name = 'ScimRequests1796681059742'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`scim_requests\` (
                \`id\` bigint NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`at\` datetime(3) NOT NULL,
                \`method\` varchar(16) NOT NULL,
                \`path\` varchar(1024) NOT NULL,
                \`query\` text NULL,
                \`resource_type\` varchar(32) NULL,
                \`target_id\` varchar(64) NULL,
                \`status\` int NOT NULL,
                \`duration_ms\` double NOT NULL,
                \`api_key_id\` int NOT NULL,
                \`key_masked\` varchar(64) NOT NULL,
                \`key_description\` varchar(255) NULL,
                \`client\` varchar(8) NOT NULL,
                \`user_agent\` varchar(255) NULL,
                \`scim_type\` varchar(32) NULL,
                \`detail\` varchar(1024) NULL,
                \`request_id\` varchar(128) NULL,
                \`request_body\` text NULL,
                \`response_body\` text NULL,
                INDEX \`IDX_scim_requests_org_id\` (\`organization_id\`, \`id\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_scim_requests_org_id\` ON \`scim_requests\`
        `);
        await queryRunner.query(`
            DROP TABLE \`scim_requests\`
        `);
    }

}
