import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795885596704 implements MigrationInterface {
    name = 'Initial1795885596704'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`organizations\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`name\` varchar(255) NOT NULL,
                \`scim_enabled\` tinyint NOT NULL DEFAULT 0,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            CREATE TABLE \`roles\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`name\` varchar(64) NOT NULL,
                \`name_lower\` varchar(64) NOT NULL,
                \`description\` varchar(255) NULL,
                \`predefined\` tinyint NOT NULL DEFAULT 0,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                UNIQUE INDEX \`UQ_roles_org_name\` (\`organization_id\`, \`name_lower\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            CREATE TABLE \`users\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`user_name\` varchar(255) NOT NULL,
                \`user_name_lower\` varchar(255) NULL,
                \`external_id\` varchar(255) NULL,
                \`role_id\` int NOT NULL,
                \`active\` tinyint NOT NULL DEFAULT 1,
                \`name_formatted\` varchar(255) NULL,
                \`name_family_name\` varchar(255) NULL,
                \`name_given_name\` varchar(255) NULL,
                \`name_middle_name\` varchar(255) NULL,
                \`name_honorific_prefix\` varchar(255) NULL,
                \`name_honorific_suffix\` varchar(255) NULL,
                \`display_name\` varchar(255) NULL,
                \`nick_name\` varchar(255) NULL,
                \`profile_url\` varchar(1024) NULL,
                \`title\` varchar(255) NULL,
                \`preferred_language\` varchar(64) NULL,
                \`locale\` varchar(64) NULL,
                \`timezone\` varchar(64) NULL,
                \`employee_number\` varchar(255) NULL,
                \`cost_center\` varchar(255) NULL,
                \`organization_name\` varchar(255) NULL,
                \`division\` varchar(255) NULL,
                \`department\` varchar(255) NULL,
                \`manager_value\` varchar(255) NULL,
                \`manager_display_name\` varchar(255) NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`updated_at\` datetime(3) NOT NULL,
                \`version\` int NOT NULL DEFAULT '1',
                \`deleted_at\` datetime(3) NULL,
                INDEX \`IDX_users_org_role\` (\`organization_id\`, \`role_id\`),
                INDEX \`IDX_users_org_external_id\` (\`organization_id\`, \`external_id\`),
                UNIQUE INDEX \`UQ_users_org_user_name\` (\`organization_id\`, \`user_name_lower\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            CREATE TABLE \`user_attribute_values\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`user_id\` int NOT NULL,
                \`organization_id\` int NOT NULL,
                \`attribute\` varchar(32) NOT NULL,
                \`position\` int NOT NULL,
                \`value\` text NULL,
                \`value_lower\` varchar(255) NULL,
                \`display\` varchar(255) NULL,
                \`type\` varchar(64) NULL,
                \`primary\` tinyint NOT NULL DEFAULT 0,
                \`formatted\` varchar(1024) NULL,
                \`street_address\` varchar(255) NULL,
                \`locality\` varchar(255) NULL,
                \`region\` varchar(255) NULL,
                \`postal_code\` varchar(64) NULL,
                \`country\` varchar(64) NULL,
                INDEX \`IDX_uav_org_attr_value\` (\`organization_id\`, \`attribute\`, \`value_lower\`),
                INDEX \`IDX_uav_user\` (\`user_id\`, \`attribute\`, \`position\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            CREATE TABLE \`system_flags\` (
                \`name\` varchar(64) NOT NULL,
                \`created_at\` datetime(3) NOT NULL,
                PRIMARY KEY (\`name\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            CREATE TABLE \`api_keys\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`type\` varchar(8) NOT NULL,
                \`description\` varchar(255) NULL,
                \`key_hash\` varchar(64) NOT NULL,
                \`key_last4\` varchar(4) NOT NULL,
                \`created_at\` datetime(3) NOT NULL,
                \`expires_at\` datetime(3) NULL,
                \`last_used_at\` datetime(3) NULL,
                \`deleted_at\` datetime(3) NULL,
                INDEX \`IDX_api_keys_expires\` (\`expires_at\`),
                INDEX \`IDX_api_keys_org\` (\`organization_id\`, \`deleted_at\`),
                UNIQUE INDEX \`UQ_api_keys_hash\` (\`key_hash\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin
        `);
        await queryRunner.query(`
            ALTER TABLE \`roles\`
            ADD CONSTRAINT \`FK_c328a1ecd12a5f153a96df4509e\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\`
            ADD CONSTRAINT \`FK_21a659804ed7bf61eb91688dea7\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\`
            ADD CONSTRAINT \`FK_a2cecd1a3531c0b041e29ba46e1\` FOREIGN KEY (\`role_id\`) REFERENCES \`roles\`(\`id\`) ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_attribute_values\`
            ADD CONSTRAINT \`FK_5acd7fff5262d7aac9479eafbad\` FOREIGN KEY (\`user_id\`) REFERENCES \`users\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`api_keys\`
            ADD CONSTRAINT \`FK_a283bdef18876e525aefaec042f\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`api_keys\` DROP FOREIGN KEY \`FK_a283bdef18876e525aefaec042f\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_attribute_values\` DROP FOREIGN KEY \`FK_5acd7fff5262d7aac9479eafbad\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\` DROP FOREIGN KEY \`FK_a2cecd1a3531c0b041e29ba46e1\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`users\` DROP FOREIGN KEY \`FK_21a659804ed7bf61eb91688dea7\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`roles\` DROP FOREIGN KEY \`FK_c328a1ecd12a5f153a96df4509e\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_api_keys_hash\` ON \`api_keys\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_api_keys_org\` ON \`api_keys\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_api_keys_expires\` ON \`api_keys\`
        `);
        await queryRunner.query(`
            DROP TABLE \`api_keys\`
        `);
        await queryRunner.query(`
            DROP TABLE \`system_flags\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_uav_user\` ON \`user_attribute_values\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_uav_org_attr_value\` ON \`user_attribute_values\`
        `);
        await queryRunner.query(`
            DROP TABLE \`user_attribute_values\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_users_org_user_name\` ON \`users\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_users_org_external_id\` ON \`users\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_users_org_role\` ON \`users\`
        `);
        await queryRunner.query(`
            DROP TABLE \`users\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_roles_org_name\` ON \`roles\`
        `);
        await queryRunner.query(`
            DROP TABLE \`roles\`
        `);
        await queryRunner.query(`
            DROP TABLE \`organizations\`
        `);
    }

}
