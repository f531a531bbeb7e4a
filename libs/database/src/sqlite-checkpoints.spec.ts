import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SqliteCheckpoints } from './sqlite-checkpoints';

describe('SqliteCheckpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Rows of `t` in the database file itself, the WAL left out: a copy of the file alone is read. */
  const rowsInFile = (path: string) => {
    const copy = `${path}.copy`;
    copyFileSync(path, copy);
    const file = new Database(copy);
    try {
      return (file.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    } finally {
      file.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
    }
  };

  const open = async (name: string) => {
    const path = join(dir, name);
    const dataSource = new DataSource({ type: 'better-sqlite3', database: path, enableWAL: true });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (n INTEGER, pad TEXT)');
    await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    return { path, dataSource };
  };

  /** 2,000 commits of a row each: about 4,000 WAL pages, more than SQLite's own 1,000-page threshold. */
  const write = async (dataSource: DataSource) => {
    for (let i = 0; i < 2000; i++) await dataSource.query('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(100)]);
  };

  it('should copy the commits into the database file from its own thread, and hand back on shutdown', async () => {
    const { path, dataSource } = await open('with.sqlite');
    const checkpoints = new SqliteCheckpoints(dataSource);
    checkpoints.onApplicationBootstrap();
    try {
      // While it runs, the main connection leaves checkpoints to it (up to 10,000 pages).
      expect(await dataSource.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 10000 }]);
      await write(dataSource);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(rowsInFile(path)).toBe(2000);
    } finally {
      await checkpoints.onApplicationShutdown();
    }
    expect(await dataSource.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    await dataSource.destroy();
  });

  it('should leave the last commits in the WAL without it (the control: the file alone does not have them)', async () => {
    const { path, dataSource } = await open('without.sqlite');
    await dataSource.query('PRAGMA wal_autocheckpoint = 10000');
    await write(dataSource);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rowsInFile(path)).toBe(0);
    await dataSource.destroy();
  });

  it('should do nothing for an in-memory database', async () => {
    const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await dataSource.initialize();
    const checkpoints = new SqliteCheckpoints(dataSource);
    checkpoints.onApplicationBootstrap();
    await checkpoints.onApplicationShutdown();
    expect(await dataSource.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 1000 }]);
    await dataSource.destroy();
  });
});
