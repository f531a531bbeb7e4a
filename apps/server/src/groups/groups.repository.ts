import { readByIds, SearchRunner, Statements } from '@app/database';
import { AttributePath, FilterNode, filterToSql, SortOrder, sortToSql, SqlMapping } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryResult } from 'typeorm';
import { GROUP_INDEXED_EQ, isCheapSearch } from '../users/search-cost';
import { Group } from './group.entity';

/** A member as a group shows it: the user's id and its displayName (its userName without one). */
export interface MemberRow {
  groupId: number;
  userId: number;
  display: string;
}

export interface GroupSearch {
  filter?: FilterNode;
  sortBy?: AttributePath;
  sortOrder?: SortOrder;
  /** 0-based, after `afterId` when given. */
  offset: number;
  limit: number;
  /** Keyset paging (the default order only): groups whose id is above this one. */
  afterId?: number;
}

/** Rows per INSERT or DELETE of memberships (a PATCH may carry 10,000 members). */
const CHUNK = 500;

const COLUMNS =
  'g.id, g.organization_id, g.display_name, g.display_name_lower, g.external_id, g.created_at, g.updated_at, g.version';
/** The names of COLUMNS, for a row read as an array. */
const READ_COLUMNS = COLUMNS.split(', ').map((c) => c.slice(2));

/**
 * The `user_groups` and `group_members` tables. Members are users: this repository reads the
 * users' ids and display names (read-only) to check and show members; the users module owns
 * everything else about users, including removing a deleted user's memberships.
 */
