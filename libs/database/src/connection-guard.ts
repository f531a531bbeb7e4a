import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';

type ConnectionCallback = (error: Error | null, connection?: unknown) => void;

/** The mysql2 pool under TypeORM's MySQL driver: every statement outside a transaction, and every transaction, starts here. */
interface MysqlPool {
  getConnection(callback: ConnectionCallback): void;
}

/**
 * Thrown, and given to the pool's caller, when code that holds a transaction asks the pool for another
 * connection. Under load that wait is a stall: the transaction keeps its row locks while it waits, the
 * connections it would get are held by transactions waiting for those locks, and every organization
 * waits with them until the lock-wait timeout (50 s on MariaDB).
 */
export class NestedConnectionError extends Error {
  constructor() {
    super(
      'A statement asked the connection pool for a second connection while its transaction holds one; inside a transaction every statement must go through the transaction\u2019s EntityManager.',
    );
    this.name = 'NestedConnectionError';
  }
}

/** A transaction's connection, while it is held. */
interface Holder {
  open: boolean;
}

/**
 * The guard against a second connection taken by a transaction (MySQL/MariaDB; SQLite has one
 * connection). TransactionRunner runs each transaction's work inside `holding`; the pool's
 * `getConnection` (behind TypeORM's query runners, `DataSource.query` and Statements' pool reads
 * alike) refuses with NestedConnectionError when called from inside that work.
 *
 * It follows the work through promises with an AsyncLocalStorage, which on Node 20 turns on promise
 * hooks for the whole process and halves its throughput (docs/performance.md): it is on in the test
 * suites (DATABASE_GUARD_NESTED_CONNECTIONS) and off by default in production, where the suites have
 * already walked every path with it on.
 */
export class ConnectionGuard {
  private readonly holders = new AsyncLocalStorage<Holder>();

  /** Installs the guard on the data source's pool; undefined on SQLite. */
  static install(dataSource: DataSource): ConnectionGuard | undefined {
    const pool = (dataSource.driver as unknown as { pool?: MysqlPool }).pool;
    if (!pool) return undefined;
    const guard = new ConnectionGuard();
    const getConnection = pool.getConnection.bind(pool);
    pool.getConnection = (callback: ConnectionCallback) => {
      if (guard.holders.getStore()?.open) {
        const error = new NestedConnectionError();
        process.nextTick(() => callback(error));
        return;
      }
      getConnection(callback);
    };
    return guard;
  }

  /** Runs a transaction's work; until it settles, no code it starts may take a pooled connection. */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    const holder: Holder = { open: true };
    try {
      return await this.holders.run(holder, work);
    } finally {
      // Work it started and left running (a callback after the COMMIT) is free to use the pool.
      holder.open = false;
    }
  }
}
