import { dataSourceOptions, RowHydrator, runMigrations, SearchRunner, Statements } from '@app/database';
import { DataSource } from 'typeorm';
import { UserAttributeValue } from '../apps/server/src/users/user-attribute-value.entity';
import { User } from '../apps/server/src/users/user.entity';
import { FILTER_ONLY_PROPERTIES } from '../apps/server/src/users/user-storage.mapping';
import { UserCountsRepository } from '../apps/server/src/users/user-counts.repository';
import { UsersRepository } from '../apps/server/src/users/users.repository';
import { createTestDatabase, TestDatabase } from './support/database';

const ENTITIES = [`${__dirname}/../apps/server/src/**/*.entity.ts`];

/** Awkward text for a JSON round trip: quotes, backslashes, control characters, accents, an emoji, a lone `]`. */
const AWKWARD = 'a "quoted" \\ back\\slash\nnew line\ttab \u0001 é 😀 ] [{,}';

const SQLITE = !process.env.DATABASE_URL?.startsWith('mysql');
/** On SQLite a stored read brings the user's groups too (none here); MySQL's leaves them to the SCIM layer. */
const NO_GROUPS = SQLITE ? { groups: [] } : {};

/**
 * RowHydrator and the users module's reads (on SQLite, values and groups aggregated as
 * JSON with the user) replace TypeORM's per-value hydration on the users hot paths; on
 * the real engine they must give exactly what TypeORM itself gives.
 */
