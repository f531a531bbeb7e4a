import type { Driver } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** A raw SQLite DATETIME(3) as TypeORM writes it in UTC: `2026-11-28 18:50:52.462`. */
const SQLITE_DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;

/**
 * Turns raw driver rows, arrays of column values in the order of `columns`
 * (Statements.rows), into entity objects with the values TypeORM's own hydration
 * gives (`driver.prepareHydratedValue`), at a fraction of the cost on the hot
 * paths: the conversion of each column is chosen once, strings and integers
 * pass through, and SQLite's DATETIME strings take a direct parse instead of
 * two regular expressions per value. Any column this does not know goes
 * through the driver, so the result never differs (test/row-hydration.e2e-spec.ts).
 */
export class RowHydrator<T extends object> {
  private readonly plan: Array<{ property: string; convert: ((value: unknown) => unknown) | null }>;

  constructor(
    private readonly create: () => T,
    columns: ColumnMetadata[],
    driver: Driver,
  ) {
    this.plan = columns.map((column) => ({
      property: column.propertyName,
      convert: converter(column, driver),
    }));
  }

  hydrate(row: readonly unknown[]): T {
    const target = this.create() as Record<string, unknown>;
    const plan = this.plan;
    for (let i = 0; i < plan.length; i++) {
      const { property, convert } = plan[i];
      const value = row[i];
      target[property] = convert === null || value === null || value === undefined ? value : convert(value);
    }
    return target as T;
  }
}

function converter(column: ColumnMetadata, driver: Driver): ((value: unknown) => unknown) | null {
  const viaDriver = (value: unknown) => driver.prepareHydratedValue(value, column);
  if (column.transformer) return viaDriver;
  switch (column.type) {
    case 'varchar':
    case 'text':
    case 'int':
    case 'integer':
      return null;
    case 'boolean':
      return (value) => (value ? true : false);
    case 'datetime':
      if (driver.options.type !== 'better-sqlite3') return viaDriver;
      return (value) =>
        typeof value === 'string' && SQLITE_DATETIME.test(value)
          ? new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`)
          : viaDriver(value);
    default:
      return viaDriver;
  }
}
