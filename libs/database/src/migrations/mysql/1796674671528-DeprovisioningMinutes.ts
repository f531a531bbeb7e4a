import { MigrationInterface, QueryRunner } from "typeorm";

/** Per-minute counts of SCIM deprovisioning outside incidents: what the burst check sums (deprovisioning.entity.ts). */
export class DeprovisioningMinutes1796674671528 implements MigrationInterface {
    name = 'DeprovisioningMinutes1796674671528'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`deprovisioning_minutes\` (
                \`organization_id\` int NOT NULL,
                \`minute\` datetime(3) NOT NULL,
                \`slot\` int NOT NULL,
                \`users\` int NOT NULL DEFAULT '0',
                \`were_active\` int NOT NULL DEFAULT '0',
                INDEX \`IDX_deprovisioning_minutes_minute\` (\`minute\`),
                PRIMARY KEY (\`organization_id\`, \`minute\`, \`slot\`)
            ) ENGINE = InnoDB
        `);
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_minutes\`
            ADD CONSTRAINT \`FK_e235b189669b3d5b9de641fa7ae\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_minutes\` DROP FOREIGN KEY \`FK_e235b189669b3d5b9de641fa7ae\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_deprovisioning_minutes_minute\` ON \`deprovisioning_minutes\`
        `);
        await queryRunner.query(`
            DROP TABLE \`deprovisioning_minutes\`
        `);
    }

}
