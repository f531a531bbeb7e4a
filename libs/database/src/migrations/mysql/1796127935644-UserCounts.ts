import { MigrationInterface, QueryRunner } from "typeorm";

/** Live users per organization (user-count.entity.ts), counted once here from the users table. */
export class UserCounts1796127935644 implements MigrationInterface {
    name = 'UserCounts1796127935644'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`user_counts\` (
                \`organization_id\` int NOT NULL,
                \`slot\` int NOT NULL,
                \`live\` int NOT NULL DEFAULT '0',
                PRIMARY KEY (\`organization_id\`, \`slot\`)
            ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_counts\`
            ADD CONSTRAINT \`FK_9911fa39e67699dcc828e0232b2\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            INSERT INTO \`user_counts\` (\`organization_id\`, \`slot\`, \`live\`)
            SELECT \`organization_id\`, 0, COUNT(*) FROM \`users\` WHERE \`deleted_at\` IS NULL GROUP BY \`organization_id\`
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`user_counts\` DROP FOREIGN KEY \`FK_9911fa39e67699dcc828e0232b2\`
        `);
        await queryRunner.query(`
            DROP TABLE \`user_counts\`
        `);
    }

}
