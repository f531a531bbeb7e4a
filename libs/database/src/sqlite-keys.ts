import type { DataSource } from 'typeorm';

/**
 * A `bigint` generated primary key as SQLite can have it. Every SQLite integer is 64-bit, but only a
 * column declared exactly `INTEGER PRIMARY KEY` is the rowid and can autoincrement: TypeORM writes
 * an entity's `@PrimaryGeneratedColumn({ type: 'bigint' })` (BIGINT on MySQL/MariaDB, where INT
 * would run out) as `bigint PRIMARY KEY AUTOINCREMENT`, which SQLite refuses. The SQLite
 * migrations write `integer` instead, and a DataSource passed through this compares (schema
 * check) and generates (migration:generate) those keys as `integer`, so neither sees a difference
 * that is not one. Nothing else reads the type: the repositories write SQL.
 */
export function withSqliteIntegerKeys(dataSource: DataSource): DataSource {
  if (dataSource.options.type !== 'better-sqlite3') return dataSource;
  const initialize = dataSource.initialize.bind(dataSource);
  dataSource.initialize = async () => {
    await initialize();
    for (const entity of dataSource.entityMetadatas) {
      for (const column of entity.primaryColumns) {
        if (column.isGenerated && column.generationStrategy === 'increment' && column.type === 'bigint') column.type = 'integer';
      }
    }
    return dataSource;
  };
  return dataSource;
}
