import { MigrationInterface, QueryRunner } from "typeorm";

export class ScimTraffic1796120167496 implements MigrationInterface {
    name = 'ScimTraffic1796120167496'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "scim_traffic" (
                "api_key_id" integer NOT NULL,
                "minute" datetime(3) NOT NULL,
                "organization_id" integer NOT NULL,
                "requests" integer NOT NULL DEFAULT (0),
                "errors" integer NOT NULL DEFAULT (0),
                PRIMARY KEY ("api_key_id", "minute")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_scim_traffic_org_minute" ON "scim_traffic" ("organization_id", "minute")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_scim_traffic_org_minute"
        `);
        await queryRunner.query(`
            DROP TABLE "scim_traffic"
        `);
    }

}
