import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toDbDate, toIso } from '../common/db-values';
import type { GroupRole } from '../common/group-role';

/** A mapping as the admin API shows it. */
export interface RoleMappingRow {
  id: number;
  groupId: number;
  groupDisplayName: string;
  roleId: number;
  role: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
}

/** User ids per statement when reading grants (a PATCH may add 10,000 members). */
const CHUNK = 500;

const SELECT = `SELECT rm.id, rm.group_id, g.display_name, rm.role_id, r.name AS role_name, rm.priority, rm.created_at, rm.updated_at
  FROM role_mappings rm JOIN user_groups g ON g.id = rm.group_id JOIN roles r ON r.id = rm.role_id`;

/**
 * The `role_mappings` table, and the one question the rest of the system asks of it: which role do
 * these users' groups give them. Reads made inside a change are locking reads on MySQL, so they see
 * what concurrent transactions committed, not the transaction's snapshot (see RoleMappingsService).
 */
@Injectable()
export class RoleMappingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's mappings, in precedence order (lowest priority first, then the older one). */
  async list(organizationId: number): Promise<RoleMappingRow[]> {
    const rows = await this.dataSource.query(`${SELECT} WHERE rm.organization_id = ? ORDER BY rm.priority, rm.id`, [
      organizationId,
    ]);
    return rows.map(toRow);
  }

  async find(manager: EntityManager, organizationId: number, id: number): Promise<RoleMappingRow | null> {
    const rows = await manager.query(`${SELECT} WHERE rm.id = ? AND rm.organization_id = ?`, [id, organizationId]);
    return rows.length ? toRow(rows[0]) : null;
  }

  /** The mapping of a group, if any: a group has at most one. */
  async findByGroup(manager: EntityManager, groupId: number): Promise<RoleMappingRow | null> {
    const rows = await manager.query(`${SELECT} WHERE rm.group_id = ?`, [groupId]);
    return rows.length ? toRow(rows[0]) : null;
  }

  /** The mapped role of each of these groups (the admin API's groups list). */
  async rolesOfGroups(groupIds: readonly number[]): Promise<Map<number, { mappingId: number; role: string; priority: number }>> {
    const out = new Map<number, { mappingId: number; role: string; priority: number }>();
    if (!groupIds.length) return out;
    const rows = await this.dataSource.query(
      `SELECT rm.id, rm.group_id, r.name, rm.priority FROM role_mappings rm JOIN roles r ON r.id = rm.role_id WHERE rm.group_id IN (${groupIds.map(() => '?').join(', ')})`,
      [...groupIds],
    );
    for (const row of rows)
      out.set(Number(row.group_id), { mappingId: Number(row.id), role: row.name, priority: Number(row.priority) });
    return out;
  }

  /**
   * Whether the organization maps any group to a role. A plain read: every membership and mapping change
   * holds its organization's lock (taken first), so what it reads is current.
   */
  async any(manager: EntityManager, organizationId: number): Promise<boolean> {
    const rows = await manager.query('SELECT id FROM role_mappings WHERE organization_id = ? LIMIT 1', [organizationId]);
    return rows.length > 0;
  }
  /** The highest priority number in use, or 0. */
  async maxPriority(manager: EntityManager, organizationId: number): Promise<number> {
    const [row] = await manager.query('SELECT MAX(priority) AS p FROM role_mappings WHERE organization_id = ?', [organizationId]);
    return Number(row?.p ?? 0);
  }

  async insert(
    manager: EntityManager,
    row: { organizationId: number; groupId: number; roleId: number; priority: number; now: Date },
  ): Promise<number> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('Role mapping writes run inside a transaction');
    const now = toDbDate(row.now);
    const result = await runner.query(
      'INSERT INTO role_mappings (organization_id, group_id, role_id, priority, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [row.organizationId, row.groupId, row.roleId, row.priority, now, now],
      true,
    );
    const raw = result.raw as number | bigint | { insertId: number };
    return Number(typeof raw === 'object' ? raw.insertId : raw);
  }

  async update(manager: EntityManager, id: number, change: { roleId: number; priority: number; now: Date }): Promise<void> {
    await manager.query('UPDATE role_mappings SET role_id = ?, priority = ?, updated_at = ? WHERE id = ?', [
      change.roleId,
      change.priority,
      toDbDate(change.now),
      id,
    ]);
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.query('DELETE FROM role_mappings WHERE id = ?', [id]);
  }

  /** The members of a group (under the organization's lock, like every membership change). */
  async memberIds(manager: EntityManager, groupId: number): Promise<number[]> {
    const rows = await manager.query('SELECT user_id FROM group_members WHERE group_id = ?', [groupId]);
    return rows.map((r: { user_id: number }) => Number(r.user_id));
  }

  /**
   * The role each of these users gets from its groups: the mapping with the lowest priority number
   * among its groups' mappings (ties: the older mapping). Users in no mapped group are absent.
   * A plain read: the caller holds the organization's lock, which every membership and mapping change
   * takes first, so none is under way. (Locking reads here took gap locks on role_mappings' indexes that
   * reached into the next organization's rows: deadlocks between organizations, found by the soak.)
   */
  async grants(manager: EntityManager, userIds: readonly number[]): Promise<Map<number, GroupRole>> {
    const out = new Map<number, GroupRole>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const chunk = userIds.slice(i, i + CHUNK);
      const rows: Array<{ user_id: number; role_id: number; group_id: number; display_name: string }> = await manager.query(
        `SELECT m.user_id, rm.role_id, rm.group_id, g.display_name FROM group_members m JOIN role_mappings rm ON rm.group_id = m.group_id
          JOIN user_groups g ON g.id = rm.group_id
          WHERE m.user_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY m.user_id, rm.priority, rm.id`,
        chunk,
      );
      for (const row of rows) {
        const userId = Number(row.user_id);
        if (!out.has(userId))
          out.set(userId, { roleId: Number(row.role_id), groupId: Number(row.group_id), groupName: String(row.display_name) });
      }
    }
    return out;
  }
}

function toRow(row: Record<string, unknown>): RoleMappingRow {
  return {
    id: Number(row.id),
    groupId: Number(row.group_id),
    groupDisplayName: String(row.display_name),
    roleId: Number(row.role_id),
    role: String(row.role_name),
    priority: Number(row.priority),
    createdAt: toIso(row.created_at as Date | string) as string,
    updatedAt: toIso(row.updated_at as Date | string) as string,
  };
}
