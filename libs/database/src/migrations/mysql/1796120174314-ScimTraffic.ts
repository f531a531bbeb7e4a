import { MigrationInterface, QueryRunner } from "typeorm";

export class ScimTraffic1796120174314 implements MigrationInterface {
    name = 'ScimTraffic1796120174314'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`scim_traffic\` (
                \`api_key_id\` int NOT NULL,
                \`minute\` datetime(3) NOT NULL,
                \`organization_id\` int NOT NULL,
                \`requests\` int NOT NULL DEFAULT '0',
                \`errors\` int NOT NULL DEFAULT '0',
                INDEX \`IDX_scim_traffic_org_minute\` (\`organization_id\`, \`minute\`),
                PRIMARY KEY (\`api_key_id\`, \`minute\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_scim_traffic_org_minute\` ON \`scim_traffic\`
        `);
        await queryRunner.query(`
            DROP TABLE \`scim_traffic\`
        `);
    }

}