describe('RowHydrator and UsersRepository reads', () => {
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
      scimManaged: true,
      createdAt: new Date('2026-03-04T05:06:07.089Z'),
      updatedAt: new Date('2026-12-31T23:59:59.999Z'),
      version: 7,
      deletedAt: new Date('2027-01-01T00:00:00.000Z'),
    };
    for (const sparse of [false, true]) {
      const values = userColumns.map((c) => {
        if (c.propertyName in everything) return everything[c.propertyName];
        if (sparse) return null;
        return c.type === 'int' ? 42 : `${c.propertyName} é ${sparse}`.slice(0, 60);
      });
      await dataSource.query(
        `INSERT INTO users (${userColumns.map((c) => c.databaseName).join(', ')}) VALUES (${userColumns.map(() => '?').join(', ')})`,
        userColumns.map((c, i) =>
          dataSource.driver.preparePersistentValue(c.propertyName === 'userNameLower' && sparse ? 'b@x' : values[i], c),
        ),
      );
    }
    const primary = dataSource.driver.escape('primary');
    // User 2 is live and has every value column set, in an order the table does not keep.
    await dataSource.query('UPDATE users SET deleted_at = NULL WHERE id = 2');
    // The organization's kept count of live users, which the repository keeps when it writes users itself.
    await new UserCountsRepository(dataSource, new Statements(dataSource)).addLive(dataSource.manager, 1, 1);
    await dataSource.query(
      `INSERT INTO user_attribute_values (user_id, organization_id, attribute, position, value, value_lower, display, type, ${primary}, formatted, street_address, locality, region, postal_code, country) VALUES ` +
        "(2, 1, 'phoneNumbers', 1, '+1 555', NULL, NULL, 'work', 0, NULL, NULL, NULL, NULL, NULL, NULL), " +
        "(2, 1, 'addresses', 0, NULL, NULL, NULL, 'home', 1, ?, ?, 'Zürich', 'ZH', '8000', 'CH'), " +
        "(2, 1, 'emails', 0, ?, NULL, ?, 'other', 0, NULL, NULL, NULL, NULL, NULL, NULL), " +
        "(2, 1, 'phoneNumbers', 0, '+1 444', NULL, NULL, 'mobile', 1, NULL, NULL, NULL, NULL, NULL, NULL)",
      [AWKWARD, AWKWARD, AWKWARD, AWKWARD],
    );
  });

  /** The users' repository as the database module provides its parts (one search runner, stopped after the suite). */
  const searchRunners: SearchRunner[] = [];
  function usersRepository(): UsersRepository {
    const statements = new Statements(dataSource);
    const searches = new SearchRunner(dataSource, statements);
    searchRunners.push(searches);
    return new UsersRepository(dataSource, new UserCountsRepository(dataSource, statements), statements, searches);
  }

  afterAll(async () => {
    for (const runner of searchRunners) await runner.onModuleDestroy();
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
    const columns = dataSource.getMetadata(User).columns;
    const hydrator = new RowHydrator(() => new User(), columns, dataSource.driver);
    const rows: Array<Record<string, unknown>> = await dataSource.query('SELECT * FROM users ORDER BY id');
    const arrays = await new Statements(dataSource).rows(
      dataSource.manager,
      `SELECT ${columns.map((c) => dataSource.driver.escape(c.databaseName)).join(', ')} FROM users ORDER BY id`,
      [],
    );
    expect(rows).toHaveLength(2);
    expect(arrays).toStrictEqual(rows.map((row) => columns.map((c) => row[c.databaseName])));
    for (const [i, row] of rows.entries()) {
      const fast = hydrator.hydrate(arrays[i]);
      expect(fast).toBeInstanceOf(User);
      expect(fast).toStrictEqual(viaTypeOrm(new User(), User, row));
    }
    const [full] = arrays.map((row) => hydrator.hydrate(row));
    expect(full.createdAt).toEqual(new Date('2026-03-04T05:06:07.089Z'));
    expect(full.deletedAt).toEqual(new Date('2027-01-01T00:00:00.000Z'));
    expect(full.active).toBe(false);
    expect(full.version).toBe(7);
  });

  it('should read a user with its role and values exactly as TypeORM does', async () => {
    const repository = usersRepository();
    const viaTypeOrmValues = (
      await dataSource
        .getRepository(UserAttributeValue)
        .find({ where: { userId: 2 }, order: { attribute: 'ASC', position: 'ASC' } })
    ).map(withoutTwins);
    expect(viaTypeOrmValues).toHaveLength(4);
    const expected = {
      user: withoutTwins(await dataSource.getRepository(User).findOneByOrFail({ id: 2 })),
      roleName: 'Admin',
      values: viaTypeOrmValues,
      ...NO_GROUPS,
    };

    expect(await repository.findStored(dataSource.manager, 1, 2)).toStrictEqual(expected);
    expect(await repository.search(1, { offset: 0, limit: 10 })).toStrictEqual({ total: 1, users: [expected] });
    // Under a row lock, inside a transaction (MySQL's locking read, SQLite's plain one).
    // MySQL's locked read is the user row, then its values: no groups.
    const locked = SQLITE ? expected : { ...expected, groups: undefined };
    await dataSource.transaction(async (manager) => {
      // By id, the locked read brings the user's groups too (on MySQL/MariaDB in its round trip); by userName it does not there.
      expect(await repository.findStored(manager, 1, 2, true)).toEqual(SQLITE ? expected : { ...expected, groups: [] });
      expect(await repository.findByUserName(manager, 1, 'b@x', true)).toEqual(locked);
    });
    expect(await repository.findByUserName(dataSource.manager, 1, 'b@x')).toStrictEqual(expected);
    // User 1 is deleted: no read finds it.
    expect(await repository.findStored(dataSource.manager, 1, 1)).toBeNull();
    expect(await repository.findByUserName(dataSource.manager, 1, 'ada@example.com')).toBeNull();
    const awkward = expected.values.find((v) => v.attribute === 'emails')!;
    expect([awkward.value, awkward.display]).toEqual([AWKWARD, AWKWARD]);
    expect(expected.values.map((v) => [v.attribute, v.position, v.primary])).toEqual([
      ['addresses', 0, true],
      ['emails', 0, false],
      ['phoneNumbers', 0, true],
      ['phoneNumbers', 1, false],
    ]);
  });

  it('should read a live user without values (on MySQL, one joined row of NULL value columns)', async () => {
    await dataSource.query(
      "INSERT INTO users (organization_id, user_name, user_name_lower, role_id, active, created_at, updated_at, version) VALUES (1, 'C@x', 'c@x', 1, 1, '2026-05-06 07:08:09.010', '2026-05-06 07:08:09.010', 1)",
    );
    try {
      const user = withoutTwins(await dataSource.getRepository(User).findOneByOrFail({ userNameLower: 'c@x' }));
      const expected = { user, roleName: 'Admin', values: [], ...NO_GROUPS };
      const repository = usersRepository();
      expect(await repository.findStored(dataSource.manager, 1, user.id)).toStrictEqual(expected);
      expect(await repository.findByUserName(dataSource.manager, 1, 'c@x')).toStrictEqual(expected);
    } finally {
      await dataSource.query("DELETE FROM users WHERE user_name_lower = 'c@x'");
    }
  });

  it('should read the groups of a user with it on SQLite, in group id order, as the groups module lists them', async () => {
    const repository = usersRepository();
    const at = "'2026-01-02 03:04:05.006'";
    for (const name of ['Zeta', AWKWARD]) {
      await dataSource.query(
        `INSERT INTO user_groups (organization_id, display_name, display_name_lower, created_at, updated_at) VALUES (1, ?, ?, ${at}, ${at})`,
        [name, name.toLowerCase()],
      );
    }
    const [zeta, awkward] = (await dataSource.query('SELECT id FROM user_groups ORDER BY id')).map((r: { id: number }) =>
      Number(r.id),
    );
    // Joined in the opposite order of the ids.
    await dataSource.query('INSERT INTO group_members (group_id, user_id) VALUES (?, 2), (?, 2)', [awkward, zeta]);
    try {
      const read = await repository.findStored(dataSource.manager, 1, 2);
      const page = await repository.search(1, { offset: 0, limit: 10 });
      const named = await repository.findByUserName(dataSource.manager, 1, 'b@x');
      if (SQLITE) {
        const groups = [
          { id: zeta, displayName: 'Zeta' },
          { id: awkward, displayName: AWKWARD },
        ];
        for (const row of [read, page.users[0], named]) expect(row?.groups).toStrictEqual(groups);
      } else {
        for (const row of [read, page.users[0], named]) expect(row?.groups).toBeUndefined();
      }
    } finally {
      await dataSource.query('DELETE FROM group_members');
      await dataSource.query('DELETE FROM user_groups');
    }
  });

  if (process.env.DATABASE_URL?.startsWith('mysql')) {
    it('should lock the user row in a locked read, and neither its role row nor its values (MySQL)', async () => {
      const other = dataSource.createQueryRunner();
      await other.connect();
      try {
        await dataSource.transaction(async (manager) => {
          expect((await usersRepository().findStored(manager, 1, 2, true))?.roleName).toBe('Admin');
          await other.startTransaction();
          try {
            expect(await other.query('SELECT id FROM roles WHERE id = 1 FOR UPDATE NOWAIT')).toHaveLength(1);
            expect(await other.query('SELECT id FROM user_attribute_values WHERE user_id = 2 FOR UPDATE NOWAIT')).toHaveLength(4);
            await expect(other.query('SELECT id FROM users WHERE id = 2 FOR UPDATE NOWAIT')).rejects.toThrow(/lock/i);
          } finally {
            await other.rollbackTransaction();
          }
        });
      } finally {
        await other.release();
      }
    });
  }

  it('should read values of more than a megabyte whole', async () => {
    const big = Array.from({ length: 20 }, (_, i) => `${i}:${'x'.repeat(60_000)}`);
    await dataSource.query(
      `INSERT INTO user_attribute_values (user_id, organization_id, attribute, position, value, ${dataSource.driver.escape('primary')}) VALUES ${big.map(() => "(2, 1, 'x509Certificates', ?, ?, 0)").join(', ')}`,
      big.flatMap((value, i) => [i, value]),
    );
    try {
      const stored = await usersRepository().findStored(dataSource.manager, 1, 2);
      expect(stored!.values.filter((v) => v.attribute === 'x509Certificates').map((v) => v.value)).toEqual(big);
    } finally {
      await dataSource.query("DELETE FROM user_attribute_values WHERE attribute = 'x509Certificates'");
    }
  });
});

/** An entity as TypeORM reads it, less the lower-cased twins, which filters compare and reads leave out. */
function withoutTwins<T extends object>(entity: T): T {
  for (const property of FILTER_ONLY_PROPERTIES) delete (entity as Record<string, unknown>)[property];
  return entity;
}
