import { MigrationInterface, QueryRunner } from "typeorm";

export class RoleMappings1796117873403 implements MigrationInterface {
    name = 'RoleMappings1796117873403'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`role_mappings\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`group_id\` int NOT NULL,
                \`role_id\` int NOT NULL,
                \`priority\` int NOT NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                INDEX \`IDX_role_mappings_org_priority\` (\`organization_id\`, \`priority\`),
                UNIQUE INDEX \`UQ_role_mappings_group\` (\`group_id\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\`
            ADD \`own_role_id\` int NULL
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\`
            ADD \`role_group_id\` int NULL
        `);
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\`
            ADD CONSTRAINT \`FK_48fc9d74958f5168d4f18408fb7\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\`
            ADD CONSTRAINT \`FK_5a96c84ef949b687d283d33c43b\` FOREIGN KEY (\`group_id\`) REFERENCES \`user_groups\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\`
            ADD CONSTRAINT \`FK_1673d3d573446a682e7978d425b\` FOREIGN KEY (\`role_id\`) REFERENCES \`roles\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\` DROP FOREIGN KEY \`FK_1673d3d573446a682e7978d425b\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\` DROP FOREIGN KEY \`FK_5a96c84ef949b687d283d33c43b\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`role_mappings\` DROP FOREIGN KEY \`FK_48fc9d74958f5168d4f18408fb7\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\` DROP COLUMN \`role_group_id\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\` DROP COLUMN \`own_role_id\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_role_mappings_group\` ON \`role_mappings\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_role_mappings_org_priority\` ON \`role_mappings\`
        `);
        await queryRunner.query(`
            DROP TABLE \`role_mappings\`
        `);
    }

}
