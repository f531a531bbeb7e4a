import { Injectable } from '@nestjs/common';
import { RowReader } from '@app/database';
import { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { Role } from './role.entity';
import { INDEXED_VALUE_LENGTH, UserAttributeValue } from './user-attribute-value.entity';
import { RowHydrator } from './row-hydrator';
import type { StoredUser, UserValueRow } from './user-write';
import { User } from './user.entity';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * SQL for the users module's hot paths (every SCIM request): hand-written
 * statements over the entities' own column metadata, so a read is one or two
 * prepared statements and a write touches only what changed. TypeORM's
 * query builder costs more than the query itself here (see docs/performance.md).
 * Values are written through the driver's own conversions and read back by
 * RowHydrator, which gives the same values as TypeORM's hydration, faster.
 */
@Injectable()
export class UsersRepository {
  private readonly userColumns: ColumnMetadata[];
  private readonly userInsertColumns: ColumnMetadata[];
  private readonly valueInsertColumns: ColumnMetadata[];
  private readonly locking: boolean;
  private readonly reader: RowReader;
  private readonly userRows: RowHydrator<User>;
  private readonly valueRows: RowHydrator<UserAttributeValue>;
  /**
   * `SELECT <user columns>, <role name>[, <values as JSON>] FROM users u`. On SQLite a user's multi-valued
   * attributes come with it, as one JSON array of rows (columns in entity order), so a read is one statement.
   * MySQL/MariaDB read a page's values with a second statement (`selectValues`): MariaDB's JSON_ARRAYAGG in a
   * correlated subquery costs ~500 µs, more than the round trip it saves (~190 µs), see docs/performance.md.
   */
  private readonly selectStored: string;
  private readonly inlineValues: boolean;
  /**
   * One user found by a unique key, with its role name and values, in one statement on both engines:
   * SQLite `selectStored`; MySQL the user's columns and role name LEFT JOINed with its value rows, one
   * row per value, in no particular order (an ORDER BY makes MariaDB sort through a temporary table:
   * a third slower than two statements, where without it the join is ~40% faster than them).
   */
  private readonly oneById: string;
  private readonly oneByUserName: string;
  /** Where a joined row (MySQL `oneById`/`oneByUserName`) holds its value's user id: NULL when the user has no values. */
  private readonly joinedValueUserId: number;
  /** Value rows of some users, completed with `(?, ?, …)` and ordered by user, attribute and position. */
  private readonly selectValues: string;
  /** The user row and its role name, completed with a condition, for a locked read on MySQL. */
  private readonly selectUserRow: string;
  private readonly pageStatements = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {
    this.userColumns = dataSource.getMetadata(User).columns;
    this.userInsertColumns = this.userColumns.filter((c) => !c.isGenerated);
    const valueColumns = dataSource.getMetadata(UserAttributeValue).columns;
    this.valueInsertColumns = valueColumns.filter((c) => !c.isGenerated);
    this.reader = new RowReader(dataSource);
    this.userRows = new RowHydrator(() => new User(), this.userColumns, dataSource.driver);
    this.valueRows = new RowHydrator(() => new UserAttributeValue(), valueColumns, dataSource.driver);
    const sqlite = dataSource.options.type === 'better-sqlite3';
    // SQLite transactions are already one at a time (TransactionRunner); MySQL needs row locks.
    this.locking = !sqlite;
    this.inlineValues = sqlite;
    const list = (alias: string, columns: ColumnMetadata[]) =>
      columns.map((c) => `${alias}.${this.quote(c.databaseName)}`).join(', ');
    const values = `(SELECT json_group_array(json_array(${list('v', valueColumns)})) FROM user_attribute_values v WHERE v.user_id = u.id)`;
    this.selectStored = `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME}${this.inlineValues ? `, ${values}` : ''} FROM users u`;
    const selectOne = sqlite
      ? this.selectStored
      : `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME}, ${list('v', valueColumns)} FROM users u LEFT JOIN user_attribute_values v ON v.user_id = u.id`;
    this.oneById = `${selectOne} WHERE ${LIVE_USER}`;
    this.joinedValueUserId = this.userColumns.length + 1 + valueColumns.findIndex((c) => c.propertyName === 'userId');
    this.oneByUserName = `${selectOne} WHERE ${BY_USER_NAME}`;
    this.selectValues = `SELECT ${list('v', valueColumns)} FROM user_attribute_values v WHERE v.user_id IN `;
    this.selectUserRow = `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME} FROM users u WHERE `;
  }

  /**
   * A live user of the organization with its role name and values; `lock` takes the row lock for an update.
   * The role name comes from a scalar subquery, not a JOIN: with a JOIN, MariaDB joins the tiny roles
   * table first and sorts the whole organization for each page (18 vs 300+ pages a second).
   */
  async findStored(manager: EntityManager, organizationId: number, id: number, lock = false): Promise<StoredUser | null> {
    if (lock && this.locking) return this.lockedRead(manager, LIVE_USER, [id, organizationId]);
    return this.findOne(manager, this.oneById, [id, organizationId]);
  }

  /** The live user holding a lower-cased userName; `lock` takes the row lock on MySQL (a locking read sees concurrent commits). */
  async findByUserName(
    manager: EntityManager,
    organizationId: number,
    userNameLower: string,
    lock = false,
  ): Promise<StoredUser | null> {
    if (lock && this.locking) return this.lockedRead(manager, BY_USER_NAME, [organizationId, userNameLower]);
    return this.findOne(manager, this.oneByUserName, [organizationId, userNameLower]);
  }

  /** Rows of `oneById`/`oneByUserName` as the user they hold, or null. */
  private async findOne(manager: EntityManager, sql: string, params: unknown[]): Promise<StoredUser | null> {
    const rows = await this.reader.rows(manager, sql, params);
    if (!rows.length) return null;
    if (this.inlineValues) return (await this.stored(manager, rows))[0];
    const n = this.userColumns.length;
    const values: UserAttributeValue[] = [];
    // LEFT JOIN: a user without values comes as one row whose value columns are NULL.
    for (const row of rows) if (row[this.joinedValueUserId] !== null) values.push(this.valueRows.hydrate(row.slice(n + 1)));
    return {
      user: this.userRows.hydrate(rows[0]),
      roleName: String(rows[0][n] ?? ''),
      values: values.sort(byAttributeAndPosition),
    };
  }

  /**
   * MySQL: one user row under a row lock, with its role name, then its values. The user row only is locked:
   * a scalar subquery in a locking read does not lock what it reads (MySQL 8, MariaDB 10.11; tested), where a
   * JOIN would also lock the role row and serialize every update of that role's users.
   */
  private async lockedRead(manager: EntityManager, where: string, params: unknown[]): Promise<StoredUser | null> {
    const [row] = await this.reader.rows(manager, `${this.selectUserRow}${where} FOR UPDATE`, params);
    if (!row) return null;
    const stored: StoredUser = {
      user: this.userRows.hydrate(row),
      roleName: String(row[this.userColumns.length] ?? ''),
      values: [],
    };
    await this.attachValues(manager, [stored]);
    return stored;
  }

  /**
   * One page of an organization's live users matching `where` (over `users u`),
   * in `orderBy` order. The total comes from the page when the page shows it
   * (first page not full), otherwise from a COUNT.
   */
  async search(
    organizationId: number,
    where: SqlFragment | null,
    orderBy: SqlFragment,
    offset: number,
    limit: number,
  ): Promise<{ total: number; users: StoredUser[] }> {
    const manager = this.dataSource.manager;
    const conditions = `u.organization_id = ? AND u.deleted_at IS NULL${where ? ` AND (${where.sql})` : ''}`;
    const params = [organizationId, ...(where?.params ?? [])];
    let rows: unknown[][] = [];
    if (limit > 0) {
      if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0) throw new Error('Invalid page bounds');
      rows = await this.reader.rows(manager, this.pageSql(conditions, orderBy.sql, limit, offset), [
        ...params,
        ...orderBy.params,
      ]);
    }
    let total: number;
    if (limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0)) {
      total = offset + rows.length;
    } else {
      const [[count]] = await this.reader.rows(manager, `SELECT COUNT(*) FROM users u WHERE ${conditions}`, params);
      total = Number(count);
    }
    return { total, users: await this.stored(manager, rows) };
  }

  /** INSERT inside the caller's transaction; returns the new id (TypeORM's insert would also re-select the row). */
  async insertUser(manager: EntityManager, user: Omit<User, 'id'>): Promise<number> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('insertUser runs inside a transaction');
    const columns = this.userInsertColumns;
    const result = await runner.query(
      `INSERT INTO users (${columns.map((c) => this.quote(c.databaseName)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => this.dataSource.driver.preparePersistentValue(user[c.propertyName as keyof typeof user], c)),
      true,
    );
    // better-sqlite3 reports lastInsertRowid; mysql2 a ResultSetHeader with insertId.
    const raw = result.raw as number | bigint | { insertId: number };
    return Number(typeof raw === 'object' ? raw.insertId : raw);
  }

  /** UPDATE of the given properties only. */
  async updateUser(manager: EntityManager, user: User, properties: Array<keyof User>): Promise<void> {
    if (!properties.length) return;
    const columns = properties.map((p) => this.userColumns.find((c) => c.propertyName === p)!);
    await manager.query(`UPDATE users SET ${columns.map((c) => `${this.quote(c.databaseName)} = ?`).join(', ')} WHERE id = ?`, [
      ...columns.map((c) => this.dataSource.driver.preparePersistentValue(user[c.propertyName as keyof User], c)),
      user.id,
    ]);
  }

  /** Replaces a user's multi-valued attributes, unless they are unchanged; returns the rows as stored. */
  async replaceValues(
    manager: EntityManager,
    user: User,
    current: UserAttributeValue[],
    wanted: UserValueRow[],
  ): Promise<UserAttributeValue[]> {
    const rows = wanted.map((v) => {
      const lower = v.value?.toLowerCase() ?? null;
      return Object.assign(new UserAttributeValue(), v, {
        userId: user.id,
        organizationId: user.organizationId,
        valueLower: lower !== null && Array.from(lower).length <= INDEXED_VALUE_LENGTH ? lower : null,
      });
    });
    if (sameValues(current, rows)) return current;
    if (current.length) await manager.query('DELETE FROM user_attribute_values WHERE user_id = ?', [user.id]);
    if (rows.length) {
      const columns = this.valueInsertColumns;
      const placeholders = `(${columns.map(() => '?').join(', ')})`;
      await manager.query(
        `INSERT INTO user_attribute_values (${columns.map((c) => this.quote(c.databaseName)).join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')}`,
        rows.flatMap((row) =>
          columns.map((c) => this.dataSource.driver.preparePersistentValue(row[c.propertyName as keyof UserAttributeValue], c)),
        ),
      );
    }
    return rows;
  }

  /** Role id and name by lower-cased name, or null. */
  async findRole(manager: EntityManager, organizationId: number, nameLower: string): Promise<Pick<Role, 'id' | 'name'> | null> {
    const [row] = await manager.query('SELECT id, name FROM roles WHERE organization_id = ? AND name_lower = ?', [
      organizationId,
      nameLower,
    ]);
    return row ? { id: Number(row.id), name: row.name } : null;
  }

  /**
   * The statement of a page. The same few texts recur (one per filter shape and page), so each is built once
   * and kept: the driver's statement cache then looks up a string whose hash V8 has already computed, rather
   * than hashing a fresh 1.5 KB string on every request.
   * LIMIT/OFFSET are integer literals: SQLite plans a bound LIMIT parameter several times slower (50 µs vs 10 µs).
   */
  private pageSql(conditions: string, orderBy: string, limit: number, offset: number): string {
    const key = `${conditions}\u0000${orderBy}\u0000${limit}\u0000${offset}`;
    let sql = this.pageStatements.get(key);
    if (sql === undefined) {
      sql = `${this.selectStored} WHERE ${conditions} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`;
      this.pageStatements.set(key, sql);
      if (this.pageStatements.size > PAGE_STATEMENTS_KEPT) this.pageStatements.delete(this.pageStatements.keys().next().value!);
    }
    return sql;
  }

  /** Rows of `selectStored` (the user's columns, its role name, on SQLite its values as JSON) as stored users. */
  private async stored(manager: EntityManager, rows: unknown[][]): Promise<StoredUser[]> {
    const n = this.userColumns.length;
    const stored = rows.map((row) => ({
      user: this.userRows.hydrate(row),
      roleName: String(row[n] ?? ''),
      values: this.inlineValues ? this.valuesFromJson(row[n + 1]) : [],
    }));
    if (!this.inlineValues) await this.attachValues(manager, stored);
    return stored;
  }

  /** SQLite's JSON array of value rows, in (attribute, position) order. */
  private valuesFromJson(json: unknown): UserAttributeValue[] {
    const values = (JSON.parse(String(json)) as unknown[][]).map((row) => this.valueRows.hydrate(row));
    return values.length > 1 ? values.sort(byAttributeAndPosition) : values;
  }

  /** MySQL: the values of these users, in one statement. */
  private async attachValues(manager: EntityManager, stored: StoredUser[]): Promise<void> {
    if (!stored.length) return;
    const ids = stored.map((s) => s.user.id);
    const rows = await this.reader.rows(
      manager,
      `${this.selectValues}(${ids.map(() => '?').join(', ')}) ORDER BY v.user_id, v.attribute, v.position`,
      ids,
    );
    const byUser = new Map<number, UserAttributeValue[]>();
    for (const row of rows) {
      const value = this.valueRows.hydrate(row);
      const list = byUser.get(value.userId);
      if (list) list.push(value);
      else byUser.set(value.userId, [value]);
    }
    for (const s of stored) s.values = byUser.get(s.user.id) ?? [];
  }

  private quote(name: string): string {
    return this.dataSource.driver.escape(name);
  }
}

