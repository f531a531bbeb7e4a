import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { SearchGate } from './search-gate';
import { SqliteSearchWorker, StatementTimeoutError } from './sqlite-search-worker';
import { Statements } from './statements';

/** The default time limit of a search statement (SCIM_SEARCH_TIMEOUT_MS). */
export const DEFAULT_SEARCH_TIMEOUT_MS = 2000;

/**
 * SELECTs that may be expensive (a SCIM search: any filter, sort and page a client sends), one
 * runner for the process (DatabaseModule), always outside a transaction and with a time limit
 * (SCIM_SEARCH_TIMEOUT_MS). On SQLite they run on a worker thread with its own read-only
 * connection, never on the event loop, taken in turns by fairness key (an organization:
 * SqliteSearchWorker); on MySQL/MariaDB the server stops them at the limit (`max_statement_time` /
 * `MAX_EXECUTION_TIME`), and a SearchGate lets costly ones hold at most half the pool, half of that
 * per organization. Past the limit: StatementTimeoutError.
 */
@Injectable()
export class SearchRunner implements OnModuleDestroy {
  private readonly worker?: SqliteSearchWorker;
  private readonly gate?: SearchGate;
  /** How a SELECT is given its time limit on MySQL/MariaDB, or undefined on SQLite. */
  private readonly limited?: (sql: string) => string;
  private readonly timeoutMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.timeoutMs = config?.scim.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS;
    const type = dataSource.options.type;
    if (type === 'better-sqlite3') {
      const file = String(dataSource.options.database);
      if (file !== ':memory:' && file !== '') this.worker = new SqliteSearchWorker(file, this.timeoutMs);
      return;
    }
    // Half the pool at most for costly searches, two of those per organization: the rest of the pool always
    // serves single reads, writes and the other organizations, however many searches one of them sends.
    const pool = Number((dataSource.options as { poolSize?: number }).poolSize ?? 10);
    const total = Math.max(1, Math.ceil(pool / 2));
    this.gate = new SearchGate(total, Math.max(1, Math.floor(total / 2)));
    const seconds = this.timeoutMs / 1000;
    if (type === 'mariadb') this.limited = (sql) => `SET STATEMENT max_statement_time=${seconds} FOR ${sql}`;
    else this.limited = (sql) => sql.replace(/^SELECT /, `SELECT /*+ MAX_EXECUTION_TIME(${this.timeoutMs}) */ `);
  }

  /**
   * A search's rows, as arrays (Statements.rows). `cheap`: the caller knows the statement is bounded
   * (an index narrows it): on SQLite it then runs on the main connection, saving the worker's round
   * trip, and on MySQL it skips the gate.
   */
  async search(sql: string, params: unknown[], fairnessKey: string, cheap = false): Promise<unknown[][]> {
    if (this.worker && !cheap) {
      this.dataSource.logger.logQuery(sql, params);
      try {
        return await this.worker.rows(sql, params, fairnessKey);
      } catch (error) {
        if (error instanceof StatementTimeoutError) throw error;
        throw new QueryFailedError(sql, params, error as Error);
      }
    }
    const statement = this.limited ? this.limited(sql) : sql;
    const manager = this.dataSource.manager;
    try {
      if (this.gate && !cheap) return await this.gate.run(fairnessKey, () => this.statements.rows(manager, statement, params));
      return await this.statements.rows(manager, statement, params);
    } catch (error) {
      const errno = (error as { driverError?: { errno?: number } }).driverError?.errno;
      // MariaDB ER_STATEMENT_TIMEOUT, MySQL ER_QUERY_TIMEOUT.
      if (errno === 1969 || errno === 3024) throw new StatementTimeoutError(this.timeoutMs);
      throw error;
    }
  }

  /** Stops the search worker (at shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
  }
}
