import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSearchWorker, StatementTimeoutError } from './sqlite-search-worker';

describe('SqliteSearchWorker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'search-worker-'));
  const path = join(dir, 'db.sqlite');

  beforeAll(() => {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
    db.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("should start a statement's time limit when the worker is ready, not while it starts", async () => {
    // Starting a worker (loading the driver, opening the file) takes longer than 5 ms; a cheap statement does not.
    const worker = new SqliteSearchWorker(path, 5);
    try {
      await expect(worker.rows('SELECT 1', [], 'a')).resolves.toEqual([[1]]);
    } finally {
      await worker.close();
    }
  });

  it('should stop a statement that runs past the limit, and answer the next one on a fresh worker', async () => {
    const worker = new SqliteSearchWorker(path, 50);
    try {
      await worker.rows('SELECT 1', [], 'a');
      // A few hundred milliseconds of counting (a terminated worker's native call still runs to its end, so not endless).
      const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT COUNT(*) FROM c';
      await expect(worker.rows(slow, [], 'a')).rejects.toBeInstanceOf(StatementTimeoutError);
      await expect(worker.rows('SELECT 2', [], 'b')).resolves.toEqual([[2]]);
    } finally {
      await worker.close();
    }
  });
});
