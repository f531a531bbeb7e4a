import { dataSourceOptions, runMigrations, Statements, TransactionRunner } from '@app/database';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { DataSource, EntityManager } from 'typeorm';
import { createTestDatabase, TestDatabase } from './support/database';

const ENTITIES = [`${__dirname}/../apps/server/src/**/*.entity.ts`];
const NOW = "'2026-01-02 03:04:05.006'";

/**
 * TransactionRunner on the real engine: on SQLite, units queued together are
 * committed together (group commit) with a savepoint each; on MySQL each unit
 * has its own transaction. Either way a failing unit loses only its own
 * writes, and nobody hears "done" before the data is committed.
 */
describe('TransactionRunner', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let transactions: TransactionRunner;
  /** Names of the organizations a second, independent connection sees: committed data only. */
  let committedNames: () => Promise<string[]>;
  let closeObserver: () => Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource(await dataSourceOptions(db.config, ENTITIES));
    await dataSource.initialize();
    await runMigrations(dataSource);
    transactions = new TransactionRunner(dataSource);
    if (db.config.type === 'sqlite') {
      const observer = new Database(db.config.path, { readonly: true });
      committedNames = async () =>
        (observer.prepare('SELECT name FROM organizations ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name);
      closeObserver = async () => void observer.close();
    } else {
      const observer = await createConnection(db.config.url);
      committedNames = async () =>
        ((await observer.query('SELECT name FROM organizations ORDER BY name'))[0] as Array<{ name: string }>).map((r) => r.name);
      closeObserver = () => observer.end();
    }
  });

  afterAll(async () => {
    await closeObserver?.();
    await dataSource?.destroy();
    await db.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM organizations');
  });

  const insertOrganization = (manager: EntityManager, name: string) =>
    manager.query(`INSERT INTO organizations (name, scim_enabled, created_at, updated_at) VALUES (?, 0, ${NOW}, ${NOW})`, [name]);

  it("should keep SQLite temporary files, the savepoints' sub-journals among them, in memory", async () => {
    if (db.config.type !== 'sqlite') return;
    // 2 = MEMORY: a unit's sub-journal past 64 KiB would otherwise go to a file on disk (data-source-options.ts).
    expect(await dataSource.query('PRAGMA temp_store')).toEqual([{ temp_store: 2 }]);
  });

  it('should keep the other units of a batch when one fails, and roll back only the failing one', async () => {
    const results = await Promise.allSettled([
      transactions.run(async (m) => (await insertOrganization(m, 'a'), 'a done')),
      transactions.run(async (m) => {
        await insertOrganization(m, 'b');
        throw new Error('b failed after writing');
      }),
      transactions.run(async (m) => (await insertOrganization(m, 'c'), 'c done')),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a done' },
      { status: 'rejected', reason: new Error('b failed after writing') },
      { status: 'fulfilled', value: 'c done' },
    ]);
    expect(await committedNames()).toEqual(['a', 'c']);
  });

  it('should answer a unit only once its writes are committed', async () => {
    const seenAtAnswer = await transactions.run((m) => insertOrganization(m, 'durable')).then(() => committedNames());
    expect(seenAtAnswer).toEqual(['durable']);
  });

  it('should run the next units normally after a failing one', async () => {
    await expect(transactions.run(() => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    await transactions.run((m) => insertOrganization(m, 'after'));
    expect(await committedNames()).toEqual(['after']);
  });

  it('should commit a unit’s writes at commit with it, and roll the unit back when one of them fails', async () => {
    const reader = new Statements(dataSource);
    const append = (m: EntityManager, name: string | null) =>
      reader.writeAtCommit(
        m,
        `INSERT INTO organizations (name, scim_enabled, created_at, updated_at) VALUES (?, 0, ${NOW}, ${NOW})`,
        [name],
      );
    const mysql = db.config.type !== 'sqlite';
    await transactions.run(async (m) => {
      await insertOrganization(m, 'change');
      await append(m, 'its event');
      // On MySQL it waits for the COMMIT's round trip; SQLite has no round trips and runs it at once.
      const seen = (await m.query('SELECT name FROM organizations ORDER BY name')).map((r: { name: string }) => r.name);
      expect(seen).toEqual(mysql ? ['change'] : ['change', 'its event']);
    });
    expect(await committedNames()).toEqual(['change', 'its event']);

    // The write at commit fails (NOT NULL), on MySQL only when it reaches the server with the COMMIT.
    const failed = transactions.run(async (m) => {
      await insertOrganization(m, 'lost change');
      await append(m, null);
      return 'said done';
    });
    await expect(failed).rejects.toThrow(/null/i);
    expect(await committedNames()).toEqual(['change', 'its event']);

    // Outside a transaction a write at commit runs at once; the connection serves the next units.
    await append(dataSource.manager, 'alone');
    await transactions.run((m) => insertOrganization(m, 'next'));
    expect(await committedNames()).toEqual(['alone', 'change', 'its event', 'next']);
  });

  if (process.env.DATABASE_URL?.startsWith('mysql')) return;

  it('should commit units queued together in one transaction (SQLite group commit)', async () => {
    let committedWhileInBatch: string[] = [];
    await Promise.all([
      transactions.run((m) => insertOrganization(m, 'first')),
      transactions.run(async (m) => {
        await insertOrganization(m, 'second');
        // 'first' ran before this unit but is not committed yet: the two share one transaction.
        committedWhileInBatch = await committedNames();
        expect((await m.query('SELECT name FROM organizations ORDER BY name')).map((r: { name: string }) => r.name)).toEqual([
          'first',
          'second',
        ]);
      }),
    ]);
    expect(committedWhileInBatch).toEqual([]);
    expect(await committedNames()).toEqual(['first', 'second']);
  });

  it('should fail every unit of a batch whose COMMIT fails, keep none of it, and recover', async () => {
    const results = await Promise.allSettled([
      transactions.run((m) => insertOrganization(m, 'innocent')),
      transactions.run(async (m) => {
        // A deferred foreign-key violation surfaces only at COMMIT.
        await m.query('PRAGMA defer_foreign_keys = ON');
        await m.query(
          `INSERT INTO roles (organization_id, name, name_lower, predefined, created_at, updated_at) VALUES (424242, 'x', 'x', 0, ${NOW}, ${NOW})`,
        );
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(await committedNames()).toEqual([]);
    await transactions.run((m) => insertOrganization(m, 'recovered'));
    expect(await committedNames()).toEqual(['recovered']);
  });
});
