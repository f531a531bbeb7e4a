import type { DataSource, Migration } from 'typeorm';

const MYSQL_LOCK = 'torii_migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Runs pending migrations. On MySQL several instances may start at once against
 * one database, and MySQL DDL is not transactional, so a named lock lets one
 * instance migrate while the others wait and then find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') {
    return dataSource.runMigrations({ transaction: 'all' });
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [MYSQL_LOCK, LOCK_WAIT_SECONDS])) as Array<{
      acquired: number | string | null;
    }>;
    if (Number(row?.acquired) !== 1) {
      throw new Error(`Another instance has been migrating the database for over ${LOCK_WAIT_SECONDS} s; try again later.`);
    }
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [MYSQL_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
