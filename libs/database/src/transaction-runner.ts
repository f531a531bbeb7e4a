import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { closeTail, hasTail, openTail, queueAfterCommit, takeAfterCommit, takeReadAfterCommit, takeTail } from './commit-tail';
import { ConnectionGuard } from './connection-guard';
import { LockFirst } from './lock-order';
import { sqliteConnection } from './statements';
import { SearchGate } from './search-gate';

const SAVEPOINT_SQL = ['SAVEPOINT unit', 'RELEASE unit', 'ROLLBACK TO unit'] as const;
type SavepointSql = (typeof SAVEPOINT_SQL)[number];

type Work<T> = (manager: EntityManager) => Promise<T>;

/** What a transaction is for. */
export interface TransactionOptions {
  /**
   * The organization whose data the transaction changes. On MySQL/MariaDB transactions leave one
   * connection of the pool free for reads, and wait for the others without a connection, let in by
   * turns of organization: however many requests one identity provider sends at once, and however
   * long they wait for each other's row locks, the other organizations' transactions get their turn
   * and reads always find a connection.
   */
  organizationId?: number;
}

/** A committed transaction's result, and the work queued for after its commit (TransactionRunner.afterCommit). */
interface Committed<T> {
  value: T;
  after: Array<() => Promise<void>>;
}

interface Unit {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs a unit of work in one database transaction.
 *
 * On MySQL/MariaDB each unit gets its own pooled connection and transaction;
 * the database arbitrates with row locks and unique indexes.
 *
 * SQLite has one connection per process, so units run one at a time, and a
 * commit costs most of a write (WAL frames for every page touched, plus the
 * checkpoints they lead to). Units that arrive together are therefore
 * committed together (group commit): the units queued during one turn of the
 * event loop run one after another in a single transaction, each inside its
 * own SAVEPOINT. A unit that throws is rolled back to its savepoint and gets
 * its error; the others are unaffected. Every unit learns its outcome only
 * after the COMMIT: nobody is told "saved" before the data is. Should the
 * COMMIT itself fail (disk full, I/O error), every unit of the group gets that
 * error and nothing of the group is kept.
 *
 * A unit's statements all go through the EntityManager it is given (the transaction's connection):
 * on MySQL a unit that asked the pool for a second connection while it holds row locks could wait
 * for connections held by transactions waiting for those locks. With DATABASE_GUARD_NESTED_CONNECTIONS
 * (on in the test suites) such a request fails at once (ConnectionGuard).
 */
