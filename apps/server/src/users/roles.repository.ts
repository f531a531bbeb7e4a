import { takesRowLocks } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { toIso } from '../common/db-values';
import { Role } from './role.entity';
import { User } from './user.entity';

/** A role with the number of its users (deleted users excluded). */
export interface RoleWithCount {
  id: number;
  name: string;
  description: string | null;
  predefined: boolean;
  userCount: number;
  createdAt: string;
}

/** Every statement on `roles`, and the count of a role's users that the rules about roles need. */
@Injectable()
export class RolesRepository {
  constructor(@InjectRepository(Role) private readonly roles: Repository<Role>) {}

  insertMany(manager: EntityManager, rows: Array<Omit<Role, 'id'>>): Promise<Role[]> {
    return manager.save(rows.map((row) => manager.create(Role, row)));
  }

  insert(manager: EntityManager, row: Omit<Role, 'id'>): Promise<Role> {
    return manager.save(manager.create(Role, row));
  }

  /** The organization's roles, pre-defined first, each with its live users counted. */
  async listWithUserCounts(organizationId: number): Promise<RoleWithCount[]> {
    const rows = await this.roles
      .createQueryBuilder('r')
      .select([
        'r.id AS id',
        'r.name AS name',
        'r.description AS description',
        'r.predefined AS predefined',
        'r.created_at AS createdAt',
      ])
      .addSelect(
        (q) => q.select('COUNT(*)').from(User, 'u').where('u.role_id = r.id').andWhere('u.deleted_at IS NULL'),
        'userCount',
      )
      .where('r.organization_id = :organizationId', { organizationId })
      .orderBy('r.predefined', 'DESC')
      .addOrderBy('r.id', 'ASC')
      .getRawMany<{
        id: number;
        name: string;
        description: string | null;
        predefined: number | boolean;
        createdAt: Date | string;
        userCount: number | string;
      }>();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      description: r.description,
      predefined: Boolean(Number(r.predefined)),
      userCount: Number(r.userCount),
      createdAt: toIso(r.createdAt) as string,
    }));
  }

  findById(organizationId: number, id: number): Promise<Role | null> {
    return this.roles.findOneBy({ id, organizationId });
  }

  /** Role id and name by lower-cased name, or null: one indexed read on every SCIM write that names a role. */
  async findByName(manager: EntityManager, organizationId: number, nameLower: string): Promise<Pick<Role, 'id' | 'name'> | null> {
    const [row] = await manager.query('SELECT id, name FROM roles WHERE organization_id = ? AND name_lower = ?', [
      organizationId,
      nameLower,
    ]);
    return row ? { id: Number(row.id), name: row.name } : null;
  }

  async nameById(manager: EntityManager, id: number): Promise<string> {
    const [row] = await manager.query('SELECT name FROM roles WHERE id = ?', [id]);
    return String(row?.name ?? '');
  }

  async namesByIds(manager: EntityManager, ids: readonly number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const rows: Array<{ id: number; name: string }> = await manager.query(
      `SELECT id, name FROM roles WHERE id IN (${ids.map(() => '?').join(', ')})`,
      [...ids],
    );
    return new Map(rows.map((r) => [Number(r.id), r.name]));
  }

  /** Every role name of the organization, pre-defined first (for the sentence that lists the valid ones). */
  async names(manager: EntityManager = this.roles.manager, organizationId: number): Promise<string[]> {
    const roles = await manager.find(Role, { where: { organizationId }, order: { predefined: 'DESC', id: 'ASC' } });
    return roles.map((r) => r.name);
  }

  async update(manager: EntityManager, organizationId: number, id: number, patch: Partial<Role>): Promise<void> {
    await manager.update(Role, { id, organizationId }, patch);
  }

  /** MySQL: the role row locked until the transaction ends (SQLite runs one transaction at a time). */
  async lockRow(manager: EntityManager, organizationId: number, id: number): Promise<void> {
    if (!takesRowLocks(manager)) return;
    await manager
      .createQueryBuilder(Role, 'r')
      .setLock('pessimistic_write')
      .where('r.id = :id AND r.organization_id = :organizationId', { id, organizationId })
      .getOne();
  }

  /**
   * Users holding the role, deleted users included (their rows keep the role), and users whose own
   * role it is behind a group's role. On MySQL a locking
   * read, so it counts users committed since the transaction began, not its snapshot.
   */
  async countUsers(manager: EntityManager, organizationId: number, roleId: number): Promise<number> {
    const query = manager
      .createQueryBuilder(User, 'u')
      .select('COUNT(*)', 'n')
      .where('u.organization_id = :organizationId AND (u.role_id = :roleId OR u.own_role_id = :roleId)', {
        organizationId,
        roleId,
      });
    if (takesRowLocks(manager)) query.setLock('pessimistic_read');
    const row = await query.getRawOne<{ n: number | string }>();
    return Number(row?.n ?? 0);
  }

  /** displayNames of the groups whose role mapping gives the role (the groups module's tables), locking on MySQL. */
  async mappedGroups(manager: EntityManager, roleId: number): Promise<string[]> {
    const share = takesRowLocks(manager) ? ' LOCK IN SHARE MODE' : '';
    const rows = await manager.query(
      `SELECT g.display_name FROM role_mappings rm JOIN user_groups g ON g.id = rm.group_id WHERE rm.role_id = ? ORDER BY rm.priority, rm.id${share}`,
      [roleId],
    );
    return rows.map((r: { display_name: string }) => r.display_name);
  }

  async delete(manager: EntityManager, organizationId: number, id: number): Promise<void> {
    await manager.delete(Role, { id, organizationId });
  }
}
