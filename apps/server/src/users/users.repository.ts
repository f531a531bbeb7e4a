import { BoundedMap, insertStatement, InsertStatement, readByIds, RowHydrator, SearchRunner, Statements } from '@app/database';
import { AttributePath, CORE_USER_SCHEMA, FilterNode, filterToSql, SortOrder, sortToSql, SqlMapping } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { isNullViolation } from '../common/db-errors';
import { Role } from './role.entity';
import { isCheapSearch, OrganizationSize } from './search-cost';
import { UserAttributeValue } from './user-attribute-value.entity';
import { UserCountsRepository } from './user-counts.repository';
import {
  FILTER_ONLY_PROPERTIES,
  ROLE_NAME_SQL,
  sameValues,
  scopedToOrganization,
  userSqlMapping,
  MemberOf,
  UserRow,
  UserValueRow,
} from './user-storage.mapping';
import { User } from './user.entity';

/** What the role rules need of a user: its effective role, its own role behind a group's, the group, its state. */
export interface UserRoleState {
  id: number;
  userName: string;
  roleId: number;
  ownRoleId: number | null;
  roleGroupId: number | null;
  active: boolean;
}

/** Users per statement when roles change with a group (a PATCH may add 10,000 members). */
const ROLE_CHUNK = 500;

/** A SCIM list query over one organization's live users, already parsed (parseListQuery). */
export interface UserSearch {
  filter?: FilterNode;
  sortBy?: AttributePath;
  sortOrder?: SortOrder;
  /** 0-based, after `afterId` when given. */
  offset: number;
  limit: number;
  /**
   * Keyset paging: only users whose id is above this one (the last of the previous page), for the
   * default order (by id) only. A page then costs the same wherever it is in the list.
   */
  afterId?: number;
}

/** The admin API's list: live users in id order after a cursor, optionally by state and role. */
export interface UserListFilter {
  afterId: number;
  size: number;
  active?: boolean;
  roleLower?: string;
  /** Leaves out users of this role (the Members page leaves out Employees). */
  exceptRoleLower?: string;
  /** Members of this group only (the groups module's `group_members`). */
  groupId?: number;
  /** Users whose userName or displayName contains this (lower-cased) text. */
  containsLower?: string;
}

/**
 * Every statement on `users` and `user_attribute_values`. The SCIM hot paths are hand-written
 * statements over the entities' own column metadata, so a read is one or two prepared statements
 * and a write touches only what changed: TypeORM's query builder costs more than the query itself
 * there (see docs/performance.md). SCIM filters and sorts become SQL here, through the protocol
 * library's translators and the users' storage mapping (user-storage.mapping.ts). Values are
 * written through the driver's own conversions and read back by RowHydrator, which gives the same
 * values as TypeORM's hydration, faster.
 */
@Injectable()
export class UsersRepository {
  /** Where each SCIM attribute is stored, for filterToSql and sortToSql. */
  private readonly mapping: SqlMapping;
  private readonly allUserColumns: ColumnMetadata[];
  private readonly userColumns: ColumnMetadata[];
  private readonly userInsertColumns: ColumnMetadata[];
  private readonly valueInsertColumns: ColumnMetadata[];
  private readonly insertUserSql: string;
  /** MySQL: the role's row and the INSERT of a user whose role_id is that role's (a subquery), in one round trip. */
  private readonly insertUserInRoleSql: string;
  private readonly insertValuesSql: InsertStatement;
  private readonly locking: boolean;
  private readonly userRows: RowHydrator<User>;
  private readonly valueRows: RowHydrator<UserAttributeValue>;
  /**
   * `SELECT <user columns>, <role name>[, <values as JSON>, <groups as JSON>] FROM users u`. On SQLite a user's
   * multi-valued attributes come with it, as one JSON array of rows (columns in entity order), and so do its
   * groups (id and displayName), so a read is one statement: a User's GET, its filter by userName and a page.
   * MySQL/MariaDB read a page's values with a second statement (`selectValues`), and the SCIM layer reads the
   * groups: MariaDB's JSON_ARRAYAGG in a correlated subquery costs ~500 µs, more than the round trip it saves
   * (~190 µs), see docs/performance.md.
   */
  private readonly selectStored: string;
  private readonly inline: boolean;
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
  private readonly pageStatements = new BoundedMap<string, string>({ maxEntries: PAGE_STATEMENTS_KEPT });
  private readonly sizes = new BoundedMap<number, OrganizationSize>({ maxEntries: SIZES_KEPT, maxAgeMs: SIZE_KEPT_MS });

