import { MigrationInterface, QueryRunner } from "typeorm";

export class Groups1796107754310 implements MigrationInterface {
    name = 'Groups1796107754310'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`user_groups\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`display_name\` varchar(255) NOT NULL,
                \`display_name_lower\` varchar(255) NOT NULL,
                \`external_id\` varchar(255) NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                \`version\` int NOT NULL DEFAULT '1',
                INDEX \`IDX_user_groups_org_external_id\` (\`organization_id\`, \`external_id\`),
                UNIQUE INDEX \`UQ_user_groups_org_display_name\` (\`organization_id\`, \`display_name_lower\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
        await queryRunner.query(`
            CREATE TABLE \`group_members\` (
                \`group_id\` int NOT NULL,
                \`user_id\` int NOT NULL,
                INDEX \`IDX_group_members_user\` (\`user_id\`, \`group_id\`),
                PRIMARY KEY (\`group_id\`, \`user_id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_groups\`
            ADD CONSTRAINT \`FK_c7ef26c0f7792aa18209f479640\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`group_members\`
            ADD CONSTRAINT \`FK_2c840df5db52dc6b4a1b0b69c6e\` FOREIGN KEY (\`group_id\`) REFERENCES \`user_groups\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`group_members\`
            ADD CONSTRAINT \`FK_20a555b299f75843aa53ff8b0ee\` FOREIGN KEY (\`user_id\`) REFERENCES \`users\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`group_members\` DROP FOREIGN KEY \`FK_20a555b299f75843aa53ff8b0ee\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`group_members\` DROP FOREIGN KEY \`FK_2c840df5db52dc6b4a1b0b69c6e\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_groups\` DROP FOREIGN KEY \`FK_c7ef26c0f7792aa18209f479640\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_group_members_user\` ON \`group_members\`
        `);
        await queryRunner.query(`
            DROP TABLE \`group_members\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_user_groups_org_display_name\` ON \`user_groups\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_user_groups_org_external_id\` ON \`user_groups\`
        `);
        await queryRunner.query(`
            DROP TABLE \`user_groups\`
        `);
    }

}