@Injectable()
export class TransactionRunner {
  private readonly grouped: boolean;
  private pending: Unit[] = [];
  private kept?: Map<SavepointSql, Statement>;
  private scheduled = false;
  private readonly guard?: ConnectionGuard;
  /** MySQL/MariaDB: each organization's share of the pool (TransactionOptions.organizationId). */
  private readonly organizations?: SearchGate;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.grouped = dataSource.options.type === 'better-sqlite3';
    if (this.grouped) return;
    if (config?.database.type === 'mysql' && config.database.guardNestedConnections)
      this.guard = ConnectionGuard.install(dataSource);
    const pool = Number((dataSource.options as { poolSize?: number }).poolSize ?? 10);
    // One connection is never held by a transaction: a read outside one (a quiet organization's GET) always
    // finds one, however many organizations are busy writing. Transactions wait for the rest in turns of
    // organization, so a busy one never makes another's wait for more than a turn.
    const transactions = Math.max(1, pool - 1);
    this.organizations = new SearchGate(transactions, transactions);
  }

  run<T>(work: Work<T>, options: TransactionOptions = {}): Promise<T> {
    if (!this.grouped) {
      // Work of no organization (the scheduled jobs, onboarding) takes its turns as one more.
      const done = this.organizations
        ? this.organizations.run(String(options.organizationId ?? ''), () => this.alone(work))
        : this.alone(work);
      // What was queued for after the commit runs once the transaction's turn is over: it may run a
      // transaction of its own, and waiting for a turn while holding one stalled every turn at once.
      return done.then(async ({ value, after }) => {
        for (const next of after) await next();
        return value;
      });
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * MySQL/MariaDB: one transaction on a pooled connection, as TypeORM's `transaction()` runs it,
   * except that the writes queued for its COMMIT (Statements.writeAtCommit) go with the COMMIT.
   */
  private async alone<T>(work: Work<T>): Promise<Committed<T>> {
    try {
      return await this.once(work);
    } catch (error) {
      if (!(error instanceof LockFirst)) throw error;
      // The work found it needs a lock that comes before those it took (lock-order.ts): again, that one first.
      return this.once(async (manager) => {
        await error.take(manager);
        return work(manager);
      });
    }
  }

  private async once<T>(work: Work<T>): Promise<Committed<T>> {
    const runner = this.dataSource.createQueryRunner();
    let value: T;
    let after: Array<() => Promise<void>>;
    let connection: MysqlConnection | undefined;
    try {
      connection = await beginWithFirstStatement(runner);
      openTail(runner);
      value = await (this.guard ? this.guard.holding(() => work(runner.manager)) : work(runner.manager));
      await commitWithTail(runner);
      after = takeAfterCommit(runner);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      takeAfterCommit(runner);
      takeReadAfterCommit(runner);
      throw error;
    } finally {
      // A transaction that sent nothing (its work threw first) still has the START TRANSACTION in waiting.
      if (connection) delete connection.query;
      closeTail(runner);
      await runner.release();
    }
    return { value, after };
  }

  /**
   * MySQL/MariaDB: runs `work` once the transaction `manager` belongs to has committed and given its
   * connection back, before its caller hears of the outcome; nothing if it rolls back. `work` handles
   * its own errors (the change is committed). False when there is no such transaction (SQLite, whose
   * transactions run one at a time, or outside TransactionRunner): the caller needs none.
   */
  afterCommit(manager: EntityManager, work: () => Promise<void>): boolean {
    return !this.grouped && queueAfterCommit(manager.queryRunner, work);
  }

  /** Whether `manager`'s transaction sends the writes queued for its COMMIT with it (MySQL/MariaDB, TransactionRunner's). */
  commitsWithTail(manager: EntityManager): boolean {
    return !this.grouped && hasTail(manager.queryRunner);
  }

  /** The next group starts once the requests read in this turn of the event loop have queued their units. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      void this.flush().finally(() => {
        this.scheduled = false;
        if (this.pending.length) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const group = this.pending;
    this.pending = [];
    const runner = this.dataSource.createQueryRunner();
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await runner.startTransaction();
      const savepoint = this.savepoints(runner);
      for (const unit of group) {
        savepoint('SAVEPOINT unit');
        try {
          const value = await unit.work(runner.manager);
          savepoint('RELEASE unit');
          outcomes.push({ ok: true, value });
        } catch (error) {
          savepoint('ROLLBACK TO unit');
          savepoint('RELEASE unit');
          outcomes.push({ ok: false, error });
        }
      }
      await runner.commitTransaction();
    } catch (error) {
      await abandon(runner);
      for (const unit of group) unit.reject(error);
      return;
    } finally {
      await runner.release();
    }
    group.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }

  /**
   * Each unit's savepoint, through kept statements on the connection (TypeORM's nested
   * startTransaction costs more than a small unit's own statements). The unit runs inside it on
   * TypeORM's transaction, depth 1, as before.
   */
  private savepoints(runner: QueryRunner): (sql: SavepointSql) => void {
    if (!this.kept) {
      const database = sqliteConnection(runner.connection);
      const kept = new Map<SavepointSql, Statement>();
      for (const sql of SAVEPOINT_SQL) kept.set(sql, database.prepare(sql));
      this.kept = kept;
    }
    const kept = this.kept;
    return (sql) => {
      runner.connection.logger.logQuery(sql, [], runner);
      kept.get(sql)!.run();
    };
  }
}

/** mysql2's connection under a TypeORM query runner; `query` as an own property only while a START TRANSACTION waits. */
interface MysqlConnection {
  query?: (...args: unknown[]) => unknown;
}

type QueryCallback = (error: Error | null, results?: unknown, fields?: unknown) => void;

/**
 * MySQL/MariaDB: opens the runner's transaction without a round trip of its own. TypeORM's
 * `startTransaction` sends START TRANSACTION alone; here it goes in front of the transaction's first
 * statement, whichever code sends it (Statements or TypeORM), in one multi-statement query whose first
 * result is dropped, so the caller gets what its statement alone would have given. TypeORM is told the
 * transaction is open at once, as `startTransaction` does before it sends anything. Every SCIM write is
 * a transaction of 2 to 3 round trips: this is a third to a half of the round trips it has left
 * (docs/performance.md). The caller removes the waiting wrapper before the connection goes back to the
 * pool, when nothing was sent.
 */
async function beginWithFirstStatement(runner: QueryRunner): Promise<MysqlConnection> {
  const connection = (await runner.connect()) as MysqlConnection;
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = true;
  state.transactionDepth = 1;
  const query = connection.query!;
  connection.query = (options: unknown, ...rest: unknown[]) => {
    delete connection.query;
    const callback = rest[rest.length - 1];
    if (typeof callback !== 'function') {
      // A streamed query (no callback): START TRANSACTION goes first on its own (the connection runs them in turn).
      query.call(connection, 'START TRANSACTION', () => undefined);
      return query.call(connection, options, ...rest);
    }
    const statement = typeof options === 'string' ? { sql: options } : { ...(options as { sql: string }) };
    statement.sql = `START TRANSACTION; ${statement.sql}`;
    return query.call(
      connection,
      statement,
      ...rest.slice(0, -1),
      (error: Error | null, results?: unknown[], fields?: unknown[]) => {
        if (error) return (callback as QueryCallback)(error);
        // One result per statement, START TRANSACTION's first: a single statement's own result alone, or the others'.
        const single = results!.length === 2;
        (callback as QueryCallback)(null, single ? results![1] : results!.slice(1), single ? fields?.[1] : fields?.slice(1));
      },
    );
  };
  return connection;
}

/**
 * The COMMIT, preceded in the same round trip by the writes queued for it and followed by the read
 * queued for after it, if any, which gets its rows before the work queued for after the commit runs. A
 * failing write stops the statements after it, the COMMIT included: the caller rolls back.
 */
async function commitWithTail(runner: QueryRunner): Promise<void> {
  const tail = takeTail(runner);
  const read = takeReadAfterCommit(runner);
  if (!tail.length && !read) return runner.commitTransaction();
  const results = (await runner.query([...tail.map((w) => w.sql), 'COMMIT', ...(read ? [read.sql] : [])].join('; '), [
    ...tail.flatMap((w) => w.params),
    ...(read?.params ?? []),
  ])) as unknown[];
  ended(runner);
  // One result per statement; the read's rows are the last.
  if (read) read.deliver((results[results.length - 1] as Array<Record<string, unknown>>).map((row) => Object.values(row)));
}

/**
 * After a failed group: roll back whatever is left and put TypeORM's view of
 * the connection (active transaction, savepoint depth) back in step with
 * SQLite's, which may already have rolled back on its own (e.g. disk full).
 */
async function abandon(runner: QueryRunner): Promise<void> {
  await runner.query('ROLLBACK').catch(() => undefined);
  ended(runner);
}

/** TypeORM's view of a runner whose transaction ended outside its commit/rollback: none open, depth 0. */
function ended(runner: QueryRunner): void {
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = false;
  state.transactionDepth = 0;
}

/**
 * Whether row locks are needed to serialize concurrent transactions: on MySQL/MariaDB, yes; on
 * SQLite, TransactionRunner already runs them one at a time (and SQLite has no row locks).
 */
export function takesRowLocks(manager: EntityManager): boolean {
  return manager.connection.options.type !== 'better-sqlite3';
}