  constructor(
    private readonly dataSource: DataSource,
    private readonly counts: UserCountsRepository,
    private readonly statements: Statements,
    private readonly searches: SearchRunner,
  ) {
    this.mapping = userSqlMapping(dataSource);
    // Reads leave out the lower-cased twins: filters compare them, nothing reads them back.
    const read = (c: ColumnMetadata) => !FILTER_ONLY_PROPERTIES.has(c.propertyName);
    this.allUserColumns = dataSource.getMetadata(User).columns;
    this.userColumns = this.allUserColumns.filter(read);
    this.userInsertColumns = this.allUserColumns.filter((c) => !c.isGenerated);
    const allValueColumns = dataSource.getMetadata(UserAttributeValue).columns;
    const valueColumns = allValueColumns.filter(read);
    this.valueInsertColumns = allValueColumns.filter((c) => !c.isGenerated);
    this.insertUserSql = insertStatement(
      'users',
      this.userInsertColumns.map((c) => this.quote(c.databaseName)),
    )(1);
    this.insertUserInRoleSql = `${ROLE_BY_NAME}; INSERT INTO users (${this.userInsertColumns
      .map((c) => this.quote(c.databaseName))
      .join(', ')}) VALUES (${this.userInsertColumns
      .map((c) => (c.propertyName === 'roleId' ? '(SELECT id FROM roles WHERE organization_id = ? AND name_lower = ?)' : '?'))
      .join(', ')})`;
    this.insertValuesSql = insertStatement(
      'user_attribute_values',
      this.valueInsertColumns.map((c) => this.quote(c.databaseName)),
    );
    this.userRows = new RowHydrator(() => new User(), this.userColumns, dataSource.driver);
    this.valueRows = new RowHydrator(() => new UserAttributeValue(), valueColumns, dataSource.driver);
    const sqlite = dataSource.options.type === 'better-sqlite3';
    // SQLite transactions are already one at a time (TransactionRunner); MySQL needs row locks.
    this.locking = !sqlite;
    this.inline = sqlite;
    const list = (alias: string, columns: ColumnMetadata[]) =>
      columns.map((c) => `${alias}.${this.quote(c.databaseName)}`).join(', ');
    const values = `(SELECT json_group_array(json_array(${list('v', valueColumns)})) FROM user_attribute_values v WHERE v.user_id = u.id)`;
    const groups = `(SELECT json_group_array(json_array(g.id, g.display_name)) FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = u.id)`;
    this.selectStored = `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME_SQL}${this.inline ? `, ${values}, ${groups}` : ''} FROM users u`;
    const selectOne = sqlite
      ? this.selectStored
      : `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME_SQL}, ${list('v', valueColumns)} FROM users u LEFT JOIN user_attribute_values v ON v.user_id = u.id`;
    this.oneById = `${selectOne} WHERE ${LIVE_USER}`;
    this.joinedValueUserId = this.userColumns.length + 1 + valueColumns.findIndex((c) => c.propertyName === 'userId');
    this.oneByUserName = `${selectOne} WHERE ${BY_USER_NAME}`;
    this.selectValues = `SELECT ${list('v', valueColumns)} FROM user_attribute_values v WHERE v.user_id IN `;
    this.selectUserRow = `SELECT ${list('u', this.userColumns)}, ${ROLE_NAME_SQL} FROM users u WHERE `;
  }

  /**
   * A live user of the organization with its role name and values; `lock` takes the row lock for an update.
   * The role name comes from a scalar subquery, not a JOIN: with a JOIN, MariaDB joins the tiny roles
   * table first and sorts the whole organization for each page (18 vs 300+ pages a second).
   */
  async findStored(manager: EntityManager, organizationId: number, id: number, lock = false): Promise<UserRow | null> {
    if (lock && this.locking) return this.lockedRead(manager, organizationId, LIVE_USER, [id, organizationId], id);
    return this.findOne(manager, this.oneById, [id, organizationId]);
  }

