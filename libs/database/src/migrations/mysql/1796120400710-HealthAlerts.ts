import { MigrationInterface, QueryRunner } from "typeorm";

export class HealthAlerts1796120400710 implements MigrationInterface {
    name = 'HealthAlerts1796120400710'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`scim_health_states\` (
                \`organization_id\` int NOT NULL,
                \`status\` varchar(16) NOT NULL,
                \`transitions\` int NOT NULL DEFAULT '0',
                \`changed_at\` datetime(3) NOT NULL,
                PRIMARY KEY (\`organization_id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\`
            ADD \`kind\` varchar(16) NOT NULL DEFAULT 'expiry'
        `);
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\`
            ADD \`payload\` text NULL
        `);
        await queryRunner.query(`
            ALTER TABLE \`scim_health_states\`
            ADD CONSTRAINT \`FK_01ad65e9e04f7b61353894eda6d\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`scim_health_states\` DROP FOREIGN KEY \`FK_01ad65e9e04f7b61353894eda6d\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\` DROP COLUMN \`payload\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\` DROP COLUMN \`kind\`
        `);
        await queryRunner.query(`
            DROP TABLE \`scim_health_states\`
        `);
    }

}
