import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig } from '@app/config';
import type { DataSourceOptions, MixedList } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { MYSQL_MIGRATIONS } from './migrations/mysql';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';

interface SqliteHandle {
  pragma(source: string): unknown;
  function(name: string, options: { deterministic: boolean }, fn: (value: unknown) => unknown): unknown;
}

/**
 * The one source of TypeORM options, used by the server, the CLI, ormconfig.ts
 * and the tests. `synchronize` is never on: the schema comes from the
 * migrations of each dialect (see docs/architecture.md).
 */
export async function dataSourceOptions(
  database: DatabaseConfig,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string>,
): Promise<DataSourceOptions> {
  const common = {
    entities,
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    // Failed statements are not logged by default: they carry user data (emails) and every expected
    // conflict (a 409) would print one. The error itself reaches the caller, and a 500 is logged there.
    logging: database.logQueries ? ('all' as const) : false,
  };
  if (database.type === 'sqlite') {
    if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      migrations: SQLITE_MIGRATIONS,
      // WAL lets readers proceed while one writer commits; NORMAL sync is safe in WAL mode.
      enableWAL: true,
      prepareDatabase: (db: SqliteHandle) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
        // 16 MiB of page cache rather than 2: the B-trees' inner pages of a million-user organization stay
        // in memory (a userName lookup 53 → 45 µs at a million users; no change at 10,000; docs/performance.md).
        db.pragma('cache_size = -16384');
        db.pragma('foreign_keys = ON');
        // Temporary files in memory: above all the sub-journal of the savepoint each unit of a group commit
        // runs in (TransactionRunner), which holds the first copy of every page a unit changes. SQLite keeps
        // it in memory only up to 64 KiB, then in a temporary file on disk; a SCIM deletion or deactivation,
        // which also writes its safety-net record, went past that, and every unit of the group then wrote
        // its pages to that file: +54% CPU per SCIM deletion, +25% per deactivation. In memory: −5% and
        // +15% against the build before the safety net (docs/performance.md). The searches that may sort
        // a large result run on the search worker's own connection, which this does not change.
        db.pragma('temp_store = MEMORY');
        // SQLite's LOWER() folds ASCII only; MySQL's folds all of Unicode. This makes SQLite agree,
        // so case-insensitive SCIM filters behave the same on both engines.
        db.function('lower', { deterministic: true }, (value: unknown) =>
          typeof value === 'string' ? value.toLowerCase() : value,
        );
      },
    };
  }
  return {
    ...common,
    // TypeORM reads MariaDB's catalog differently (e.g. nullable defaults), so it must know which one it talks to.
    type: await mysqlFlavor(database.url),
    url: database.url,
    migrations: MYSQL_MIGRATIONS,
    // Dates are stored and read as UTC whatever the server's time zone.
    timezone: 'Z',
    charset: 'utf8mb4_bin',
    poolSize: database.poolSize,
    extra: { connectionLimit: database.poolSize, enableKeepAlive: true },
    // A transaction's audit events go with its COMMIT in one query (commit-tail.ts). Every value is a
    // parameter, escaped by mysql2; no statement is built from a request's text.
    multipleStatements: true,
  };
}

/** 'mariadb' or 'mysql', asked of the server itself so that one mysql:// URL works for both. */
async function mysqlFlavor(url: string): Promise<'mysql' | 'mariadb'> {
  // Loaded only for MySQL, so the embedded SQLite mode does not carry the driver in memory.
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: url, connectTimeout: 10_000 });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test(String((rows as Array<{ version: string }>)[0]?.version)) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}