  /** A user of the organization, live or deleted (not purged), with its role name, locked on MySQL: what a restore starts from. */
  async findIncludingDeleted(manager: EntityManager, organizationId: number, id: number): Promise<UserRow | null> {
    if (this.locking) return this.lockedRead(manager, organizationId, ANY_USER, [id, organizationId]);
    const rows = await this.statements.rows(manager, `${this.selectUserRow}${ANY_USER}`, [id, organizationId]);
    if (!rows.length) return null;
    const [row] = rows;
    const stored: UserRow = {
      user: this.userRows.hydrate(row),
      roleName: String(row[this.userColumns.length] ?? ''),
      values: [],
    };
    await this.attachValues(manager, [stored]);
    return stored;
  }

  /** Writes an undelete (deletedAt cleared, userNameLower back) and the other given properties; the user counts again. */
  async undeleteUser(manager: EntityManager, user: User, properties: Array<keyof User>): Promise<void> {
    await this.updateUser(manager, user, ['deletedAt', 'userNameLower', ...properties]);
    await this.counts.addLive(manager, user.organizationId, 1);
  }

  /** A live user of the organization with its role name and values, outside any transaction. */
  findLive(organizationId: number, id: number): Promise<UserRow | null> {
    return this.findStored(this.dataSource.manager, organizationId, id);
  }

  /** The live user holding a lower-cased userName, outside any transaction. */
  findLiveByUserName(organizationId: number, userNameLower: string): Promise<UserRow | null> {
    return this.findByUserName(this.dataSource.manager, organizationId, userNameLower);
  }

  /** The live user holding a lower-cased userName; `lock` takes the row lock on MySQL (a locking read sees concurrent commits). */
  async findByUserName(
    manager: EntityManager,
    organizationId: number,
    userNameLower: string,
    lock = false,
  ): Promise<UserRow | null> {
    if (lock && this.locking) return this.lockedRead(manager, organizationId, BY_USER_NAME, [organizationId, userNameLower]);
    return this.findOne(manager, this.oneByUserName, [organizationId, userNameLower]);
  }

