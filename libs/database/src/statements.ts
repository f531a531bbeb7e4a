import { Injectable } from '@nestjs/common';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { BoundedMap } from './bounded-map';
import { queueForCommit, queueReadAfterCommit } from './commit-tail';

/**
 * Ids per `IN (…)` list of a read by ids (a page's values, its users' groups). At 200 values and more,
 * MySQL and MariaDB stop looking into the index for an IN list (eq_range_index_dive_limit) and plan from
 * statistics: a page of 200 users' values took 15–17 ms in one statement on MariaDB, 2 × 0.8 ms in two.
 */
export const IDS_PER_LOOKUP = 100;

/** The rows `read` gives for these ids, IDS_PER_LOOKUP ids a statement; `read` gets a chunk and its `?, ?, …`. */
export async function readByIds<T>(
  ids: readonly number[],
  read: (chunk: number[], placeholders: string) => Promise<T[]>,
): Promise<T[]> {
  const rows: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_LOOKUP) {
    const chunk = ids.slice(i, i + IDS_PER_LOOKUP);
    rows.push(...(await read(chunk, chunk.map(() => '?').join(', '))));
  }
  return rows;
}

/** better-sqlite3's connection under TypeORM's driver (one per process), for kept statements and pragmas. */
export function sqliteConnection(dataSource: DataSource): Database {
  return (dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
}

/** A mysql2 pool or pooled connection, callback API (what TypeORM's MySQL driver holds). */
export interface MysqlQueryable {
  query(
    options: { sql: string; values: unknown[]; rowsAsArray?: true },
    callback: (error: Error | null, rows: unknown) => void,
  ): void;
}

/**
 * Prepared SQLite statements kept per kind (reads, writes), the least recently used dropped first. No
 * statement text carries an id or a value (they are `?` parameters), but some carry a count: a page's
 * LIMIT/OFFSET literals, an `IN (…)` list's or a multi-row VALUES' length, and a SCIM filter's shape.
 * The hot paths use a few dozen texts; 500 keeps them all while a client's odd filters come and go.
 */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The repositories' hot-path statements, one instance for the process (DatabaseModule). SELECTs
 * whose rows come back as arrays of column values, in the order of the SELECT list, straight from
 * the driver (better-sqlite3 in raw mode, mysql2 with `rowsAsArray`): building an object per row
 * costs more than the query itself on the SCIM hot paths (a 32-column user row: 16 µs as an object,
 * 11 µs as an array; a page of 100: 1 ms vs 0.5 ms); RowHydrator turns them into entities. Writes on
 * SQLite through kept prepared statements (TypeORM's query() costs more than a small insert).
 *
 * Inside a transaction (`manager.queryRunner` set) a statement runs on the transaction's connection,
 * so it sees the transaction's writes and takes its locks; otherwise on the pool (MySQL) or the one
 * connection (SQLite). Values are the driver's own, as TypeORM's `query()` would get them; statements
 * go to TypeORM's query log and errors are TypeORM's QueryFailedError, as with `query()`.
 */
@Injectable()
export class Statements {
  private readonly sqlite: boolean;
  private readonly reads = new BoundedMap<string, Statement>({ maxEntries: STATEMENT_CACHE_SIZE });
  private readonly writes = new BoundedMap<string, Statement>({ maxEntries: STATEMENT_CACHE_SIZE });

  constructor(private readonly dataSource: DataSource) {
    this.sqlite = dataSource.options.type === 'better-sqlite3';
  }

  rows(manager: EntityManager, sql: string, params: unknown[]): Promise<unknown[][]> {
    // Logged as TypeORM logs its own statements (DATABASE_LOG_QUERIES), so that every statement shows there.
    this.dataSource.logger.logQuery(sql, params);
    try {
      if (this.sqlite) return Promise.resolve(this.prepared(this.reads, sql, true).all(...params) as unknown[][]);
    } catch (error) {
      return Promise.reject(new QueryFailedError(sql, params, error as Error));
    }
    return new Promise((resolve, reject) =>
      this.mysqlConnection(manager).query({ sql, values: params, rowsAsArray: true }, (error, rows) =>
        error ? reject(new QueryFailedError(sql, params, error)) : resolve(rows as unknown[][]),
      ),
    );
  }

  /** An INSERT, UPDATE or DELETE on a hot path, on the transaction's connection when there is one. */
  async write(manager: EntityManager, sql: string, params: unknown[]): Promise<void> {
    await this.run(manager, sql, params);
  }

  /**
   * A write whose outcome nothing later in the transaction reads (an audit event, a count's delta, the
   * UPDATE of a row the transaction holds locked and is done with): like `write`, except that in a
   * TransactionRunner transaction on MySQL/MariaDB it is sent with the COMMIT, saving its round trip
   * (commit-tail.ts). Its failure then fails the COMMIT, and the transaction rolls back.
   */
  async writeAtCommit(manager: EntityManager, sql: string, params: unknown[]): Promise<void> {
    if (!this.sqlite && queueForCommit(manager.queryRunner, { sql, params })) return;
    await this.run(manager, sql, params);
  }

  /**
   * A read of what a transaction's COMMIT left: in a TransactionRunner transaction on MySQL/MariaDB it is
   * sent right after the COMMIT, in the same round trip (seeing that commit and every one before it),
   * and the promise settles then, so only work queued for after the commit may wait for it (it never
   * settles if the transaction rolls back). Elsewhere it runs now, like `rows`.
   */
  readAfterCommit(manager: EntityManager, sql: string, params: unknown[]): Promise<unknown[][]> {
    if (!this.sqlite) {
      let deliver!: (rows: unknown[][]) => void;
      const rows = new Promise<unknown[][]>((resolve) => (deliver = resolve));
      if (queueReadAfterCommit(manager.queryRunner, { sql, params, deliver })) {
        this.dataSource.logger.logQuery(sql, params);
        return rows;
      }
    }
    return this.rows(manager, sql, params);
  }

  /** An INSERT of one row, the same way as `write`; its generated id. */
  async insert(manager: EntityManager, sql: string, params: unknown[]): Promise<number> {
    return Number(await this.run(manager, sql, params));
  }

  /** A write statement; SQLite's lastInsertRowid or MySQL's insertId. */
  private run(manager: EntityManager, sql: string, params: unknown[]): Promise<number | bigint> {
    this.dataSource.logger.logQuery(sql, params);
    try {
      if (this.sqlite) return Promise.resolve(this.prepared(this.writes, sql, false).run(...params).lastInsertRowid);
    } catch (error) {
      return Promise.reject(new QueryFailedError(sql, params, error as Error));
    }
    return new Promise((resolve, reject) =>
      this.mysqlConnection(manager).query({ sql, values: params }, (error, result) =>
        error ? reject(new QueryFailedError(sql, params, error)) : resolve((result as { insertId: number }).insertId),
      ),
    );
  }

  /** MySQL: the transaction's connection when there is one, else the pool. */
  private mysqlConnection(manager: EntityManager): MysqlQueryable {
    const runner = manager.queryRunner;
    return runner?.isTransactionActive
      ? (runner as unknown as { databaseConnection: MysqlQueryable }).databaseConnection
      : (this.dataSource.driver as unknown as { pool: MysqlQueryable }).pool;
  }

  /** Prepared statements kept now, per kind (read-only, for the bounds' tests). */
  get kept(): { reads: number; writes: number } {
    return { reads: this.reads.size, writes: this.writes.size };
  }

  /** SQLite: a kept prepared statement (rows as arrays for reads), at most STATEMENT_CACHE_SIZE per kind. */
  private prepared(kept: BoundedMap<string, Statement>, sql: string, raw: boolean): Statement {
    let statement = kept.get(sql);
    if (!statement) {
      const database = sqliteConnection(this.dataSource);
      statement = raw ? database.prepare(sql).raw(true) : database.prepare(sql);
      kept.set(sql, statement);
    }
    return statement;
  }
}
