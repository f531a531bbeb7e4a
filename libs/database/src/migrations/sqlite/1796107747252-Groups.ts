import { MigrationInterface, QueryRunner } from "typeorm";

export class Groups1796107747252 implements MigrationInterface {
    name = 'Groups1796107747252'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "user_groups" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "display_name" varchar(255) NOT NULL,
                "display_name_lower" varchar(255) NOT NULL,
                "external_id" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_groups_org_external_id" ON "user_groups" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_user_groups_org_display_name" ON "user_groups" ("organization_id", "display_name_lower")
        `);
        await queryRunner.query(`
            CREATE TABLE "group_members" (
                "group_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                PRIMARY KEY ("group_id", "user_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_group_members_user" ON "group_members" ("user_id", "group_id")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_groups_org_external_id"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_user_groups_org_display_name"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_user_groups" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "display_name" varchar(255) NOT NULL,
                "display_name_lower" varchar(255) NOT NULL,
                "external_id" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1),
                CONSTRAINT "FK_c7ef26c0f7792aa18209f479640" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_user_groups"(
                    "id",
                    "organization_id",
                    "display_name",
                    "display_name_lower",
                    "external_id",
                    "created_at",
                    "updated_at",
                    "version"
                )
            SELECT "id",
                "organization_id",
                "display_name",
                "display_name_lower",
                "external_id",
                "created_at",
                "updated_at",
                "version"
            FROM "user_groups"
        `);
        await queryRunner.query(`
            DROP TABLE "user_groups"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_user_groups"
                RENAME TO "user_groups"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_groups_org_external_id" ON "user_groups" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_user_groups_org_display_name" ON "user_groups" ("organization_id", "display_name_lower")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_group_members_user"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_group_members" (
                "group_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                CONSTRAINT "FK_2c840df5db52dc6b4a1b0b69c6e" FOREIGN KEY ("group_id") REFERENCES "user_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                CONSTRAINT "FK_20a555b299f75843aa53ff8b0ee" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                PRIMARY KEY ("group_id", "user_id")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_group_members"("group_id", "user_id")
            SELECT "group_id",
                "user_id"
            FROM "group_members"
        `);
        await queryRunner.query(`
            DROP TABLE "group_members"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_group_members"
                RENAME TO "group_members"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_group_members_user" ON "group_members" ("user_id", "group_id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "IDX_group_members_user"
        `);
        await queryRunner.query(`
            ALTER TABLE "group_members"
                RENAME TO "temporary_group_members"
        `);
        await queryRunner.query(`
            CREATE TABLE "group_members" (
                "group_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                PRIMARY KEY ("group_id", "user_id")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "group_members"("group_id", "user_id")
            SELECT "group_id",
                "user_id"
            FROM "temporary_group_members"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_group_members"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_group_members_user" ON "group_members" ("user_id", "group_id")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_user_groups_org_display_name"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_groups_org_external_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_groups"
                RENAME TO "temporary_user_groups"
        `);
        await queryRunner.query(`
            CREATE TABLE "user_groups" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "display_name" varchar(255) NOT NULL,
                "display_name_lower" varchar(255) NOT NULL,
                "external_id" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1)
            )
        `);
        await queryRunner.query(`
            INSERT INTO "user_groups"(
                    "id",
                    "organization_id",
                    "display_name",
                    "display_name_lower",
                    "external_id",
                    "created_at",
                    "updated_at",
                    "version"
                )
            SELECT "id",
                "organization_id",
                "display_name",
                "display_name_lower",
                "external_id",
                "created_at",
                "updated_at",
                "version"
            FROM "temporary_user_groups"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_user_groups"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_user_groups_org_display_name" ON "user_groups" ("organization_id", "display_name_lower")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_user_groups_org_external_id" ON "user_groups" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_group_members_user"
        `);
        await queryRunner.query(`
            DROP TABLE "group_members"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_user_groups_org_display_name"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_user_groups_org_external_id"
        `);
        await queryRunner.query(`
            DROP TABLE "user_groups"
        `);
    }

}
