import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The deprovisioning safety net (docs/safety-net.md): every deactivation and deletion of a user with the
 * state it undoes (user_deprovisionings, user_deprovisioning_groups), the per-minute counts the burst
 * check sums (deprovisioning_minutes), and the incidents bursts open (deprovisioning_incidents).
 */
export class SafetyNet1796678151163 implements MigrationInterface {
    name = 'SafetyNet1796678151163'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE \`user_deprovisionings\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`user_id\` int NOT NULL,
                \`kind\` varchar(16) NOT NULL,
                \`at\` datetime(3) NOT NULL,
                \`actor_type\` varchar(16) NOT NULL,
                \`actor_key_id\` int NULL,
                \`actor_masked_key\` varchar(64) NULL,
                \`actor_description\` varchar(255) NULL,
                \`incident_id\` int NULL,
                \`was_active\` tinyint NOT NULL,
                \`role_id\` int NOT NULL,
                \`own_role_id\` int NULL,
                \`role_group_id\` int NULL,
                INDEX \`IDX_user_deprovisionings_incident\` (\`incident_id\`, \`id\`),
                INDEX \`IDX_user_deprovisionings_user\` (\`user_id\`, \`id\`),
                INDEX \`IDX_user_deprovisionings_org_at\` (\`organization_id\`, \`at\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
        await queryRunner.query(`
            CREATE TABLE \`user_deprovisioning_groups\` (
                \`deprovisioning_id\` int NOT NULL,
                \`group_id\` int NOT NULL,
                PRIMARY KEY (\`deprovisioning_id\`, \`group_id\`)
            ) ENGINE = InnoDB
        `);
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
            CREATE TABLE \`deprovisioning_incidents\` (
                \`id\` int NOT NULL AUTO_INCREMENT,
                \`organization_id\` int NOT NULL,
                \`status\` varchar(16) NOT NULL,
                \`open_slot\` int NULL,
                \`opened_at\` datetime(3) NOT NULL,
                \`key_id\` int NULL,
                \`alert_due\` int NULL,
                \`closed_at\` datetime(3) NULL,
                \`closed_by_type\` varchar(16) NULL,
                \`closed_by_key_id\` int NULL,
                \`closed_by_masked_key\` varchar(64) NULL,
                \`closed_by_description\` varchar(255) NULL,
                INDEX \`IDX_deprovisioning_incidents_alert\` (\`alert_due\`),
                INDEX \`IDX_deprovisioning_incidents_org\` (\`organization_id\`, \`id\`),
                UNIQUE INDEX \`UQ_deprovisioning_incidents_open\` (\`organization_id\`, \`open_slot\`),
                PRIMARY KEY (\`id\`)
            ) ENGINE = InnoDB
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisionings\`
            ADD CONSTRAINT \`FK_c3151e23c49424b0f97aac2002c\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisionings\`
            ADD CONSTRAINT \`FK_8690be8b59e916adc71ad3f86ad\` FOREIGN KEY (\`user_id\`) REFERENCES \`users\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisioning_groups\`
            ADD CONSTRAINT \`FK_1c879cb321aa3b52935168473ea\` FOREIGN KEY (\`deprovisioning_id\`) REFERENCES \`user_deprovisionings\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_minutes\`
            ADD CONSTRAINT \`FK_e235b189669b3d5b9de641fa7ae\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_incidents\`
            ADD CONSTRAINT \`FK_5b4b57df3cfe446156b7d6fbe0b\` FOREIGN KEY (\`organization_id\`) REFERENCES \`organizations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        // Users deleted before this migration: restorable like the others (their groups were not kept), by whoever the audit log says deleted them.
        await queryRunner.query(`
            INSERT INTO \`user_deprovisionings\` (organization_id, user_id, kind, at, actor_type, actor_key_id, actor_masked_key, actor_description, was_active, role_id, own_role_id, role_group_id)
            SELECT u.organization_id, u.id, 'deleted', u.deleted_at, COALESCE(e.actor_type, 'system'), e.actor_key_id, e.actor_masked_key, e.actor_description, u.active, u.role_id, u.own_role_id, u.role_group_id
            FROM users u LEFT JOIN audit_events e ON e.id = (
                SELECT MAX(a.id) FROM audit_events a
                WHERE a.organization_id = u.organization_id AND a.action = 'user.deleted' AND a.target_type = 'user' AND a.target_id = u.id
            )
            WHERE u.deleted_at IS NOT NULL
            ORDER BY u.deleted_at, u.id
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_incidents\` DROP FOREIGN KEY \`FK_5b4b57df3cfe446156b7d6fbe0b\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`deprovisioning_minutes\` DROP FOREIGN KEY \`FK_e235b189669b3d5b9de641fa7ae\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisioning_groups\` DROP FOREIGN KEY \`FK_1c879cb321aa3b52935168473ea\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisionings\` DROP FOREIGN KEY \`FK_8690be8b59e916adc71ad3f86ad\`
        `);
        await queryRunner.query(`
            ALTER TABLE \`user_deprovisionings\` DROP FOREIGN KEY \`FK_c3151e23c49424b0f97aac2002c\`
        `);
        await queryRunner.query(`
            DROP INDEX \`UQ_deprovisioning_incidents_open\` ON \`deprovisioning_incidents\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_deprovisioning_incidents_org\` ON \`deprovisioning_incidents\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_deprovisioning_incidents_alert\` ON \`deprovisioning_incidents\`
        `);
        await queryRunner.query(`
            DROP TABLE \`deprovisioning_incidents\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_deprovisioning_minutes_minute\` ON \`deprovisioning_minutes\`
        `);
        await queryRunner.query(`
            DROP TABLE \`deprovisioning_minutes\`
        `);
        await queryRunner.query(`
            DROP TABLE \`user_deprovisioning_groups\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_user_deprovisionings_org_at\` ON \`user_deprovisionings\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_user_deprovisionings_user\` ON \`user_deprovisionings\`
        `);
        await queryRunner.query(`
            DROP INDEX \`IDX_user_deprovisionings_incident\` ON \`user_deprovisionings\`
        `);
        await queryRunner.query(`
            DROP TABLE \`user_deprovisionings\`
        `);
    }

}
