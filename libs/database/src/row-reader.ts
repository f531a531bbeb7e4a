import type { Database, Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { queueForCommit } from './commit-tail';
import { SearchGate } from './search-gate';
import { SqliteSearchWorker, StatementTimeoutError } from './sqlite-search-worker';

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

/** The default time limit of a search statement (SEARCH_TIMEOUT_MS). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 2000;

/** A mysql2 pool or pooled connection, callback API (what TypeORM's MySQL driver holds). */
interface MysqlQueryable {
  query(
    options: { sql: string; values: unknown[]; rowsAsArray?: true },
    callback: (error: Error | null, rows: unknown) => void,
  ): void;
}

/**
 * The search worker (SQLite) or search gate (MySQL) of a data source, by time limit: every RowReader of
 * the data source shares them, so that searches of users and of groups queue on one worker thread and
 * hold at most half the pool together, however many repositories search.
 */
const searchParts = new WeakMap<DataSource, Map<number, { worker?: SqliteSearchWorker; gate?: SearchGate }>>();

/** Prepared SQLite statements kept, oldest dropped first (page queries carry LIMIT/OFFSET literals). */
const STATEMENT_CACHE_SIZE = 200;

/**
 * SELECTs whose rows come back as arrays of column values, in the order of
 * the SELECT list, straight from the driver: better-sqlite3 in raw mode,
 * mysql2 with `rowsAsArray`. Building an object per row costs more than the
 * query itself on the SCIM hot paths (a 32-column user row: 16 µs as an
 * object, 11 µs as an array; a page of 100: 1 ms vs 0.5 ms).
 *
 * Inside a transaction (`manager.queryRunner` set) the statement runs on the
 * transaction's connection, so it sees the transaction's writes and takes its
 * locks; otherwise on the pool (MySQL) or the one connection (SQLite). Values
 * are the driver's own, as TypeORM's `query()` would get them; statements go
 * to TypeORM's query log and errors are TypeORM's QueryFailedError, as with `query()`.
 */
export class RowReader {
  private readonly sqlite: boolean;
  private readonly statements = new Map<string, Statement>();
  private readonly writes = new Map<string, Statement>();
  private readonly searchWorker?: SqliteSearchWorker;
  private readonly gate?: SearchGate;
  /** How a SELECT is given its time limit on MySQL/MariaDB, or undefined on SQLite. */
  private readonly limited?: (sql: string) => string;

  /** `searchTimeoutMs`: the time limit of `search` statements (DEFAULT_SEARCH_TIMEOUT_MS). */
  constructor(
    private readonly dataSource: DataSource,
    private readonly searchTimeoutMs = DEFAULT_SEARCH_TIMEOUT_MS,
  ) {
    const type = dataSource.options.type;
    this.sqlite = type === 'better-sqlite3';
    const byTimeout = searchParts.get(dataSource) ?? new Map<number, { worker?: SqliteSearchWorker; gate?: SearchGate }>();
    searchParts.set(dataSource, byTimeout);
    let parts = byTimeout.get(searchTimeoutMs);
    if (!parts) {
      parts = {};
      const file = this.sqlite ? String(dataSource.options.database) : '';
      if (this.sqlite && file !== ':memory:' && file !== '') parts.worker = new SqliteSearchWorker(file, searchTimeoutMs);
      if (!this.sqlite) {
        // Half the pool at most for costly searches, two of those per organization: the rest of the pool always
        // serves single reads, writes and the other organizations, however many searches one of them sends.
        const pool = Number((dataSource.options as { poolSize?: number }).poolSize ?? 10);
        const total = Math.max(1, Math.ceil(pool / 2));
        parts.gate = new SearchGate(total, Math.max(1, Math.floor(total / 2)));
      }
      byTimeout.set(searchTimeoutMs, parts);
    }
    this.searchWorker = parts.worker;
    this.gate = parts.gate;
    if (type === 'mariadb') this.limited = (sql) => `SET STATEMENT max_statement_time=${searchTimeoutMs / 1000} FOR ${sql}`;
    else if (type === 'mysql')
      this.limited = (sql) => sql.replace(/^SELECT /, `SELECT /*+ MAX_EXECUTION_TIME(${searchTimeoutMs}) */ `);
  }

  /**
   * A SELECT that may be expensive (a SCIM search: any filter, sort and page a client sends), with
   * a time limit, outside any transaction. On SQLite it runs on a worker thread, never on the event
   * loop, taken in turns by `fairnessKey` (SqliteSearchWorker); on MySQL/MariaDB the server stops
   * it at the limit (`max_statement_time` / `MAX_EXECUTION_TIME`), and a SearchGate keeps costly ones from
   * taking the whole pool. Past the limit it fails with
   * StatementTimeoutError. `cheap`: the caller knows the statement is bounded (an index narrows it):
   * on SQLite it then runs on the main connection, saving the worker's round trip.
   */
  async search(sql: string, params: unknown[], fairnessKey: string, cheap = false): Promise<unknown[][]> {
    // A statement the caller knows to be cheap (an index narrows it) is not worth a trip to the worker.
    if (this.searchWorker && !cheap) {
      this.dataSource.logger.logQuery(sql, params);
      try {
        return await this.searchWorker.rows(sql, params, fairnessKey);
      } catch (error) {
        if (error instanceof StatementTimeoutError) throw error;
        throw new QueryFailedError(sql, params, error as Error);
      }
    }
    const statement = this.limited ? this.limited(sql) : sql;
    try {
      if (this.gate && !cheap)
        return await this.gate.run(fairnessKey, () => this.rows(this.dataSource.manager, statement, params));
      return await this.rows(this.dataSource.manager, statement, params);
    } catch (error) {
      const errno = (error as { driverError?: { errno?: number } }).driverError?.errno;
      // MariaDB ER_STATEMENT_TIMEOUT, MySQL ER_QUERY_TIMEOUT.
      if (errno === 1969 || errno === 3024) throw new StatementTimeoutError(this.searchTimeoutMs);
      throw error;
    }
  }

  /** Stops the search worker (at shutdown; shared: the first call stops it, a later search would start it again). */
  async close(): Promise<void> {
    await this.searchWorker?.close();
  }

  rows(manager: EntityManager, sql: string, params: unknown[]): Promise<unknown[][]> {
    // Logged as TypeORM logs its own statements (DATABASE_LOG_QUERIES), so that every statement shows there.
    this.dataSource.logger.logQuery(sql, params);
    try {
      if (this.sqlite) return Promise.resolve(this.prepared(this.statements, sql, true).all(...params) as unknown[][]);
    } catch (error) {
      return Promise.reject(new QueryFailedError(sql, params, error as Error));
    }
    return new Promise((resolve, reject) =>
      this.mysqlConnection(manager).query({ sql, values: params, rowsAsArray: true }, (error, rows) =>
        error ? reject(new QueryFailedError(sql, params, error)) : resolve(rows as unknown[][]),
      ),
    );
  }

  /**
   * An INSERT, UPDATE or DELETE on a hot path, on the transaction's connection when there is one:
   * on SQLite through a kept prepared statement (TypeORM's query() costs more than a small insert).
   */
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

  /** SQLite: a kept prepared statement (rows as arrays for reads), at most STATEMENT_CACHE_SIZE per kind. */
  private prepared(kept: Map<string, Statement>, sql: string, raw: boolean): Statement {
    let statement = kept.get(sql);
    if (!statement) {
      const database = sqliteConnection(this.dataSource);
      statement = raw ? database.prepare(sql).raw(true) : database.prepare(sql);
      kept.set(sql, statement);
      if (kept.size > STATEMENT_CACHE_SIZE) kept.delete(kept.keys().next().value!);
    }
    return statement;
  }
}
