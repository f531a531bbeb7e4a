import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TransactionRunner } from '@app/database';
import { EntityManager, In, Repository } from 'typeorm';
import { badRequest, conflict, notFound, preconditionFailed } from '../common/app-error';
import { Clock } from '../common/clock';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../common/cursor';
import { isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';
import { ADMIN_ROLE, DEFAULT_ROLE, Role } from './role.entity';
import { RolesService } from './roles.service';
import { isValidUserName } from './user-name';
import { INDEXED_VALUE_LENGTH, UserAttributeValue } from './user-attribute-value.entity';
import { StoredUser, USER_ATTRIBUTE_COLUMNS, UserWrite } from './user-write';
import { User } from './user.entity';

export interface UserView {
  id: string;
  userName: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  role: string;
  active: boolean;
  status: 'active' | 'inactive';
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserPage {
  users: UserView[];
  count: number;
  total: number;
  nextCursor: string | null;
}

export interface UserListQuery {
  size?: number;
  cursor?: string;
  status?: 'active' | 'inactive';
  role?: string;
  /** The Members page: everyone whose role is not Employee. */
  membersOnly?: boolean;
}

/** What a change asks of a user's role and state; undefined means unchanged. */
export interface RoleAndStateChange {
  role?: string;
  active?: boolean;
  delete?: boolean;
}

/**
 * The rules about users that every entry point (admin API, SCIM) shares:
 * userName is an email, unique per organization case-insensitively and never
 * changed; the role is a role of the organization; the last active Admin
 * cannot be deactivated, deleted or given another role.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly roles: RolesService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Validates a userName: an email address (Torii's rule on top of SCIM). */
  assertValidUserName(userName: unknown): string {
    if (typeof userName !== 'string' || !userName.trim()) {
      throw badRequest("userName is required: the user's email address.", 'invalidValue');
    }
    const trimmed = userName.trim();
    if (!isValidUserName(trimmed)) {
      throw badRequest(`userName must be the user's email address; "${truncate(trimmed)}" is not a valid email.`, 'invalidValue');
    }
    return trimmed;
  }

  /** Creates an organization's first Admin, inside the caller's transaction. */
  async createAdmin(manager: EntityManager, organizationId: number, email: string): Promise<User> {
    const userName = this.assertValidUserName(email);
    const role = await this.roles.resolve(manager, organizationId, ADMIN_ROLE);
    const now = this.clock.now();
    try {
      return await manager.save(
        manager.create(User, {
          organizationId,
          userName,
          userNameLower: userName.toLowerCase(),
          roleId: role.id,
          active: true,
          createdAt: now,
          updatedAt: now,
          version: 1,
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`A user with userName "${userName}" already exists in this organization.`, 'uniqueness');
      throw error;
    }
  }

  async list(organizationId: number, query: UserListQuery): Promise<UserPage> {
    const size = query.size ?? DEFAULT_PAGE_SIZE;
    const afterId = decodeCursor(query.cursor);
    const base = this.users
      .createQueryBuilder('u')
      .innerJoin(Role, 'r', 'r.id = u.role_id')
      .where('u.organization_id = :organizationId', { organizationId })
      .andWhere('u.deleted_at IS NULL');
    if (query.status) base.andWhere('u.active = :active', { active: query.status === 'active' ? 1 : 0 });
    if (query.role) base.andWhere('r.name_lower = :role', { role: query.role.trim().toLowerCase() });
    if (query.membersOnly) base.andWhere('r.name_lower <> :employee', { employee: DEFAULT_ROLE.toLowerCase() });
    const total = await base.clone().getCount();
    const rows = await base
      .clone()
      .addSelect('r.name', 'roleName')
      .andWhere('u.id > :afterId', { afterId })
      .orderBy('u.id', 'ASC')
      .limit(size + 1)
      .getRawAndEntities();
    const page = rows.entities.slice(0, size);
    const roleNames = rows.raw.map((r: { roleName: string }) => r.roleName);
    return {
      users: page.map((u, i) => toView(u, roleNames[i])),
      count: page.length,
      total,
      nextCursor: rows.entities.length > size ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async get(organizationId: number, rawId: string): Promise<UserView> {
    const user = await this.find(this.users.manager, organizationId, rawId);
    const role = await this.roles.findById(this.users.manager, organizationId, user.roleId);
    return toView(user, role.name);
  }

  /** The admin API's PATCH /v1.0/users/{id}: role and active, with the same rules as SCIM. */
  async updateRoleAndState(organizationId: number, rawId: string, change: RoleAndStateChange): Promise<UserView> {
    return this.transactions.run(async (manager) => {
      const user = await this.find(manager, organizationId, rawId);
      const { role, changed } = await this.applyRoleAndState(manager, user, change);
      if (changed) this.touch(user);
      await manager.save(user);
      return toView(user, role.name);
    });
  }

  /**
   * Applies a role/state change to `user` in memory (the caller saves it),
   * enforcing the last-Admin rule under a per-organization lock. Returns the
   * user's role after the change, and whether anything changed.
   */
  private async applyRoleAndState(
    manager: EntityManager,
    user: User,
    change: RoleAndStateChange,
  ): Promise<{ role: Role; changed: boolean }> {
    const current = await this.roles.findById(manager, user.organizationId, user.roleId);
    const next = change.role !== undefined ? await this.roles.resolve(manager, user.organizationId, change.role) : current;
    const wasActiveAdmin = current.name === ADMIN_ROLE && user.active && !user.deletedAt;
    const staysActiveAdmin = next.name === ADMIN_ROLE && (change.active ?? user.active) && !change.delete;
    if (wasActiveAdmin && !staysActiveAdmin) {
      await this.lockOrganization(manager, user.organizationId);
      const otherAdmins = await this.countOtherActiveAdmins(manager, user, current.id);
      if (otherAdmins === 0) {
        const action = change.delete ? 'deleted' : change.active === false ? 'deactivated' : 'given another role';
        throw badRequest(
          `${user.userName} is the organization's last active Admin and cannot be ${action}; make another user an Admin first.`,
          'mutability',
        );
      }
    }
    const changed =
      next.id !== user.roleId || (change.active !== undefined && change.active !== user.active) || Boolean(change.delete);
    user.roleId = next.id;
    if (change.active !== undefined) user.active = change.active;
    if (change.delete) {
      user.deletedAt = this.clock.now();
      user.userNameLower = null;
    }
    return { role: next, changed };
  }

  /** Every change moves lastModified and the version (the SCIM ETag). */
  private touch(user: User): void {
    user.updatedAt = this.clock.now();
    user.version += 1;
  }

  /**
   * On MySQL a locking read, so the count sees the latest committed rows rather
   * than the transaction's snapshot (taken at its first read, before the lock).
   */
  private async countOtherActiveAdmins(manager: EntityManager, user: User, adminRoleId: number): Promise<number> {
    const query = manager
      .createQueryBuilder(User, 'u')
      .select('COUNT(*)', 'n')
      .where('u.organization_id = :org AND u.role_id = :role AND u.active = 1 AND u.deleted_at IS NULL AND u.id <> :id', {
        org: user.organizationId,
        role: adminRoleId,
        id: user.id,
      });
    if (manager.connection.options.type !== 'better-sqlite3') query.setLock('pessimistic_read');
    const row = await query.getRawOne<{ n: number | string }>();
    return Number(row?.n ?? 0);
  }

  /**
   * Creates a user, or, when the userName (case-insensitively) belongs to a
   * deactivated user, reactivates and updates that user (same id). An active
   * user with that userName is a 409. The unique index decides between
   * concurrent creations.
   */
  async provision(organizationId: number, write: UserWrite): Promise<{ stored: StoredUser; created: boolean }> {
    const userName = this.assertValidUserName(write.userName);
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const role = await this.roles.resolve(manager, organizationId, write.role);
        const now = this.clock.now();
        const user = manager.create(User, {
          organizationId,
          userName,
          userNameLower: userName.toLowerCase(),
          roleId: role.id,
          active: write.active ?? true,
          ...write.attributes,
          createdAt: now,
          updatedAt: now,
          version: 1,
          deletedAt: null,
        });
        try {
          // Insert a copy: on MySQL, TypeORM writes the re-read column defaults back into the inserted
          // object as raw driver values (active: 1), which would then be rendered as they are.
          const { identifiers } = await manager.insert(User, { ...user });
          user.id = Number(identifiers[0].id);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          const existing = await this.lockByUserName(manager, organizationId, userName);
          if (!existing || existing.active) {
            throw conflict(`A user with userName "${userName}" already exists in this organization.`, 'uniqueness');
          }
          const stored = await this.applyWrite(manager, existing, { ...write, active: write.active ?? true });
          return { stored, created: false };
        }
        await this.replaceValues(manager, user, write.values);
        return { stored: { user, roleName: role.name, values: await this.loadValues(manager, [user.id]) }, created: true };
      }),
    );
  }

  /**
   * Changes a user under a row lock: `change` gets the current state and
   * returns the wanted one (a PUT ignores it; a PATCH applies its operations to
   * it), so concurrent updates never lose each other. `ifMatch` is the client's
   * If-Match version, if any.
   */
  async update(
    organizationId: number,
    rawId: string,
    change: (current: StoredUser) => UserWrite,
    ifMatch?: (version: number) => boolean,
  ): Promise<StoredUser> {
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const current = await this.loadForUpdate(manager, organizationId, rawId);
        if (ifMatch && !ifMatch(current.user.version)) {
          throw preconditionFailed(
            `The user has changed since you read it (now version ${current.user.version}); read it again and retry.`,
          );
        }
        const write = change(current);
        if (write.userName.trim().toLowerCase() !== current.user.userName.toLowerCase()) {
          throw badRequest(
            "userName is the user's email address and cannot be changed; create a new user instead.",
            'mutability',
          );
        }
        return this.applyWrite(manager, current.user, write);
      }),
    );
  }

  /** SCIM DELETE: a soft delete. The row and its history stay; every API answers 404 from now on. */
  async remove(organizationId: number, rawId: string, ifMatch?: (version: number) => boolean): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const current = await this.loadForUpdate(manager, organizationId, rawId);
        if (ifMatch && !ifMatch(current.user.version)) {
          throw preconditionFailed(
            `The user has changed since you read it (now version ${current.user.version}); read it again and retry.`,
          );
        }
        await this.applyRoleAndState(manager, current.user, { delete: true });
        this.touch(current.user);
        await manager.save(current.user);
      }),
    );
  }

  async getStored(organizationId: number, rawId: string): Promise<StoredUser> {
    const user = await this.find(this.users.manager, organizationId, rawId);
    return (await this.hydrate(this.users.manager, [user]))[0];
  }

  /**
   * Users of an organization matching a WHERE fragment over `users u` (built
   * by the SCIM filter translator), in the given order, one page at a time.
   * The filter runs in the database; only the page is loaded.
   */
  async search(
    organizationId: number,
    where: { sql: string; params: unknown[] } | null,
    orderBy: { sql: string; params: unknown[] },
    offset: number,
    limit: number,
  ): Promise<{ total: number; users: StoredUser[] }> {
    const conditions = ['u.organization_id = ?', 'u.deleted_at IS NULL', ...(where ? [`(${where.sql})`] : [])];
    const params = [organizationId, ...(where?.params ?? [])];
    const from = `FROM users u WHERE ${conditions.join(' AND ')}`;
    const [{ total }] = (await this.users.query(`SELECT COUNT(*) AS total ${from}`, params)) as Array<{ total: number | string }>;
    if (limit === 0 || Number(total) === 0) return { total: Number(total), users: [] };
    const rows = (await this.users.query(`SELECT u.id AS id ${from} ORDER BY ${orderBy.sql} LIMIT ? OFFSET ?`, [
      ...params,
      ...orderBy.params,
      limit,
      offset,
    ])) as Array<{ id: number }>;
    const ids = rows.map((r) => Number(r.id));
    const users = await this.users.findBy({ id: In(ids) });
    const byId = new Map(users.map((u) => [u.id, u]));
    return {
      total: Number(total),
      users: await this.hydrate(this.users.manager, ids.map((id) => byId.get(id)!).filter(Boolean)),
    };
  }

  private async applyWrite(manager: EntityManager, user: User, write: UserWrite): Promise<StoredUser> {
    const { role } = await this.applyRoleAndState(manager, user, { role: write.role, active: write.active });
    for (const column of USER_ATTRIBUTE_COLUMNS) user[column] = write.attributes[column];
    this.touch(user);
    await manager.save(user);
    await this.replaceValues(manager, user, write.values);
    return { user, roleName: role.name, values: await this.loadValues(manager, [user.id]) };
  }

  private async replaceValues(manager: EntityManager, user: User, values: UserWrite['values']): Promise<void> {
    await manager.delete(UserAttributeValue, { userId: user.id });
    if (!values.length) return;
    await manager.insert(
      UserAttributeValue,
      values.map((v) => {
        const lower = v.value?.toLowerCase() ?? null;
        return {
          ...v,
          userId: user.id,
          organizationId: user.organizationId,
          valueLower: lower !== null && Array.from(lower).length <= INDEXED_VALUE_LENGTH ? lower : null,
        };
      }),
    );
  }

  private async loadForUpdate(manager: EntityManager, organizationId: number, rawId: string): Promise<StoredUser> {
    const id = parseId(rawId, 'user');
    const query = manager
      .createQueryBuilder(User, 'u')
      .where('u.id = :id AND u.organization_id = :organizationId', { id, organizationId });
    if (manager.connection.options.type !== 'better-sqlite3') query.setLock('pessimistic_write');
    const user = await query.getOne();
    if (!user || user.deletedAt) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return (await this.hydrate(manager, [user]))[0];
  }

  private async lockByUserName(manager: EntityManager, organizationId: number, userName: string): Promise<User | null> {
    const query = manager
      .createQueryBuilder(User, 'u')
      .where('u.organization_id = :organizationId AND u.user_name_lower = :lower', {
        organizationId,
        lower: userName.toLowerCase(),
      });
    // A locking read sees the row a concurrent transaction just committed, not this transaction's snapshot.
    if (manager.connection.options.type !== 'better-sqlite3') query.setLock('pessimistic_write');
    return query.getOne();
  }

  private async hydrate(manager: EntityManager, users: User[]): Promise<StoredUser[]> {
    if (!users.length) return [];
    const roleIds = [...new Set(users.map((u) => u.roleId))];
    const roles = await manager.findBy(Role, { id: In(roleIds) });
    const roleNames = new Map(roles.map((r) => [r.id, r.name]));
    const values = await this.loadValues(
      manager,
      users.map((u) => u.id),
    );
    const byUser = new Map<number, UserAttributeValue[]>();
    for (const v of values) byUser.set(v.userId, [...(byUser.get(v.userId) ?? []), v]);
    return users.map((user) => ({ user, roleName: roleNames.get(user.roleId) ?? '', values: byUser.get(user.id) ?? [] }));
  }

  private loadValues(manager: EntityManager, userIds: number[]): Promise<UserAttributeValue[]> {
    return manager.find(UserAttributeValue, {
      where: { userId: In(userIds) },
      order: { userId: 'ASC', attribute: 'ASC', position: 'ASC' },
    });
  }

  /** Email addresses of the organization's active Admins (who get key-expiry reminders). */
  async activeAdminEmails(organizationId: number): Promise<string[]> {
    const rows = await this.users
      .createQueryBuilder('u')
      .innerJoin(Role, 'r', 'r.id = u.role_id')
      .select('u.user_name', 'userName')
      .where('u.organization_id = :organizationId', { organizationId })
      .andWhere('r.name_lower = :admin', { admin: ADMIN_ROLE.toLowerCase() })
      .andWhere('u.active = 1 AND u.deleted_at IS NULL')
      .orderBy('u.id', 'ASC')
      .getRawMany<{ userName: string }>();
    return rows.map((r) => r.userName);
  }

  async find(manager: EntityManager, organizationId: number, rawId: string): Promise<User> {
    const id = parseId(rawId, 'user');
    const user = await manager.findOneBy(User, { id, organizationId });
    if (!user || user.deletedAt) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return user;
  }

  /**
   * Serializes changes that could remove the last Admin, per organization:
   * a row lock on MySQL; on SQLite transactions are already one at a time.
   */
  private async lockOrganization(manager: EntityManager, organizationId: number): Promise<void> {
    if (manager.connection.options.type === 'better-sqlite3') return;
    await manager
      .createQueryBuilder(Organization, 'o')
      .setLock('pessimistic_write')
      .where('o.id = :organizationId', { organizationId })
      .getOne();
  }
}

export function toView(user: User, roleName: string): UserView {
  return {
    id: String(user.id),
    userName: user.userName,
    email: user.userName,
    firstName: user.nameGivenName,
    lastName: user.nameFamilyName,
    displayName: user.displayName,
    role: roleName,
    active: user.active,
    status: user.active ? 'active' : 'inactive',
    externalId: user.externalId,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