  /** Rows of `oneById`/`oneByUserName` as the user they hold, or null. */
  private async findOne(manager: EntityManager, sql: string, params: unknown[]): Promise<UserRow | null> {
    const rows = await this.statements.rows(manager, sql, params);
    if (!rows.length) return null;
    if (this.inline) return (await this.stored(manager, rows))[0];
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
   *
   * Its organization's row is locked shared first, in the same round trip: the lock order puts the
   * organization before its users (lock-order.ts), and InnoDB takes that shared lock anyway, later, when
   * the change rewrites an index entry of the user that the foreign key to the organization uses (a role,
   * a delete), which deadlocked with a membership change holding the organization and asking for the user.
   * Shared, so changes of different users never wait for each other; a membership or mapping change
   * (exclusive) waits for them and they for it.
   *
   * By id (`byId`, every SCIM write of a user), the user's values and groups come in that same round trip
   * (a round trip is ~0.1 ms of both processes' CPU on MariaDB): the id is known before anything is read,
   * and what they bring is dropped when no live user of the organization has it. The groups are read
   * while the organization's shared lock holds off every membership change, so they are those the change
   * is made against: the answer and the deprovisioning record use them, with no read after the COMMIT.
   * The groups are the groups module's `group_members` and `user_groups`, read as SQLite's one-statement
   * read reads them (docs/architecture.md).
   */
  private async lockedRead(
    manager: EntityManager,
    organizationId: number,
    where: string,
    params: unknown[],
    byId?: number,
  ): Promise<UserRow | null> {
    const lockUser = `SELECT id FROM organizations WHERE id = ? LOCK IN SHARE MODE; ${this.selectUserRow}${where} FOR UPDATE`;
    const results = (await this.statements.rows(
      manager,
      byId === undefined ? lockUser : `${lockUser}; ${this.selectValues}(?) ORDER BY v.attribute, v.position; ${GROUPS_OF_USER}`,
      byId === undefined ? [organizationId, ...params] : [organizationId, ...params, byId, byId],
    )) as unknown as unknown[][][];
    const [row] = results[1];
    if (!row) return null;
    const stored: UserRow = {
      user: this.userRows.hydrate(row),
      roleName: String(row[this.userColumns.length] ?? ''),
      values: [],
    };
    if (byId === undefined) await this.attachValues(manager, [stored]);
    else {
      stored.values = results[2].map((value) => this.valueRows.hydrate(value));
      stored.groups = results[3].map(([id, displayName]) => ({ id: Number(id), displayName: String(displayName) }));
    }
    return stored;
  }

  /**
   * One page of an organization's live users matching a SCIM filter, in the SCIM sort order. The
   * filter runs in the database; only the page is loaded. `userName eq "…"` (Okta's and Entra's
   * existence check before every create) is a unique-key read, not a search: userName is unique
   * per organization case-insensitively, so the answer is that user or none, and paging and
   * sortBy change nothing but whether it is shown.
   */
  async search(organizationId: number, query: UserSearch): Promise<{ total: number; users: UserRow[] }> {
    const { offset, limit, afterId } = query;
    if (afterId !== undefined && (query.sortBy || !Number.isSafeInteger(afterId))) throw new Error('Keyset paging is by id only');
    const userName = userNameLookup(query.filter);
    if (userName !== undefined) {
      const found = await this.findByUserName(this.dataSource.manager, organizationId, userName.normalize('NFC').toLowerCase());
      const shown = found && offset === 0 && limit > 0 && (afterId === undefined || found.user.id > afterId);
      return { total: found ? 1 : 0, users: shown ? [found] : [] };
    }
    const where = query.filter ? filterToSql(query.filter, scopedToOrganization(this.mapping, organizationId)) : null;
    const orderBy = sortToSql(query.sortBy, query.sortOrder ?? 'ascending', this.mapping);
    const manager = this.dataSource.manager;
    const conditions = `u.organization_id = ? AND u.deleted_at IS NULL${where ? ` AND (${where.sql})` : ''}`;
    const params = [organizationId, ...(where?.params ?? [])];
    // Statements of any cost a client may ask for: time-limited, off the event loop on SQLite (unless an index
    // bounds them), taken in turns by organization.
    const fair = String(organizationId);
    const cheap = isCheapSearch(query);
    let rows: unknown[][] = [];
    if (limit > 0) {
      if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0) throw new Error('Invalid page bounds');
      const after = afterId === undefined ? [] : [afterId];
      rows = await this.searches.search(
        this.pageSql(after.length ? `${conditions} AND u.id > ?` : conditions, orderBy.sql, limit, offset),
        [...params, ...after, ...orderBy.params],
        fair,
        cheap,
      );
    }
    let total: number;
    if (!where) {
      // Every live user: the organization's kept count, never a count of its rows.
      total = await this.counts.live(organizationId);
    } else if (afterId === undefined && limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0)) {
      total = offset + rows.length;
    } else {
      const [[count]] = await this.searches.search(`SELECT COUNT(*) FROM users u WHERE ${conditions}`, params, fair, cheap);
      total = Number(count);
    }
    return { total, users: await this.stored(manager, rows) };
  }

  /** INSERT inside the caller's transaction; returns the new id (TypeORM's insert would also re-select the row). */
  async insertUser(manager: EntityManager, user: Omit<User, 'id'>): Promise<number> {
    if (!manager.queryRunner) throw new Error('insertUser runs inside a transaction');
    const id = await this.statements.insert(manager, this.insertUserSql, this.insertParams(user));
    await this.counts.addLive(manager, user.organizationId, 1);
    return id;
  }

