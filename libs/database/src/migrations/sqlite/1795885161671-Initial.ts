import { MigrationInterface, QueryRunner } from "typeorm";

export class Initial1795885161671 implements MigrationInterface {
    name = 'Initial1795885161671'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "organizations" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "name" varchar(255) NOT NULL,
                "scim_enabled" boolean NOT NULL DEFAULT (0),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "roles" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "name" varchar(64) NOT NULL,
                "name_lower" varchar(64) NOT NULL,
                "description" varchar(255),
                "predefined" boolean NOT NULL DEFAULT (0),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_roles_org_name" ON "roles" ("organization_id", "name_lower")
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_name" varchar(255) NOT NULL,
                "user_name_lower" varchar(255),
                "external_id" varchar(255),
                "role_id" integer NOT NULL,
                "active" boolean NOT NULL DEFAULT (1),
                "name_formatted" varchar(255),
                "name_family_name" varchar(255),
                "name_given_name" varchar(255),
                "name_middle_name" varchar(255),
                "name_honorific_prefix" varchar(255),
                "name_honorific_suffix" varchar(255),
                "display_name" varchar(255),
                "nick_name" varchar(255),
                "profile_url" varchar(1024),
                "title" varchar(255),
                "preferred_language" varchar(64),
                "locale" varchar(64),
                "timezone" varchar(64),
                "employee_number" varchar(255),
                "cost_center" varchar(255),
                "organization_name" varchar(255),
                "division" varchar(255),
                "department" varchar(255),
                "manager_value" varchar(255),
                "manager_display_name" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1),
                "deleted_at" datetime(3)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_role" ON "users" ("organization_id", "role_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_external_id" ON "users" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_users_org_user_name" ON "users" ("organization_id", "user_name_lower")
        `);
        await queryRunner.query(`
            CREATE TABLE "user_attribute_values" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "user_id" integer NOT NULL,
                "organization_id" integer NOT NULL,
                "attribute" varchar(32) NOT NULL,
                "position" integer NOT NULL,
                "value" text,
                "value_lower" varchar(255),
                "display" varchar(255),
                "type" varchar(64),
                "primary" boolean NOT NULL DEFAULT (0),
                "formatted" varchar(1024),
                "street_address" varchar(255),
                "locality" varchar(255),
                "region" varchar(255),
                "postal_code" varchar(64),
                "country" varchar(64)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_org_attr_value" ON "user_attribute_values" ("organization_id", "attribute", "value_lower")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_user" ON "user_attribute_values" ("user_id", "attribute", "position")
        `);
        await queryRunner.query(`
            CREATE TABLE "system_flags" (
                "name" varchar(64) PRIMARY KEY NOT NULL,
                "created_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "type" varchar(8) NOT NULL,
                "description" varchar(255),
                "key_hash" varchar(64) NOT NULL,
                "key_last4" varchar(4) NOT NULL,
                "created_at" datetime(3) NOT NULL,
                "expires_at" datetime(3),
                "last_used_at" datetime(3),
                "deleted_at" datetime(3)
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_expires" ON "api_keys" ("expires_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_org" ON "api_keys" ("organization_id", "deleted_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("key_hash")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_roles_org_name"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_roles" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "name" varchar(64) NOT NULL,
                "name_lower" varchar(64) NOT NULL,
                "description" varchar(255),
                "predefined" boolean NOT NULL DEFAULT (0),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                CONSTRAINT "FK_c328a1ecd12a5f153a96df4509e" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_roles"(
                    "id",
                    "organization_id",
                    "name",
                    "name_lower",
                    "description",
                    "predefined",
                    "created_at",
                    "updated_at"
                )
            SELECT "id",
                "organization_id",
                "name",
                "name_lower",
                "description",
                "predefined",
                "created_at",
                "updated_at"
            FROM "roles"
        `);
        await queryRunner.query(`
            DROP TABLE "roles"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_roles"
                RENAME TO "roles"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_roles_org_name" ON "roles" ("organization_id", "name_lower")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_role"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_external_id"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_users_org_user_name"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_users" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_name" varchar(255) NOT NULL,
                "user_name_lower" varchar(255),
                "external_id" varchar(255),
                "role_id" integer NOT NULL,
                "active" boolean NOT NULL DEFAULT (1),
                "name_formatted" varchar(255),
                "name_family_name" varchar(255),
                "name_given_name" varchar(255),
                "name_middle_name" varchar(255),
                "name_honorific_prefix" varchar(255),
                "name_honorific_suffix" varchar(255),
                "display_name" varchar(255),
                "nick_name" varchar(255),
                "profile_url" varchar(1024),
                "title" varchar(255),
                "preferred_language" varchar(64),
                "locale" varchar(64),
                "timezone" varchar(64),
                "employee_number" varchar(255),
                "cost_center" varchar(255),
                "organization_name" varchar(255),
                "division" varchar(255),
                "department" varchar(255),
                "manager_value" varchar(255),
                "manager_display_name" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1),
                "deleted_at" datetime(3),
                CONSTRAINT "FK_21a659804ed7bf61eb91688dea7" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
                CONSTRAINT "FK_a2cecd1a3531c0b041e29ba46e1" FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_users"(
                    "id",
                    "organization_id",
                    "user_name",
                    "user_name_lower",
                    "external_id",
                    "role_id",
                    "active",
                    "name_formatted",
                    "name_family_name",
                    "name_given_name",
                    "name_middle_name",
                    "name_honorific_prefix",
                    "name_honorific_suffix",
                    "display_name",
                    "nick_name",
                    "profile_url",
                    "title",
                    "preferred_language",
                    "locale",
                    "timezone",
                    "employee_number",
                    "cost_center",
                    "organization_name",
                    "division",
                    "department",
                    "manager_value",
                    "manager_display_name",
                    "created_at",
                    "updated_at",
                    "version",
                    "deleted_at"
                )
            SELECT "id",
                "organization_id",
                "user_name",
                "user_name_lower",
                "external_id",
                "role_id",
                "active",
                "name_formatted",
                "name_family_name",
                "name_given_name",
                "name_middle_name",
                "name_honorific_prefix",
                "name_honorific_suffix",
                "display_name",
                "nick_name",
                "profile_url",
                "title",
                "preferred_language",
                "locale",
                "timezone",
                "employee_number",
                "cost_center",
                "organization_name",
                "division",
                "department",
                "manager_value",
                "manager_display_name",
                "created_at",
                "updated_at",
                "version",
                "deleted_at"
            FROM "users"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_users"
                RENAME TO "users"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_role" ON "users" ("organization_id", "role_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_external_id" ON "users" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_users_org_user_name" ON "users" ("organization_id", "user_name_lower")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_org_attr_value"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_user"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_user_attribute_values" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "user_id" integer NOT NULL,
                "organization_id" integer NOT NULL,
                "attribute" varchar(32) NOT NULL,
                "position" integer NOT NULL,
                "value" text,
                "value_lower" varchar(255),
                "display" varchar(255),
                "type" varchar(64),
                "primary" boolean NOT NULL DEFAULT (0),
                "formatted" varchar(1024),
                "street_address" varchar(255),
                "locality" varchar(255),
                "region" varchar(255),
                "postal_code" varchar(64),
                "country" varchar(64),
                CONSTRAINT "FK_5acd7fff5262d7aac9479eafbad" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_user_attribute_values"(
                    "id",
                    "user_id",
                    "organization_id",
                    "attribute",
                    "position",
                    "value",
                    "value_lower",
                    "display",
                    "type",
                    "primary",
                    "formatted",
                    "street_address",
                    "locality",
                    "region",
                    "postal_code",
                    "country"
                )
            SELECT "id",
                "user_id",
                "organization_id",
                "attribute",
                "position",
                "value",
                "value_lower",
                "display",
                "type",
                "primary",
                "formatted",
                "street_address",
                "locality",
                "region",
                "postal_code",
                "country"
            FROM "user_attribute_values"
        `);
        await queryRunner.query(`
            DROP TABLE "user_attribute_values"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_user_attribute_values"
                RENAME TO "user_attribute_values"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_org_attr_value" ON "user_attribute_values" ("organization_id", "attribute", "value_lower")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_user" ON "user_attribute_values" ("user_id", "attribute", "position")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_expires"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_org"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_api_keys_hash"
        `);
        await queryRunner.query(`
            CREATE TABLE "temporary_api_keys" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "type" varchar(8) NOT NULL,
                "description" varchar(255),
                "key_hash" varchar(64) NOT NULL,
                "key_last4" varchar(4) NOT NULL,
                "created_at" datetime(3) NOT NULL,
                "expires_at" datetime(3),
                "last_used_at" datetime(3),
                "deleted_at" datetime(3),
                CONSTRAINT "FK_a283bdef18876e525aefaec042f" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
            )
        `);
        await queryRunner.query(`
            INSERT INTO "temporary_api_keys"(
                    "id",
                    "organization_id",
                    "type",
                    "description",
                    "key_hash",
                    "key_last4",
                    "created_at",
                    "expires_at",
                    "last_used_at",
                    "deleted_at"
                )
            SELECT "id",
                "organization_id",
                "type",
                "description",
                "key_hash",
                "key_last4",
                "created_at",
                "expires_at",
                "last_used_at",
                "deleted_at"
            FROM "api_keys"
        `);
        await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
        await queryRunner.query(`
            ALTER TABLE "temporary_api_keys"
                RENAME TO "api_keys"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_expires" ON "api_keys" ("expires_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_org" ON "api_keys" ("organization_id", "deleted_at")
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("key_hash")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "UQ_api_keys_hash"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_org"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_expires"
        `);
        await queryRunner.query(`
            ALTER TABLE "api_keys"
                RENAME TO "temporary_api_keys"
        `);
        await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "type" varchar(8) NOT NULL,
                "description" varchar(255),
                "key_hash" varchar(64) NOT NULL,
                "key_last4" varchar(4) NOT NULL,
                "created_at" datetime(3) NOT NULL,
                "expires_at" datetime(3),
                "last_used_at" datetime(3),
                "deleted_at" datetime(3)
            )
        `);
        await queryRunner.query(`
            INSERT INTO "api_keys"(
                    "id",
                    "organization_id",
                    "type",
                    "description",
                    "key_hash",
                    "key_last4",
                    "created_at",
                    "expires_at",
                    "last_used_at",
                    "deleted_at"
                )
            SELECT "id",
                "organization_id",
                "type",
                "description",
                "key_hash",
                "key_last4",
                "created_at",
                "expires_at",
                "last_used_at",
                "deleted_at"
            FROM "temporary_api_keys"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_api_keys"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_api_keys_hash" ON "api_keys" ("key_hash")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_org" ON "api_keys" ("organization_id", "deleted_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_api_keys_expires" ON "api_keys" ("expires_at")
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_user"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_org_attr_value"
        `);
        await queryRunner.query(`
            ALTER TABLE "user_attribute_values"
                RENAME TO "temporary_user_attribute_values"
        `);
        await queryRunner.query(`
            CREATE TABLE "user_attribute_values" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "user_id" integer NOT NULL,
                "organization_id" integer NOT NULL,
                "attribute" varchar(32) NOT NULL,
                "position" integer NOT NULL,
                "value" text,
                "value_lower" varchar(255),
                "display" varchar(255),
                "type" varchar(64),
                "primary" boolean NOT NULL DEFAULT (0),
                "formatted" varchar(1024),
                "street_address" varchar(255),
                "locality" varchar(255),
                "region" varchar(255),
                "postal_code" varchar(64),
                "country" varchar(64)
            )
        `);
        await queryRunner.query(`
            INSERT INTO "user_attribute_values"(
                    "id",
                    "user_id",
                    "organization_id",
                    "attribute",
                    "position",
                    "value",
                    "value_lower",
                    "display",
                    "type",
                    "primary",
                    "formatted",
                    "street_address",
                    "locality",
                    "region",
                    "postal_code",
                    "country"
                )
            SELECT "id",
                "user_id",
                "organization_id",
                "attribute",
                "position",
                "value",
                "value_lower",
                "display",
                "type",
                "primary",
                "formatted",
                "street_address",
                "locality",
                "region",
                "postal_code",
                "country"
            FROM "temporary_user_attribute_values"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_user_attribute_values"
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_user" ON "user_attribute_values" ("user_id", "attribute", "position")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_uav_org_attr_value" ON "user_attribute_values" ("organization_id", "attribute", "value_lower")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_users_org_user_name"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_external_id"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_role"
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
                RENAME TO "temporary_users"
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "user_name" varchar(255) NOT NULL,
                "user_name_lower" varchar(255),
                "external_id" varchar(255),
                "role_id" integer NOT NULL,
                "active" boolean NOT NULL DEFAULT (1),
                "name_formatted" varchar(255),
                "name_family_name" varchar(255),
                "name_given_name" varchar(255),
                "name_middle_name" varchar(255),
                "name_honorific_prefix" varchar(255),
                "name_honorific_suffix" varchar(255),
                "display_name" varchar(255),
                "nick_name" varchar(255),
                "profile_url" varchar(1024),
                "title" varchar(255),
                "preferred_language" varchar(64),
                "locale" varchar(64),
                "timezone" varchar(64),
                "employee_number" varchar(255),
                "cost_center" varchar(255),
                "organization_name" varchar(255),
                "division" varchar(255),
                "department" varchar(255),
                "manager_value" varchar(255),
                "manager_display_name" varchar(255),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL,
                "version" integer NOT NULL DEFAULT (1),
                "deleted_at" datetime(3)
            )
        `);
        await queryRunner.query(`
            INSERT INTO "users"(
                    "id",
                    "organization_id",
                    "user_name",
                    "user_name_lower",
                    "external_id",
                    "role_id",
                    "active",
                    "name_formatted",
                    "name_family_name",
                    "name_given_name",
                    "name_middle_name",
                    "name_honorific_prefix",
                    "name_honorific_suffix",
                    "display_name",
                    "nick_name",
                    "profile_url",
                    "title",
                    "preferred_language",
                    "locale",
                    "timezone",
                    "employee_number",
                    "cost_center",
                    "organization_name",
                    "division",
                    "department",
                    "manager_value",
                    "manager_display_name",
                    "created_at",
                    "updated_at",
                    "version",
                    "deleted_at"
                )
            SELECT "id",
                "organization_id",
                "user_name",
                "user_name_lower",
                "external_id",
                "role_id",
                "active",
                "name_formatted",
                "name_family_name",
                "name_given_name",
                "name_middle_name",
                "name_honorific_prefix",
                "name_honorific_suffix",
                "display_name",
                "nick_name",
                "profile_url",
                "title",
                "preferred_language",
                "locale",
                "timezone",
                "employee_number",
                "cost_center",
                "organization_name",
                "division",
                "department",
                "manager_value",
                "manager_display_name",
                "created_at",
                "updated_at",
                "version",
                "deleted_at"
            FROM "temporary_users"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_users"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_users_org_user_name" ON "users" ("organization_id", "user_name_lower")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_external_id" ON "users" ("organization_id", "external_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_users_org_role" ON "users" ("organization_id", "role_id")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_roles_org_name"
        `);
        await queryRunner.query(`
            ALTER TABLE "roles"
                RENAME TO "temporary_roles"
        `);
        await queryRunner.query(`
            CREATE TABLE "roles" (
                "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
                "organization_id" integer NOT NULL,
                "name" varchar(64) NOT NULL,
                "name_lower" varchar(64) NOT NULL,
                "description" varchar(255),
                "predefined" boolean NOT NULL DEFAULT (0),
                "created_at" datetime(3) NOT NULL,
                "updated_at" datetime(3) NOT NULL
            )
        `);
        await queryRunner.query(`
            INSERT INTO "roles"(
                    "id",
                    "organization_id",
                    "name",
                    "name_lower",
                    "description",
                    "predefined",
                    "created_at",
                    "updated_at"
                )
            SELECT "id",
                "organization_id",
                "name",
                "name_lower",
                "description",
                "predefined",
                "created_at",
                "updated_at"
            FROM "temporary_roles"
        `);
        await queryRunner.query(`
            DROP TABLE "temporary_roles"
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_roles_org_name" ON "roles" ("organization_id", "name_lower")
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_api_keys_hash"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_org"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_api_keys_expires"
        `);
        await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
        await queryRunner.query(`
            DROP TABLE "system_flags"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_user"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_uav_org_attr_value"
        `);
        await queryRunner.query(`
            DROP TABLE "user_attribute_values"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_users_org_user_name"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_external_id"
        `);
        await queryRunner.query(`
            DROP INDEX "IDX_users_org_role"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP INDEX "UQ_roles_org_name"
        `);
        await queryRunner.query(`
            DROP TABLE "roles"
        `);
        await queryRunner.query(`
            DROP TABLE "organizations"
        `);
    }

}
