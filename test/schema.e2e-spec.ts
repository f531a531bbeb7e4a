import { dataSourceOptions, runMigrations, withSqliteIntegerKeys } from '@app/database';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { createTestDatabase, TestDatabase } from './support/database';

const ENTITIES = [`${__dirname}/../apps/server/src/**/*.entity.ts`];

// The same table as Organization, plus a column no migration creates.
@Entity('organizations')
class OrganizationWithExtraColumn {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'boolean', default: false }) scimEnabled: boolean;
  @Column({ type: 'datetime', precision: 3 }) createdAt: Date;
  @Column({ type: 'datetime', precision: 3 }) updatedAt: Date;
  @Column({ type: 'varchar', length: 20, nullable: true }) notInAnyMigration: string | null;
}

describe('database schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  async function pendingSchemaChanges(entities: Parameters<typeof dataSourceOptions>[1]): Promise<string[]> {
    const dataSource = withSqliteIntegerKeys(new DataSource(await dataSourceOptions(db.config, entities)));
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
      const log = await dataSource.driver.createSchemaBuilder().log();
      return log.upQueries.map((q) => q.query);
    } finally {
      await dataSource.destroy();
    }
  }

  it('should have migrations that match the entities exactly on this engine', async () => {
    expect(await pendingSchemaChanges(ENTITIES)).toEqual([]);
  });

  it('should notice an entity change that has no migration', async () => {
    const changes = await pendingSchemaChanges([OrganizationWithExtraColumn]);
    expect(changes.join('\n')).toMatch(/not_in_any_migration/);
  });

  it('should apply migrations once and be a no-op the second time', async () => {
    const dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    try {
      expect(await runMigrations(dataSource)).toEqual([]);
      const tables = await dataSource
        .createQueryRunner()
        .getTables(['organizations', 'users', 'roles', 'api_keys', 'user_attribute_values']);
      expect(tables.map((t) => t.name.replace(/^.*\./, '')).sort()).toEqual([
        'api_keys',
        'organizations',
        'roles',
        'user_attribute_values',
        'users',
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('should fill the lower-cased twins of rows written before the LowerCasedTwins migration', async () => {
    const dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
      // Back to the schema before the twins (undoing the later migrations first), with rows written then;
      // 1,500 values cross a batch boundary.
      for (let undone = ''; !undone.startsWith('LowerCasedTwins');) {
        const [last] = await dataSource.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
        undone = last.name;
        await dataSource.undoLastMigration({ transaction: 'all' });
      }
      const now = '2026-12-01 00:00:00.000';
      await dataSource.query('INSERT INTO organizations (name, created_at, updated_at) VALUES (?, ?, ?)', ['Twins', now, now]);
      const [{ id: organizationId }] = await dataSource.query('SELECT MAX(id) AS id FROM organizations');
      await dataSource.query(
        'INSERT INTO roles (organization_id, name, name_lower, predefined, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)',
        [organizationId, 'Admin', 'admin', now, now],
      );
      const [{ id: roleId }] = await dataSource.query('SELECT MAX(id) AS id FROM roles');
      await dataSource.query(
        'INSERT INTO users (organization_id, user_name, user_name_lower, role_id, display_name, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [organizationId, 'emile@twins.test', 'emile@twins.test', roleId, 'ÉMILE Zola', null, now, now],
      );
      const [{ id: userId }] = await dataSource.query('SELECT MAX(id) AS id FROM users');
      for (let position = 0; position < 1500; position++) {
        await dataSource.query(
          'INSERT INTO user_attribute_values (user_id, organization_id, attribute, position, value, type) VALUES (?, ?, ?, ?, ?, ?)',
          [userId, organizationId, 'phoneNumbers', position, `+1 555 ${position}`, position % 2 ? 'Work' : null],
        );
      }

      await runMigrations(dataSource);

      const [user] = await dataSource.query('SELECT display_name_lower, title_lower FROM users WHERE id = ?', [userId]);
      expect(user).toEqual({ display_name_lower: 'émile zola', title_lower: null });
      const types = await dataSource.query(
        'SELECT type_lower, COUNT(*) AS n FROM user_attribute_values WHERE user_id = ? GROUP BY type_lower ORDER BY type_lower',
        [userId],
      );
      expect(types.map((r: { type_lower: string | null; n: unknown }) => [r.type_lower, Number(r.n)])).toEqual([
        [null, 750],
        ['work', 750],
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('should mark every user as managed by SCIM but the first Admins no SCIM key wrote (OrganizationContacts backfill)', async () => {
    const dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
      for (let undone = ''; !undone.startsWith('OrganizationContacts');) {
        const [last] = await dataSource.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
        undone = last.name;
        await dataSource.undoLastMigration({ transaction: 'all' });
      }
      const now = '2026-12-01 00:00:00.000';
      /** An organization with its users (the first one first), each `[userName, externalId]`; their ids. */
      const organization = async (name: string, users: Array<[string, string | null]>): Promise<number[]> => {
        await dataSource.query('INSERT INTO organizations (name, created_at, updated_at) VALUES (?, ?, ?)', [name, now, now]);
        const [{ id: organizationId }] = await dataSource.query('SELECT MAX(id) AS id FROM organizations');
        await dataSource.query(
          'INSERT INTO roles (organization_id, name, name_lower, predefined, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)',
          [organizationId, 'Admin', 'admin', now, now],
        );
        const [{ id: roleId }] = await dataSource.query('SELECT MAX(id) AS id FROM roles');
        const ids: number[] = [];
        for (const [userName, externalId] of users) {
          await dataSource.query(
            'INSERT INTO users (organization_id, user_name, user_name_lower, external_id, role_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [organizationId, userName, userName, externalId, roleId, now, now],
          );
          const [{ id }] = await dataSource.query('SELECT MAX(id) AS id FROM users');
          ids.push(Number(id));
        }
        return ids;
      };
      const event = async (userId: number, actorType: string) => {
        const [{ organization_id: organizationId }] = await dataSource.query('SELECT organization_id FROM users WHERE id = ?', [
          userId,
        ]);
        await dataSource.query(
          'INSERT INTO audit_events (organization_id, occurred_at, action, actor_type, target_type, target_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [organizationId, now, 'user.updated', actorType, 'user', String(userId), 'success'],
        );
      };
      const [firstAdmin, provisioned] = await organization('Bootstrapped', [
        ['first@boot.test', null],
        ['okta@boot.test', null],
      ]);
      const [linked] = await organization('Linked', [['linked@okta.test', '00u123']]);
      const [written] = await organization('Written', [['written@okta.test', null]]);
      await event(written, 'scim-key');
      const [edited] = await organization('Edited', [['edited@ui.test', null]]);
      await event(edited, 'api-key');

      await runMigrations(dataSource);

      const rows: Array<{ id: number; scim_managed: unknown }> = await dataSource.query(
        `SELECT id, scim_managed FROM users WHERE id IN (${[firstAdmin, provisioned, linked, written, edited].join(', ')}) ORDER BY id`,
      );
      expect(Object.fromEntries(rows.map((r) => [Number(r.id), Number(r.scim_managed)]))).toEqual({
        [firstAdmin]: 0,
        [provisioned]: 1,
        [linked]: 1,
        [written]: 1,
        [edited]: 0,
      });
    } finally {
      await dataSource.destroy();
    }
  });
});
