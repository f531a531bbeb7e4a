import { MigrationInterface, QueryRunner } from "typeorm";

export class KeyRotation1796124774395 implements MigrationInterface {
    name = 'KeyRotation1796124774395'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`api_keys\`
            ADD \`first_used_at\` datetime(3) NULL
        `);
        await queryRunner.query(`
            ALTER TABLE \`api_keys\`
            ADD \`replaces_key_id\` int NULL
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`api_keys\` DROP COLUMN \`replaces_key_id\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`api_keys\` DROP COLUMN \`first_used_at\`
        `);
    }

}
