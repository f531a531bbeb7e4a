import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roles from groups: the `role_mappings` table, and on `users` the user's own role while a mapping
 * overrides it (`own_role_id`) and the group giving the role (`role_group_id`). The two columns are
 * added with ADD COLUMN (TypeORM's generated SQLite migration would copy the whole users table).
 */
export class RoleMappings1796117869316 implements MigrationInterface {
  name = 'RoleMappings1796117869316';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "role_mappings" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "organization_id" integer NOT NULL,
        "group_id" integer NOT NULL,
        "role_id" integer NOT NULL,
        "priority" integer NOT NULL,
        "created_at" datetime(3) NOT NULL,
        "updated_at" datetime(3) NOT NULL,
        CONSTRAINT "FK_48fc9d74958f5168d4f18408fb7" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "FK_5a96c84ef949b687d283d33c43b" FOREIGN KEY ("group_id") REFERENCES "user_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "FK_1673d3d573446a682e7978d425b" FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )
    `);
    await queryRunner.query(
      `CREATE INDEX "IDX_role_mappings_org_priority" ON "role_mappings" ("organization_id", "priority")`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_role_mappings_group" ON "role_mappings" ("group_id")`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "own_role_id" integer`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "role_group_id" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "role_group_id"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "own_role_id"`);
    await queryRunner.query(`DROP INDEX "UQ_role_mappings_group"`);
    await queryRunner.query(`DROP INDEX "IDX_role_mappings_org_priority"`);
    await queryRunner.query(`DROP TABLE "role_mappings"`);
  }
}
