import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { sqliteConnection } from './statements';

/** How often the checkpointer copies the WAL's new pages into the database file. */
const INTERVAL_MS = 200;
/**
 * The main connection's own checkpoint threshold while the checkpointer runs: it checkpoints only if
 * the WAL grows past this many pages (40 MB), i.e. if the checkpointer stopped or cannot keep up.
 * SQLite's default (1,000 pages) applies otherwise.
 */
const FALLBACK_PAGES = 10_000;
const DEFAULT_PAGES = 1_000;

/**
 * The checkpointer thread: its own read-write connection to the file, which copies the WAL into the
 * database file every INTERVAL_MS (PASSIVE: it never waits for, nor blocks, the writer or the readers).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
// It reads the WAL and writes the database file; it needs no page cache of its own.
db.pragma('cache_size = 16');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * SQLite's WAL checkpoints, off the event loop. A commit appends the pages it changed to the WAL; a
 * checkpoint copies them into the database file and syncs it. By default the connection that
 * commits does that itself, inside the commit that crosses 1,000 pages: measured under POST load,
 * 3% of the commits (those) took 58% of all commit time, up to 10 ms each, while every other request
 * of every organization waited on the event loop. Here a worker thread with its own connection does
 * it, and the main connection only if the WAL grows past FALLBACK_PAGES. Durability is unchanged:
 * a commit is in the WAL as before; a checkpoint only moves it.
 *
 * File databases only (not `:memory:`); MySQL/MariaDB have nothing of the kind to do here.
 */
@Injectable()
export class SqliteCheckpoints implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private worker?: Worker;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    const { type, database } = this.dataSource.options;
    if (type !== 'better-sqlite3' || !database || database === ':memory:') return;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), path: String(database), intervalMs: INTERVAL_MS },
    });
    worker.on('error', (error) => {
      // The main connection checkpoints by itself again, as SQLite does by default.
      this.logger.warn({ err: error }, 'The SQLite checkpointer stopped; the main connection checkpoints by itself');
      if (this.worker === worker) this.stopped();
    });
    worker.unref();
    this.worker = worker;
    sqliteConnection(this.dataSource).pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopped();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Referenced again: an unreferenced worker's exit would not keep the process alive to see it.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }

  private stopped(): void {
    this.worker = undefined;
    if (this.dataSource.isInitialized) sqliteConnection(this.dataSource).pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  }
}