  /**
   * The INSERT of a new user in the organization's role named `roleNameLower` (lower-cased), inside the
   * caller's transaction: the new id and the role; null when the organization has no such role (nothing
   * written). On MySQL/MariaDB the role is read and the user inserted in one round trip (a SCIM create
   * was three with its COMMIT, now two): the INSERT takes the role's id from a subquery, and a role
   * that is not there makes it fail on the NOT NULL role_id before anything is written.
   */
  async insertUserInRole(
    manager: EntityManager,
    user: Omit<User, 'id' | 'roleId'>,
    roleNameLower: string,
  ): Promise<{ id: number; role: Pick<Role, 'id' | 'name'> } | null> {
    if (!manager.queryRunner) throw new Error('insertUserInRole runs inside a transaction');
    const roleParams = [user.organizationId, roleNameLower];
    let id: number;
    let role: Pick<Role, 'id' | 'name'>;
    if (!this.locking) {
      const [found] = await this.statements.rows(manager, ROLE_BY_NAME, roleParams);
      if (!found) return null;
      role = { id: Number(found[0]), name: String(found[1]) };
      id = await this.statements.insert(manager, this.insertUserSql, this.insertParams({ ...user, roleId: role.id }));
    } else {
      let results: [unknown[][], { insertId: number }];
      try {
        results = (await this.statements.rows(manager, this.insertUserInRoleSql, [
          ...roleParams,
          ...this.insertParams(user, roleParams),
        ])) as unknown as typeof results;
      } catch (error) {
        if (isNullViolation(error)) return null;
        throw error;
      }
      const [[found], inserted] = results;
      role = { id: Number(found[0]), name: String(found[1]) };
      id = Number(inserted.insertId);
    }
    await this.counts.addLive(manager, user.organizationId, 1);
    return { id, role };
  }

  /** The INSERT's values of a user, in column order; `role`: the role subquery's in place of role_id's. */
  private insertParams(user: Omit<User, 'id' | 'roleId'> & { roleId?: number }, role?: unknown[]): unknown[] {
    const params: unknown[] = [];
    for (const c of this.userInsertColumns) {
      if (role && c.propertyName === 'roleId') params.push(...role);
      else params.push(this.dataSource.driver.preparePersistentValue(user[c.propertyName as keyof typeof user], c));
    }
    return params;
  }

  /**
   * Writes a soft delete (`deletedAt` set, `userNameLower` cleared so the userName is free again, the
   * version moved, and the properties in `also`) and leaves every group: the user's memberships, rows of the groups module's
   * `group_members`, go with it.
   */
  async deleteUser(manager: EntityManager, user: User, also: Array<keyof User> = []): Promise<void> {
    await this.updateUser(manager, user, ['deletedAt', 'userNameLower', 'updatedAt', 'version', ...also]);
    // With the COMMIT on MySQL, after the DeprovisioningService's copy of them queued before it.
    await this.statements.writeAtCommit(manager, 'DELETE FROM group_members WHERE user_id = ?', [user.id]);
    await this.counts.addLive(manager, user.organizationId, -1);
  }

  /** UPDATE of the given properties only. */
  async updateUser(manager: EntityManager, user: User, properties: Array<keyof User>): Promise<void> {
    if (properties.length) await this.statements.write(manager, ...this.updateStatement(user, properties));
  }

  /**
   * The same UPDATE, for a user the transaction holds locked and reads no more: on MySQL/MariaDB it
   * goes with the COMMIT (one round trip less).
   */
  async updateUserAtCommit(manager: EntityManager, user: User, properties: Array<keyof User>): Promise<void> {
    if (properties.length) await this.statements.writeAtCommit(manager, ...this.updateStatement(user, properties));
  }

  private updateStatement(user: User, properties: Array<keyof User>): [string, unknown[]] {
    const columns = properties.map((p) => this.allUserColumns.find((c) => c.propertyName === p)!);
    return [
      `UPDATE users SET ${columns.map((c) => `${this.quote(c.databaseName)} = ?`).join(', ')} WHERE id = ?`,
      [...columns.map((c) => this.dataSource.driver.preparePersistentValue(user[c.propertyName as keyof User], c)), user.id],
    ];
  }

