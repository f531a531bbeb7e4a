import { dataSourceOptions, runMigrations } from '@app/database';
import { DataSource } from 'typeorm';
import { noPadBinaryCollation } from '../libs/database/src/migrations/mysql/1795995000000-NoPadCollation';
import { OneCollation1796130000000 } from '../libs/database/src/migrations/mysql/1796130000000-OneCollation';
import { createTestDatabase, TestDatabase } from './support/database';
import { Client, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * One collation everywhere (contract §9): after the migrations, every table and text column on
 * MySQL/MariaDB is the server's binary NO PAD collation, and on both engines accents, emoji and
 * trailing spaces are significant for every resource; case rules are explicit in code.
 * The test databases are created utf8mb4_bin (a PAD collation, support/database.ts), as an operator
 * would, so it is the migrations that make them right.
 */
describe('One collation: the schema after the migrations', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(await dataSourceOptions(db.config, [`${__dirname}/../apps/server/src/**/*.entity.ts`]));
    await dataSource.initialize();
    await runMigrations(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  // Each engine proves its own half; the other's describe block is not defined (not skipped) on it.
  if (process.env.DATABASE_URL?.startsWith('mysql')) {
    /** Tables and text columns of this database in another collation than `collation`, named for the failure message. */
    const offenders = async (collation: string): Promise<string[]> => {
      const tables: Array<{ name: string; collation: string }> = await dataSource.query(
        `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_COLLATION <> ? ORDER BY TABLE_NAME`,
        [collation],
      );
      const columns: Array<{ tableName: string; name: string; collation: string }> = await dataSource.query(
        `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, COLLATION_NAME AS collation FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME <> ?
         ORDER BY TABLE_NAME, ORDINAL_POSITION`,
        [collation],
      );
      return [
        ...tables.map((t) => `table ${t.name} is ${t.collation}`),
        ...columns.map((c) => `column ${c.tableName}.${c.name} is ${c.collation}`),
      ];
    };

    it('should leave every table and every text column in the binary NO PAD collation (MySQL/MariaDB)', async () => {
      const collation = await noPadBinaryCollation(dataSource.createQueryRunner());
      expect(collation).toMatch(/^utf8mb4_(nopad_bin|0900_bin)$/);
      expect(await offenders(collation)).toEqual([]);
      // The check sees something: the app's tables and their text columns are there.
      const [{ columns }] = await dataSource.query(
        `SELECT COUNT(*) AS columns FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME = ?`,
        [collation],
      );
      expect(Number(columns)).toBeGreaterThan(40);
      // Tables created later without a COLLATE take the database's default.
      const [schema] = await dataSource.query(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()',
      );
      expect(schema).toEqual({ charset: 'utf8mb4', collation });
    });

    it('should convert a table it does not know by name (MySQL/MariaDB)', async () => {
      const collation = await noPadBinaryCollation(dataSource.createQueryRunner());
      await dataSource.query(
        'CREATE TABLE later_table (id int PRIMARY KEY, label varchar(20) COLLATE utf8mb4_general_ci) DEFAULT CHARSET = utf8mb4 COLLATE utf8mb4_general_ci',
      );
      try {
        expect(await offenders(collation)).toEqual([
          'table later_table is utf8mb4_general_ci',
          'column later_table.label is utf8mb4_general_ci',
        ]);
        const runner = dataSource.createQueryRunner();
        try {
          await new OneCollation1796130000000().up(runner);
        } finally {
          await runner.release();
        }
        expect(await offenders(collation)).toEqual([]);
      } finally {
        await dataSource.query('DROP TABLE later_table');
      }
    });
  } else {
    it('should compare text with SQLite’s BINARY collation: no table or index names another (SQLite)', async () => {
      // BINARY (the default) compares code units, without padding: what NO PAD binary is on MySQL/MariaDB.
      const declared: Array<{ name: string }> = await dataSource.query(
        "SELECT name FROM sqlite_master WHERE sql LIKE '%COLLATE%' AND sql NOT LIKE '%COLLATE BINARY%'",
      );
      expect(declared).toEqual([]);
      expect((await dataSource.query('SELECT COUNT(*) AS n FROM sqlite_master WHERE type = ?', ['table']))[0].n).toBeGreaterThan(
        10,
      );
    });
  }
});

describe('One collation: accents, emoji and trailing spaces are significant for every resource', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let admin: Client;
  let scim: Client;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Collation', 'owner@collation.test');
    admin = o.admin;
    scim = o.scim;
  });

  afterAll(async () => {
    await t?.close();
  });

  const NAMES = ['Resume', 'Résumé', 'Team🚀', 'Team🔥'];

  it('should keep groups that differ by an accent or an emoji apart, and still refuse one that differs by case', async () => {
    const ids: Record<string, string> = {};
    for (const displayName of NAMES) {
      const created = await scim.post('/Groups', { body: { displayName } });
      expect({ displayName, status: created.status }).toEqual({ displayName, status: 201 });
      ids[displayName] = created.body.id;
    }
    for (const displayName of NAMES) {
      const found = await scim.get(`/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
      expect(found.body.Resources.map((g: { id: string }) => g.id)).toEqual([ids[displayName]]);
    }
    // Case-insensitive uniqueness is an explicit rule (display_name_lower), not the collation's doing.
    expect((await scim.post('/Groups', { body: { displayName: 'RÉSUMÉ' } })).status).toBe(409);
  });

  it('should keep users whose userNames differ by an accent apart, and still refuse one that differs by case', async () => {
    for (const userName of ['emile@collation.test', 'émile@collation.test']) {
      expect((await scim.post('/Users', { body: { userName } })).status).toBe(201);
    }
    expect((await scim.post('/Users', { body: { userName: 'Émile@collation.test' } })).status).toBe(409);
    const found = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "émile@collation.test"')}`);
    expect(found.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['émile@collation.test']);
  });

  it('should keep roles that differ by an accent or an emoji apart, in mappings and user lists too', async () => {
    const roleIds: Record<string, string> = {};
    for (const name of NAMES) {
      const created = await admin.post('/v1.0/settings/roles', { body: { name } });
      expect({ name, status: created.status }).toEqual({ name, status: 201 });
      roleIds[name] = created.body.id;
    }
    expect((await admin.post('/v1.0/settings/roles', { body: { name: 'résumé' } })).status).toBe(409);

    // Each role mapped to the group of the same name, each group with one member.
    const people: Record<string, string> = {};
    for (const [i, name] of NAMES.entries()) {
      const user = await scim.post('/Users', { body: { userName: `member${i}@collation.test` } });
      people[name] = user.body.id;
      const group = await scim.post('/Groups', { body: { displayName: `Mapped ${name}`, members: [{ value: user.body.id }] } });
      expect(group.status).toBe(201);
      const mapping = await admin.post('/v1.0/settings/role-mappings', { body: { groupId: group.body.id, role: name } });
      expect({ name, status: mapping.status, role: mapping.body.role }).toEqual({ name, status: 201, role: name });
    }
    const mappings = (await admin.get('/v1.0/settings/role-mappings')).body.roleMappings as Array<{
      groupDisplayName: string;
      role: string;
    }>;
    for (const name of NAMES) {
      expect(mappings.filter((m) => m.groupDisplayName === `Mapped ${name}`).map((m) => m.role)).toEqual([name]);
      expect((await admin.get(`/v1.0/users/${people[name]}`)).body.role).toBe(name);
      const listed = await admin.get(`/v1.0/users?role=${encodeURIComponent(name)}`);
      expect(listed.body.users.map((u: { id: string }) => u.id)).toEqual([people[name]]);
    }
  });

  it('should keep audit targets that differ by an accent, an emoji or a trailing space apart in the audit filter', async () => {
    // A refused SCIM write is recorded with the id from its path as the target.
    const targets = ['Resume', 'Résumé', 'Team🚀', 'Team🔥', 'Team🔥 '];
    for (const id of targets) {
      expect((await scim.delete(`/Users/${encodeURIComponent(id)}`)).status).toBe(404);
    }
    const recorded = async (id: string): Promise<string[]> => {
      const page = await admin.get(`/v1.0/audit-log?targetType=scim-request&targetId=${encodeURIComponent(id)}`);
      expect(page.status).toBe(200);
      return page.body.events.map((e: { target: { id: string } }) => e.target.id);
    };
    for (const id of targets) {
      // Recorded once the response went out: wait for it.
      for (let tries = 0; tries < 50 && (await recorded(id)).length === 0; tries++) await new Promise((r) => setTimeout(r, 20));
      expect({ id, found: await recorded(id) }).toEqual({ id, found: [id] });
    }
  });
});
