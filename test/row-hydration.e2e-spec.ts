import { dataSourceOptions, runMigrations } from '@app/database';
import { DataSource } from 'typeorm';
import { RowHydrator } from '../apps/server/src/users/row-hydrator';
import { UserAttributeValue } from '../apps/server/src/users/user-attribute-value.entity';
import { User } from '../apps/server/src/users/user.entity';
import { createTestDatabase, TestDatabase } from './support/database';

const ENTITIES = [`${__dirname}/../apps/server/src/**/*.entity.ts`];

/**
 * RowHydrator replaces TypeORM's per-value hydration on the users hot paths;
 * on the real engine, with rows as the driver returns them, it must give
 * exactly what TypeORM's own `prepareHydratedValue` gives.
 */
describe('RowHydrator', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    await runMigrations(dataSource);
    await dataSource.query(
      "INSERT INTO organizations (name, scim_enabled, created_at, updated_at) VALUES ('Acme', 1, '2026-01-02 03:04:05.006', '2026-01-02 03:04:05.006')",
    );
    await dataSource.query(
      "INSERT INTO roles (organization_id, name, name_lower, predefined, created_at, updated_at) VALUES (1, 'Admin', 'admin', 1, '2026-01-02 03:04:05.006', '2026-01-02 03:04:05.006')",
    );
    const userColumns = dataSource.getMetadata(User).columns.filter((c) => !c.isGenerated);
    const everything: Record<string, unknown> = {
      organizationId: 1,
      userName: 'Ada@Example.com',
      userNameLower: 'ada@example.com',
      roleId: 1,
      active: false,
      createdAt: new Date('2026-03-04T05:06:07.089Z'),
      updatedAt: new Date('2026-12-31T23:59:59.999Z'),
      version: 7,
      deletedAt: new Date('2027-01-01T00:00:00.000Z'),
    };
    for (const sparse of [false, true]) {
      const values = userColumns.map((c) => {
        if (c.propertyName in everything) return everything[c.propertyName];
        return sparse ? null : `${c.propertyName} é ${sparse}`.slice(0, 60);
      });
      await dataSource.query(
        `INSERT INTO users (${userColumns.map((c) => c.databaseName).join(', ')}) VALUES (${userColumns.map(() => '?').join(', ')})`,
        userColumns.map((c, i) =>
          dataSource.driver.preparePersistentValue(c.propertyName === 'userNameLower' && sparse ? 'b@x' : values[i], c),
        ),
      );
    }
    await dataSource.query(
      "INSERT INTO user_attribute_values (user_id, organization_id, attribute, position, value, value_lower, type, `primary`, display) VALUES (1, 1, 'emails', 0, 'A@x', 'a@x', 'work', 1, NULL), (1, 1, 'emails', 1, 'B@x', 'b@x', NULL, 0, 'Bee')".replace(
        '`primary`',
        dataSource.driver.escape('primary'),
      ),
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db.drop();
  });

  function viaTypeOrm(target: object, entity: typeof User | typeof UserAttributeValue, row: Record<string, unknown>) {
    for (const column of dataSource.getMetadata(entity).columns) {
      (target as Record<string, unknown>)[column.propertyName] = dataSource.driver.prepareHydratedValue(
        row[column.databaseName],
        column,
      );
    }
    return target;
  }

  it('should hydrate users (every column set, and every optional column null) as TypeORM does', async () => {
    const hydrator = new RowHydrator(() => new User(), dataSource.getMetadata(User).columns, dataSource.driver);
    const rows: Array<Record<string, unknown>> = await dataSource.query('SELECT * FROM users ORDER BY id');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const fast = hydrator.hydrate(row);
      expect(fast).toBeInstanceOf(User);
      expect(fast).toStrictEqual(viaTypeOrm(new User(), User, row));
    }
    const [full] = rows.map((row) => hydrator.hydrate(row));
    expect(full.createdAt).toEqual(new Date('2026-03-04T05:06:07.089Z'));
    expect(full.deletedAt).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    expect(full.active).toBe(false);
    expect(full.version).toBe(7);
  });

  it('should hydrate multi-valued attribute rows as TypeORM does', async () => {
    const hydrator = new RowHydrator(
      () => new UserAttributeValue(),
      dataSource.getMetadata(UserAttributeValue).columns,
      dataSource.driver,
    );
    const rows: Array<Record<string, unknown>> = await dataSource.query('SELECT * FROM user_attribute_values ORDER BY position');
    expect(rows.map((row) => hydrator.hydrate(row))).toStrictEqual(
      rows.map((row) => viaTypeOrm(new UserAttributeValue(), UserAttributeValue, row)),
    );
    expect(rows.map((row) => hydrator.hydrate(row).primary)).toEqual([true, false]);
  });
});