  /**
   * Replaces a user's multi-valued attributes, unless they are unchanged; returns the rows as stored.
   * Nothing later in a transaction reads them back (answers are built from the returned rows): on
   * MySQL/MariaDB the statements go with the COMMIT.
   */
  async replaceValues(
    manager: EntityManager,
    user: User,
    current: UserAttributeValue[],
    wanted: UserValueRow[],
  ): Promise<UserAttributeValue[]> {
    const rows = wanted.map((v) =>
      Object.assign(new UserAttributeValue(), v, { userId: user.id, organizationId: user.organizationId }),
    );
    if (sameValues(current, rows)) return current;
    if (current.length)
      await this.statements.writeAtCommit(manager, 'DELETE FROM user_attribute_values WHERE user_id = ?', [user.id]);
    if (rows.length) {
      const columns = this.valueInsertColumns;
      await this.statements.writeAtCommit(
        manager,
        this.insertValuesSql(rows.length),
        rows.flatMap((row) =>
          columns.map((c) => this.dataSource.driver.preparePersistentValue(row[c.propertyName as keyof UserAttributeValue], c)),
        ),
      );
    }
    return rows;
  }

  /** The admin API's page of live users with their role names, in id order after `afterId`, and the total. */
  async list(
    organizationId: number,
    filter: UserListFilter,
  ): Promise<{ rows: Array<{ user: User; roleName: string }>; total: number }> {
    const base = this.dataSource
      .createQueryBuilder(User, 'u')
      .innerJoin(Role, 'r', 'r.id = u.role_id')
      .where('u.organization_id = :organizationId', { organizationId })
      .andWhere('u.deleted_at IS NULL');
    if (filter.active !== undefined) base.andWhere('u.active = :active', { active: filter.active ? 1 : 0 });
    if (filter.roleLower !== undefined) base.andWhere('r.name_lower = :role', { role: filter.roleLower });
    if (filter.exceptRoleLower !== undefined) base.andWhere('r.name_lower <> :except', { except: filter.exceptRoleLower });
    if (filter.containsLower !== undefined) {
      // `!` escapes LIKE's wildcards: one escape character that means the same on SQLite and MySQL.
      const like = `%${filter.containsLower.replace(/[!%_]/g, (c) => `!${c}`)}%`;
      base.andWhere("(u.user_name_lower LIKE :like ESCAPE '!' OR u.display_name_lower LIKE :like ESCAPE '!')", { like });
    }
    if (filter.groupId !== undefined)
      base.andWhere('u.id IN (SELECT m.user_id FROM group_members m WHERE m.group_id = :group)', { group: filter.groupId });
    const unfiltered =
      filter.active === undefined &&
      filter.roleLower === undefined &&
      filter.exceptRoleLower === undefined &&
      filter.containsLower === undefined &&
      filter.groupId === undefined;
    // Every live user: the organization's kept count, not a count of a million rows per page.
    const total = unfiltered ? await this.counts.live(organizationId) : await base.clone().getCount();
    const page = await base
      .clone()
      .addSelect('r.name', 'roleName')
      .andWhere('u.id > :afterId', { afterId: filter.afterId })
      .orderBy('u.id', 'ASC')
      .limit(filter.size)
      .getRawAndEntities();
    const roleNames = page.raw.map((r: { roleName: string }) => r.roleName);
    return { rows: page.entities.map((user, i) => ({ user, roleName: roleNames[i] })), total };
  }

  /**
   * Live, active users of the role, other than `exceptUserId` (0: none), for the last-Admin rule. A plain
   * read: its caller holds the organization's lock (UserRolesService), which every change of a user's role or
   * state holds too, shared or exclusive, so none is under way and the transaction's view, taken after the
   * lock, is current. (A locking read took gap locks past the organization's rows in the index.)
   */
  async countActiveInRole(manager: EntityManager, organizationId: number, roleId: number, exceptUserId = 0): Promise<number> {
    const [row] = await manager.query(
      'SELECT COUNT(*) AS n FROM users u WHERE u.organization_id = ? AND u.role_id = ? AND u.active = 1 AND u.deleted_at IS NULL AND u.id <> ?',
      [organizationId, roleId, exceptUserId],
    );
    return Number(row?.n ?? 0);
  }