/** A user's role name, as a scalar subquery (see findStored). */
const ROLE_NAME = '(SELECT r.name FROM roles r WHERE r.id = u.role_id)';
const LIVE_USER = 'u.id = ? AND u.organization_id = ? AND u.deleted_at IS NULL';
const BY_USER_NAME = 'u.organization_id = ? AND u.user_name_lower = ? AND u.deleted_at IS NULL';
/** Page statements kept (one per filter shape, order and page bounds in use). */
const PAGE_STATEMENTS_KEPT = 200;

function byAttributeAndPosition(a: UserAttributeValue, b: UserAttributeValue): number {
  return a.attribute < b.attribute ? -1 : a.attribute > b.attribute ? 1 : a.position - b.position;
}

const VALUE_FIELDS = [
  'attribute',
  'position',
  'value',
  'display',
  'type',
  'primary',
  'formatted',
  'streetAddress',
  'locality',
  'region',
  'postalCode',
  'country',
] as const;

function sameValues(a: UserAttributeValue[], b: UserAttributeValue[]): boolean {
  if (a.length !== b.length) return false;
  const key = (v: UserAttributeValue) => `${v.attribute}\u0000${v.position}`;
  const sorted = (list: UserAttributeValue[]) => [...list].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const [x, y] = [sorted(a), sorted(b)];
  return x.every((v, i) => VALUE_FIELDS.every((f) => (v[f] ?? null) === (y[i][f] ?? null)));
}
