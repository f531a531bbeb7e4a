import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organization and its contacts (docs/decisions.md): `notification_recipients` (who gets an
 * organization's emails besides its active Admins), `users.scim_managed` (an identity provider wrote the
 * user through SCIM: its email and name are not edited in the admin API) and `key_reminders.delivery`
 * (a sent message went over SMTP, or only to the outbox folder). The columns are added with ADD COLUMN
 * (TypeORM's generated SQLite migration would copy both tables).
 *
 * Backfill of `scim_managed`: every user is taken as managed by its identity provider except its
 * organization's first user (the Admin the first start or `org:create` made, in the organization's own
 * transaction) when it has no externalId and the audit log holds no event of a SCIM key on it. Only that
 * Admin can have been made outside SCIM; one written through SCIM longer ago than the audit retention is
 * marked again by the identity provider's next write.
 */
export class OrganizationContacts1796680778519 implements MigrationInterface {
  name = 'OrganizationContacts1796680778519';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notification_recipients" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "organization_id" integer NOT NULL,
        "email" varchar(254) NOT NULL,
        "email_lower" varchar(254) NOT NULL,
        "created_at" datetime(3) NOT NULL,
        CONSTRAINT "FK_87877650f126626bb2631c841ad" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )
    `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_notification_recipients_org_email" ON "notification_recipients" ("organization_id", "email_lower")`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "scim_managed" boolean NOT NULL DEFAULT (0)`);
    await queryRunner.query(`
      UPDATE "users" SET "scim_managed" = 1
      WHERE "external_id" IS NOT NULL
        OR "id" <> (SELECT MIN(f."id") FROM "users" f WHERE f."organization_id" = "users"."organization_id")
        OR EXISTS (
          SELECT 1 FROM "audit_events" e
          WHERE e."organization_id" = "users"."organization_id" AND e."target_type" = 'user'
            AND e."target_id" = CAST("users"."id" AS TEXT) AND e."actor_type" = 'scim-key'
        )
    `);
    await queryRunner.query(`ALTER TABLE "key_reminders" ADD COLUMN "delivery" varchar(8)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "key_reminders" DROP COLUMN "delivery"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "scim_managed"`);
    await queryRunner.query(`DROP INDEX "UQ_notification_recipients_org_email"`);
    await queryRunner.query(`DROP TABLE "notification_recipients"`);
  }
}
