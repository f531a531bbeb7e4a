import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled jobs that read what is due, not every organization (docs/performance.md, "Scheduled
 * jobs"): when the health monitor looks at an organization next (`scim_health_states`), when the
 * reminder job looks at a key next (`api_keys.reminder_due_at`), and an index on the minute of the
 * SCIM request counts for their pruning. Every existing state and every live key that expires is due
 * at once: the first run after the upgrade works out their schedules, once.
 */
export class DueWork1796690100005 implements MigrationInterface {
  name = 'DueWork1796690100005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE \`scim_health_states\`
        ADD \`due_at\` datetime(3) NULL,
        ADD \`last_use_at\` datetime(3) NULL,
        ADD \`watch_traffic\` tinyint NOT NULL DEFAULT 1,
        ADD \`version\` int NOT NULL DEFAULT '0'
    `);
    await queryRunner.query(`UPDATE \`scim_health_states\` SET \`due_at\` = \`changed_at\``);
    // Organizations with SCIM on that the monitor has not seen yet (it saw them every round until now).
    await queryRunner.query(`
      INSERT INTO \`scim_health_states\` (\`organization_id\`, \`status\`, \`transitions\`, \`changed_at\`, \`due_at\`)
      SELECT o.\`id\`, 'unknown', 0, o.\`updated_at\`, o.\`updated_at\` FROM \`organizations\` o
      WHERE o.\`scim_enabled\` = 1 AND NOT EXISTS (SELECT 1 FROM \`scim_health_states\` s WHERE s.\`organization_id\` = o.\`id\`)
    `);
    await queryRunner.query(
      `CREATE INDEX \`IDX_scim_health_states_due\` ON \`scim_health_states\` (\`due_at\`, \`organization_id\`)`,
    );
    await queryRunner.query(
      `CREATE INDEX \`IDX_scim_health_states_last_use\` ON \`scim_health_states\` (\`last_use_at\`, \`organization_id\`)`,
    );
    await queryRunner.query(`CREATE INDEX \`IDX_scim_traffic_minute\` ON \`scim_traffic\` (\`minute\`)`);
    await queryRunner.query(`ALTER TABLE \`api_keys\` ADD \`reminder_due_at\` datetime(3) NULL`);
    await queryRunner.query(
      `UPDATE \`api_keys\` SET \`reminder_due_at\` = \`created_at\` WHERE \`expires_at\` IS NOT NULL AND \`deleted_at\` IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX \`IDX_api_keys_reminder_due\` ON \`api_keys\` (\`reminder_due_at\`, \`id\`)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`IDX_api_keys_reminder_due\` ON \`api_keys\``);
    await queryRunner.query(`ALTER TABLE \`api_keys\` DROP COLUMN \`reminder_due_at\``);
    await queryRunner.query(`DROP INDEX \`IDX_scim_traffic_minute\` ON \`scim_traffic\``);
    await queryRunner.query(`DROP INDEX \`IDX_scim_health_states_last_use\` ON \`scim_health_states\``);
    await queryRunner.query(`DROP INDEX \`IDX_scim_health_states_due\` ON \`scim_health_states\``);
    await queryRunner.query(
      `ALTER TABLE \`scim_health_states\` DROP COLUMN \`version\`, DROP COLUMN \`watch_traffic\`, DROP COLUMN \`last_use_at\`, DROP COLUMN \`due_at\``,
    );
  }
}