@Injectable()
export class GroupsRepository {
  /** Where each SCIM Group attribute is stored, for filters and sortBy (`user_groups g`). */
  readonly mapping: SqlMapping = {
    id: 'g.id',
    columns: {
      displayName: { column: 'g.display_name', lowerColumn: 'g.display_name_lower' },
      externalId: 'g.external_id',
      'meta.created': 'g.created_at',
      'meta.lastModified': 'g.updated_at',
    },
    constants: { 'meta.resourceType': 'Group' },
    // `members.value eq "<user id>"`: `g.id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = ?)`.
    multiValued: {
      table: 'group_members',
      alias: 'm',
      correlation: { group_id: 'g.id' },
      attributes: { members: 'members' },
      subAttributes: { value: { column: 'user_id', numericId: true } },
    },
  };

  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
    private readonly searches: SearchRunner,
  ) {}

  /** A group of the organization (inside a transaction, on its connection). */
  async find(organizationId: number, id: number, manager = this.dataSource.manager): Promise<Group | null> {
    const rows = await manager.query(`SELECT ${COLUMNS} FROM user_groups g WHERE g.id = ? AND g.organization_id = ?`, [
      id,
      organizationId,
    ]);
    return rows.length ? this.hydrate(rows[0]) : null;
  }

  async insert(manager: EntityManager, group: Omit<Group, 'id'>): Promise<number> {
    const result = await write(
      manager,
      'INSERT INTO user_groups (organization_id, display_name, display_name_lower, external_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        group.organizationId,
        group.displayName,
        group.displayNameLower,
        group.externalId,
        this.date(group.createdAt),
        this.date(group.updatedAt),
        group.version,
      ],
    );
    // better-sqlite3 reports lastInsertRowid; mysql2 a ResultSetHeader with insertId.
    const raw = result.raw as number | bigint | { insertId: number };
    return Number(typeof raw === 'object' ? raw.insertId : raw);
  }

  async update(manager: EntityManager, group: Group): Promise<void> {
    await manager.query(
      'UPDATE user_groups SET display_name = ?, display_name_lower = ?, external_id = ?, updated_at = ?, version = ? WHERE id = ?',
      [group.displayName, group.displayNameLower, group.externalId, this.date(group.updatedAt), group.version, group.id],
    );
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    // Memberships go with it (ON DELETE CASCADE).
    await manager.query('DELETE FROM user_groups WHERE id = ?', [id]);
  }

  /**
   * Which of these ids are live users of the organization. A plain read: the caller holds the
   * organization's lock, and every change of a user holds it shared (UsersRepository's locked read), so
   * no user named here is deleted before the membership commits.
   */
  async liveUserIds(manager: EntityManager, organizationId: number, ids: readonly number[]): Promise<Set<number>> {
    const found = new Set<number>();
    for (const chunk of chunks(ids)) {
      const rows: Array<{ id: number }> = await manager.query(
        `SELECT id FROM users WHERE organization_id = ? AND deleted_at IS NULL AND id IN (${chunk.map(() => '?').join(', ')})`,
        [organizationId, ...chunk],
      );
      for (const row of rows) found.add(Number(row.id));
    }
    return found;
  }

  /** Adds members (already members are left as they are); returns how many were added. */
  async addMembers(manager: EntityManager, groupId: number, userIds: readonly number[]): Promise<number> {
    let added = 0;
    const ignore = this.sqlite ? 'INSERT OR IGNORE' : 'INSERT IGNORE';
    for (const chunk of chunks(userIds)) {
      const result = await write(
        manager,
        `${ignore} INTO group_members (group_id, user_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        chunk.flatMap((userId) => [groupId, userId]),
      );
      added += result.affected ?? 0;
    }
    return added;
  }

  /** Removes these members (non-members are ignored); returns how many were removed. */
  async removeMembers(manager: EntityManager, groupId: number, userIds: readonly number[]): Promise<number> {
    let removed = 0;
    for (const chunk of chunks(userIds)) {
      const result = await write(
        manager,
        `DELETE FROM group_members WHERE group_id = ? AND user_id IN (${chunk.map(() => '?').join(', ')})`,
        [groupId, ...chunk],
      );
      removed += result.affected ?? 0;
    }
    return removed;
  }

  async removeAllMembers(manager: EntityManager, groupId: number): Promise<number> {
    return (await write(manager, 'DELETE FROM group_members WHERE group_id = ?', [groupId])).affected ?? 0;
  }

  async memberIds(manager: EntityManager, groupId: number): Promise<number[]> {
    const rows: Array<{ user_id: number }> = await manager.query('SELECT user_id FROM group_members WHERE group_id = ?', [
      groupId,
    ]);
    return rows.map((r) => Number(r.user_id));
  }

  /** The groups these users are members of (group id → user ids), inside the caller's transaction. */
  async membershipsOf(manager: EntityManager, userIds: readonly number[]): Promise<Map<number, number[]>> {
    const byGroup = new Map<number, number[]>();
    await readByIds(userIds, async (ids, list) => {
      const rows = await this.statements.rows(
        manager,
        `SELECT group_id, user_id FROM group_members WHERE user_id IN (${list})`,
        ids,
      );
      for (const [groupId, userId] of rows) {
        const members = byGroup.get(Number(groupId)) ?? [];
        members.push(Number(userId));
        byGroup.set(Number(groupId), members);
      }
      return [];
    });
    return byGroup;
  }

  /** The members of these groups, in user id order, with what a Group shows of each. */
  async members(groupIds: readonly number[], manager = this.dataSource.manager): Promise<MemberRow[]> {
    const rows = await readByIds(groupIds, (ids, list): Promise<Array<{ group_id: number; user_id: number; display: string }>> =>
      manager.query(
        `SELECT m.group_id, m.user_id, COALESCE(NULLIF(u.display_name, ''), u.user_name) AS display FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id IN (${list}) ORDER BY m.group_id, m.user_id`,
        ids,
      ),
    );
    return rows.map((r) => ({ groupId: Number(r.group_id), userId: Number(r.user_id), display: r.display }));
  }

  /**
   * The groups of these users (id and displayName), in group id order. On every SCIM read of users, so
   * through Statements (rows as arrays, prepared statements kept): TypeORM's query() cost ~9% of GET /Users/{id}.
   */
  async groupsOfUsers(userIds: readonly number[]): Promise<Array<{ userId: number; groupId: number; displayName: string }>> {
    const rows = await readByIds(userIds, (ids, list) =>
      this.statements.rows(
        this.dataSource.manager,
        `SELECT m.user_id, g.id, g.display_name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id IN (${list}) ORDER BY m.user_id, g.id`,
        ids,
      ),
    );
    return rows.map(([userId, groupId, displayName]) => ({
      userId: Number(userId),
      groupId: Number(groupId),
      displayName: String(displayName),
    }));
  }

  /**
   * One page of an organization's groups matching a SCIM filter, in the SCIM sort order, with the total.
   * A search one index lookup answers (no filter, or an `eq` on id, displayName, externalId or
   * members.value, no sortBy, a page up to 10,000 deep) reads on the event loop; any other may read
   * every group (and every membership), so it runs as users' costly searches do (RowReader.search):
   * on SQLite's worker thread, on MySQL/MariaDB behind the search gate, under the search time limit.
   */
  async search(organizationId: number, query: GroupSearch): Promise<{ total: number; groups: Group[] }> {
    const where = query.filter ? filterToSql(query.filter, this.mapping) : null;
    const orderBy = sortToSql(query.sortBy, query.sortOrder ?? 'ascending', this.mapping);
    const conditions = `g.organization_id = ?${where ? ` AND (${where.sql})` : ''}`;
    const params = [organizationId, ...(where?.params ?? [])];
    const { limit, offset, afterId } = query;
    if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0) throw new Error('Invalid page bounds');
    if (afterId !== undefined && (query.sortBy || !Number.isSafeInteger(afterId))) throw new Error('Keyset paging is by id only');
    const cheap = isCheapSearch(query, GROUP_INDEXED_EQ);
    // Rows as objects, named as TypeORM names them (`names`: the columns read, in order).
    const read = async (sql: string, values: unknown[], names: readonly string[]): Promise<Array<Record<string, unknown>>> => {
      if (cheap) return this.dataSource.manager.query(sql, values);
      const rows = await this.searches.search(sql, values, String(organizationId));
      return rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
    };
    const after = afterId === undefined ? [] : [afterId];
    const rows =
      limit > 0
        ? await read(
            `SELECT ${COLUMNS} FROM user_groups g WHERE ${conditions}${after.length ? ' AND g.id > ?' : ''} ORDER BY ${orderBy.sql} LIMIT ${limit} OFFSET ${offset}`,
            [...params, ...after, ...orderBy.params],
            READ_COLUMNS,
          )
        : [];
    let total: number;
    if (afterId === undefined && limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0))
      total = offset + rows.length;
    else {
      const [{ n }] = await read(`SELECT COUNT(*) AS n FROM user_groups g WHERE ${conditions}`, params, ['n']);
      total = Number(n);
    }
    return { total, groups: rows.map((row) => this.hydrate(row)) };
  }

  /** How many members a group has. */
  async memberCount(groupId: number): Promise<number> {
    const [{ n }] = await this.dataSource.query('SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?', [groupId]);
    return Number(n);
  }

  /** The admin API's page of groups in id order after `afterId`, each with its number of members, and the total. */
  async page(
    organizationId: number,
    afterId: number,
    size: number,
  ): Promise<{ rows: Array<{ group: Group; memberCount: number }>; total: number }> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS}, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS member_count
        FROM user_groups g WHERE g.organization_id = ? AND g.id > ? ORDER BY g.id LIMIT ${Number(size)}`,
      [organizationId, afterId],
    );
    const [{ n }] = await this.dataSource.query('SELECT COUNT(*) AS n FROM user_groups WHERE organization_id = ?', [
      organizationId,
    ]);
    return { rows: rows.map((row) => ({ group: this.hydrate(row), memberCount: Number(row.member_count) })), total: Number(n) };
  }

  private get sqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }

  private date(value: Date): unknown {
    return this.dataSource.driver.preparePersistentValue(value, { type: 'datetime', precision: 3 } as never);
  }

  private hydrate(row: Record<string, unknown>): Group {
    const date = (value: unknown) => this.dataSource.driver.prepareHydratedValue(value, { type: 'datetime' } as never) as Date;
    return Object.assign(new Group(), {
      id: Number(row.id),
      organizationId: Number(row.organization_id),
      displayName: String(row.display_name),
      displayNameLower: String(row.display_name_lower),
      externalId: (row.external_id as string | null) ?? null,
      createdAt: date(row.created_at),
      updatedAt: date(row.updated_at),
      version: Number(row.version),
    });
  }
}

/** A write inside the caller's transaction, with the rows it changed (`affected`) and the driver's result (`raw`). */
function write(manager: EntityManager, sql: string, params: unknown[]): Promise<QueryResult> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('Group writes run inside a transaction');
  return runner.query(sql, params, true);
}

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}