  /** The role columns of these live users of the organization, in id order; rows locked for update on MySQL. */
  async roleStates(manager: EntityManager, organizationId: number, ids: readonly number[]): Promise<UserRoleState[]> {
    const out: UserRoleState[] = [];
    const lock = this.locking ? ' FOR UPDATE' : '';
    for (let i = 0; i < ids.length; i += ROLE_CHUNK) {
      const chunk = ids.slice(i, i + ROLE_CHUNK);
      const rows: Array<Record<string, unknown>> = await manager.query(
        `SELECT id, user_name, role_id, own_role_id, role_group_id, active FROM users
          WHERE organization_id = ? AND deleted_at IS NULL AND id IN (${chunk.map(() => '?').join(', ')}) ORDER BY id${lock}`,
        [organizationId, ...chunk],
      );
      for (const r of rows)
        out.push({
          id: Number(r.id),
          userName: String(r.user_name),
          roleId: Number(r.role_id),
          ownRoleId: r.own_role_id === null ? null : Number(r.own_role_id),
          roleGroupId: r.role_group_id === null ? null : Number(r.role_group_id),
          active: Boolean(Number(r.active)),
        });
    }
    return out;
  }

  /**
   * Sets the role columns of these users. `modifiedAt` (when the effective role changes, which SCIM shows
   * as userType) also moves lastModified and the version; otherwise the SCIM resource is unchanged.
   */
  async setRoles(
    manager: EntityManager,
    ids: readonly number[],
    roles: { roleId: number; ownRoleId: number | null; roleGroupId: number | null },
    modifiedAt: Date | null,
  ): Promise<void> {
    const touch = modifiedAt ? ', updated_at = ?, version = version + 1' : '';
    const when = modifiedAt ? [this.dataSource.driver.preparePersistentValue(modifiedAt, this.column('updatedAt'))] : [];
    for (let i = 0; i < ids.length; i += ROLE_CHUNK) {
      const chunk = ids.slice(i, i + ROLE_CHUNK);
      await manager.query(
        `UPDATE users SET role_id = ?, own_role_id = ?, role_group_id = ?${touch} WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        [roles.roleId, roles.ownRoleId, roles.roleGroupId, ...when, ...chunk],
      );
    }
  }

  /** displayNames of these groups (the groups module's `user_groups`), for showing where a role comes from. */
  async groupNames(ids: readonly number[], manager = this.dataSource.manager): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (!ids.length) return out;
    const rows = await manager.query(`SELECT id, display_name FROM user_groups WHERE id IN (${ids.map(() => '?').join(', ')})`, [
      ...ids,
    ]);
    for (const r of rows) out.set(Number(r.id), String(r.display_name));
    return out;
  }

  /** userNames of the organization's live, active users holding the role, in id order. */
  async activeUserNamesInRole(organizationId: number, roleLower: string): Promise<string[]> {
    const rows = await this.dataSource
      .createQueryBuilder(User, 'u')
      .innerJoin(Role, 'r', 'r.id = u.role_id')
      .select('u.user_name', 'userName')
      .where('u.organization_id = :organizationId', { organizationId })
      .andWhere('r.name_lower = :role', { role: roleLower })
      .andWhere('u.active = 1 AND u.deleted_at IS NULL')
      .orderBy('u.id', 'ASC')
      .getRawMany<{ userName: string }>();
    return rows.map((r) => r.userName);
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
    }
    return sql;
  }

  /** Rows of `selectStored` (the user's columns, its role name, on SQLite its values and groups as JSON) as stored users. */
  private async stored(manager: EntityManager, rows: unknown[][]): Promise<UserRow[]> {
    const n = this.userColumns.length;
    const stored = rows.map((row) => {
      const user: UserRow = {
        user: this.userRows.hydrate(row),
        roleName: String(row[n] ?? ''),
        values: this.inline ? this.valuesFromJson(row[n + 1]) : [],
      };
      if (this.inline) user.groups = groupsFromJson(row[n + 2]);
      return user;
    });
    if (!this.inline) await this.attachValues(manager, stored);
    return stored;
  }

  /** SQLite's JSON array of value rows, in (attribute, position) order. */
  private valuesFromJson(json: unknown): UserAttributeValue[] {
    const values = (JSON.parse(String(json)) as unknown[][]).map((row) => this.valueRows.hydrate(row));
    return values.length > 1 ? values.sort(byAttributeAndPosition) : values;
  }

  /** MySQL: the values of these users, IDS_PER_LOOKUP users a statement (readByIds). */
  private async attachValues(manager: EntityManager, stored: UserRow[]): Promise<void> {
    if (!stored.length) return;
    const rows = await readByIds(
      stored.map((s) => s.user.id),
      (ids, list) =>
        this.statements.rows(manager, `${this.selectValues}(${list}) ORDER BY v.user_id, v.attribute, v.position`, ids),
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

  /**
   * The organization's live users and stored values, for pricing a search (UserSearchService). Counted on
   * the search connection (the worker on SQLite) and kept for a while: an estimate does not need
   * to-the-row counts.
   */
  async organizationSize(organizationId: number): Promise<OrganizationSize> {
    const known = this.sizes.get(organizationId);
    if (known) return known;
    const [[users, values]] = await this.searches.search(
      'SELECT (SELECT COUNT(*) FROM users u WHERE u.organization_id = ? AND u.deleted_at IS NULL), (SELECT COUNT(*) FROM user_attribute_values v WHERE v.organization_id = ?)',
      [organizationId, organizationId],
      String(organizationId),
    );
    const size = { users: Number(users), values: Number(values) };
    this.sizes.set(organizationId, size);
    return size;
  }

  /** Organization sizes and page statements kept now (read-only, for the bounds' tests). */
  get kept(): { sizes: number; pageStatements: number; valueInserts: number } {
    return { sizes: this.sizes.size, pageStatements: this.pageStatements.size, valueInserts: this.insertValuesSql.kept() };
  }

  private quote(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  private column(property: keyof User): ColumnMetadata {
    return this.allUserColumns.find((c) => c.propertyName === property)!;
  }
}

const LIVE_USER = 'u.id = ? AND u.organization_id = ? AND u.deleted_at IS NULL';
/** An organization's role by lower-cased name: its id and name. */
const ROLE_BY_NAME = 'SELECT id, name FROM roles WHERE organization_id = ? AND name_lower = ?';
/** MySQL: the groups of one user, in group id order (the locked read by id). */
const GROUPS_OF_USER =
  'SELECT g.id, g.display_name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.id';
const ANY_USER = 'u.id = ? AND u.organization_id = ?';
const BY_USER_NAME = 'u.organization_id = ? AND u.user_name_lower = ? AND u.deleted_at IS NULL';
/**
 * How long an organization's counted size serves cost estimates, and for how many organizations: every
 * organization of a 10,000-organization deployment searching within the minute (~100 bytes each).
 */
const SIZE_KEPT_MS = 60_000;
export const SIZES_KEPT = 10_000;
/** Page statements kept (one per filter shape, order and page bounds in use). */
export const PAGE_STATEMENTS_KEPT = 200;

function byAttributeAndPosition(a: UserAttributeValue, b: UserAttributeValue): number {
  return a.attribute < b.attribute ? -1 : a.attribute > b.attribute ? 1 : a.position - b.position;
}

/** The userName of a `userName eq "…"` filter (userName is unique per organization, case-insensitively): a lookup, not a search. */
export function userNameLookup(filter: FilterNode | undefined): string | undefined {
  if (filter?.op !== 'eq' || typeof filter.value !== 'string' || filter.value === '') return undefined;
  const { schema, attribute, subAttribute } = filter.path;
  return schema === CORE_USER_SCHEMA && attribute === 'userName' && subAttribute === undefined ? filter.value : undefined;
}

/** SQLite's JSON array of `[group id, displayName]`, in group id order. */
function groupsFromJson(json: unknown): MemberOf[] {
  const groups = (JSON.parse(String(json)) as Array<[number, string]>).map(([id, displayName]) => ({ id, displayName }));
  return groups.length > 1 ? groups.sort((a, b) => a.id - b.id) : groups;
}
