import { MigrationInterface, QueryRunner } from "typeorm";

export class UserPagingIndexes1795889390744 implements MigrationInterface {
    name = 'UserPagingIndexes1795889390744'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_users_org_external_id\` ON \`users\`
        `);
        await queryRunner.query(`
            CREATE INDEX \`IDX_users_org_live_id\` ON \`users\` (\`organization_id\`, \`deleted_at\`, \`id\`)
        `);
        await queryRunner.query(`
            CREATE INDEX \`IDX_users_org_external_id\` ON \`users\` (\`organization_id\`, \`external_id\`, \`deleted_at\`)
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX \`IDX_users_org_external_id\` ON \`users\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_users_org_live_id\` ON \`users\`
        `);
        await queryRunner.query(`
            CREATE INDEX \`IDX_users_org_external_id\` ON \`users\` (\`organization_id\`, \`external_id\`)
        `);
    }

}
