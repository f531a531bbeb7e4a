import { MigrationInterface, QueryRunner } from "typeorm";

export class KeyReminders1795886012080 implements MigrationInterface {
    name = 'KeyReminders1795886012080'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`key_reminders\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`api_key_id\` int NOT NULL,
                \`lead_time\` varchar(16) NOT NULL,
                \`expires_at\` datetime(3) NOT NULL,
                \`status\` varchar(16) NOT NULL,
                \`attempts\` int NOT NULL DEFAULT '0',
                \`next_attempt_at\` datetime(3) NOT NULL,
                \`claimed_until\` datetime(3) NULL,
                \`claim_token\` varchar(64) NULL,
                \`recipients\` text NULL,
                \`last_error\` varchar(1024) NULL,
                \`message_id\` varchar(255) NULL,
                \`sent_at\` datetime(3) NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                INDEX \`IDX_key_reminders_org\` (\`organization_id\`, \`id\`),
                INDEX \`IDX_key_reminders_due\` (\`status\`, \`next_attempt_at\`),
                UNIQUE INDEX \`UQ_key_reminders_key_lead\` (\`api_key_id\`, \`lead_time\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\`
            ADD CONSTRAINT \`FK_0ddd6b00976b67c2266c792a9de\` FOREIGN KEY (\`api_key_id\`) REFERENCES \`api_keys\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`key_reminders\` DROP FOREIGN KEY \`FK_0ddd6b00976b67c2266c792a9de\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_key_reminders_key_lead\` ON \`key_reminders\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_key_reminders_due\` ON \`key_reminders\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_key_reminders_org\` ON \`key_reminders\`
        `);
        await queryRunner.query(`
            DROP TABLE \`key_reminders\`
        `);
    }

}
