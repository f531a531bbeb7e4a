import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organization and its contacts: `notification_recipients`, `users.scim_managed` with its backfill,
 * and `key_reminders.delivery`, as on SQLite (see its OrganizationContacts migration for the backfill's
 * rule). The backfill reads the organizations' first users from a derived table (MySQL refuses an
 * UPDATE whose subquery reads the table it updates), and compares event target ids with user ids as
 * bytes (a cast number takes the connection's collation, not the column's: "Illegal mix of collations").
 */
export class OrganizationContacts1796680807195 implements MigrationInterface {
  name = 'OrganizationContacts1796680807195';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE \`notification_recipients\` (
        \`id\` int NOT NULL AUTO_INCREMENT,
        \`organization_id\` int NOT NULL,
        \`email\` varchar(254) NOT NULL,
        \`email_lower\` varchar(254) NOT NULL,
        \`created_at\` datetime(3) NOT NULL,
        UNIQUE INDEX \`UQ_notification_recipients_org_email\` (\`organization_id\`, \`email_lower\`),
        PRIMARY KEY (\`id\`)
      ) ENGINE = InnoDB
    `);
    await queryRunner.query(`ALTER TABLE \`users\` ADD \`scim_managed\` tinyint NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      UPDATE \`users\` u
      JOIN (SELECT \`organization_id\`, MIN(\`id\`) AS first_id FROM \`users\` GROUP BY \`organization_id\`) f
        ON f.\`organization_id\` = u.\`organization_id\`
      SET u.\`scim_managed\` = 1
      WHERE u.\`external_id\` IS NOT NULL
        OR u.\`id\` <> f.first_id
        OR EXISTS (
          SELECT 1 FROM \`audit_events\` e
          WHERE e.\`organization_id\` = u.\`organization_id\` AND e.\`target_type\` = 'user'
            AND CAST(e.\`target_id\` AS BINARY) = CAST(u.\`id\` AS BINARY) AND e.\`actor_type\` = 'scim-key'
        )
    `);
    await queryRunner.query(`ALTER TABLE \`key_reminders\` ADD \`delivery\` varchar(8) NULL`);
    await queryRunner.query(`
      ALTER TABLE \`notification_recipients\`
      ADD CONSTRAINT \`FK_87877650f126626bb2631c841ad\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`notification_recipients\` DROP FOREIGN KEY \`FK_87877650f126626bb2631c841ad\``);
    await queryRunner.query(`ALTER TABLE \`key_reminders\` DROP COLUMN \`delivery\``);
    await queryRunner.query(`ALTER TABLE \`users\` DROP COLUMN \`scim_managed\``);
    await queryRunner.query(`DROP TABLE \`notification_recipients\``);
  }
}
