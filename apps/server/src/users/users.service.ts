import type { UserPage, UserView } from '@app/api-types';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TransactionRunner } from '@app/database';
import { EntityManager, Repository } from 'typeorm';
import { badRequest, conflict, notFound, preconditionFailed } from '../common/app-error';
import { Clock } from '../common/clock';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../common/cursor';
import { isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';
import { ADMIN_ROLE, DEFAULT_ROLE, Role } from './role.entity';
import { RolesService } from './roles.service';
import { isValidUserName } from './user-name';
import { StoredUser, USER_ATTRIBUTE_COLUMNS, UserWrite } from './user-write';
import { User } from './user.entity';
import { SqlFragment, UsersRepository } from './users.repository';

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
    private readonly repository: UsersRepository,
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
    const { user, roleName } = await this.getStored(organizationId, rawId);
    return toView(user, roleName);
  }

  /** The admin API's PATCH /v1.0/users/{id}: role and active, with the same rules as SCIM. */
  async updateRoleAndState(organizationId: number, rawId: string, change: RoleAndStateChange): Promise<UserView> {
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const { user, roleName } = await this.loadForUpdate(manager, organizationId, rawId);
        const { role, changed } = await this.applyRoleAndState(manager, user, roleName, change);
        if (changed) {
          this.touch(user);
          await this.repository.updateUser(manager, user, ['roleId', 'active', 'updatedAt', 'version']);
        }
        return toView(user, role.name);
      }),
    );
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
        const role = await this.resolveRole(manager, organizationId, write.role);
        const now = this.clock.now();
        const user = Object.assign(new User(), {
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
          user.id = await this.repository.insertUser(manager, user);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          const existing = await this.repository.findByUserName(manager, organizationId, userName.toLowerCase(), true);
          if (!existing || existing.user.active) {
            throw conflict(`A user with userName "${userName}" already exists in this organization.`, 'uniqueness');
          }
          const stored = await this.applyWrite(manager, existing, { ...write, active: write.active ?? true });
          return { stored, created: false };
        }
        const values = await this.repository.replaceValues(manager, user, [], write.values);
        return { stored: { user, roleName: role.name, values }, created: true };
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
        checkVersion(current.user, ifMatch);
        const write = change(current);
        if (write.userName.trim().toLowerCase() !== current.user.userName.toLowerCase()) {
          throw badRequest(
            "userName is the user's email address and cannot be changed; create a new user instead.",
            'mutability',
          );
        }
        return this.applyWrite(manager, current, write);
      }),
    );
  }

  /** SCIM DELETE: a soft delete. The row and its history stay; every API answers 404 from now on. */
  async remove(organizationId: number, rawId: string, ifMatch?: (version: number) => boolean): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const { user, roleName } = await this.loadForUpdate(manager, organizationId, rawId);
        checkVersion(user, ifMatch);
        await this.applyRoleAndState(manager, user, roleName, { delete: true });
        this.touch(user);
        await this.repository.updateUser(manager, user, ['deletedAt', 'userNameLower', 'updatedAt', 'version']);
      }),
    );
  }

  async getStored(organizationId: number, rawId: string): Promise<StoredUser> {
    const stored = await this.repository.findStored(this.users.manager, organizationId, parseId(rawId, 'user'));
    if (!stored) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return stored;
  }

  /** The user holding a userName (compared case-insensitively), or null. */
  findByUserName(organizationId: number, userName: string): Promise<StoredUser | null> {
    return this.repository.findByUserName(this.users.manager, organizationId, userName.toLowerCase());
  }

  /**
   * Users of an organization matching a WHERE fragment over `users u` (built
   * by the SCIM filter translator), in the given order, one page at a time.
   * The filter runs in the database; only the page is loaded.
   */
  search(
    organizationId: number,
    where: SqlFragment | null,
    orderBy: SqlFragment,
    offset: number,
    limit: number,
  ): Promise<{ total: number; users: StoredUser[] }> {
    return this.repository.search(organizationId, where, orderBy, offset, limit);
  }

  private async applyWrite(manager: EntityManager, current: StoredUser, write: UserWrite): Promise<StoredUser> {
    const { user } = current;
    const { role, changed } = await this.applyRoleAndState(manager, user, current.roleName, {
      role: write.role,
      active: write.active,
    });
    const properties: Array<keyof User> = changed ? ['roleId', 'active'] : [];
    for (const column of USER_ATTRIBUTE_COLUMNS) {
      if (user[column] !== write.attributes[column]) {
        user[column] = write.attributes[column];
        properties.push(column);
      }
    }
    const values = await this.repository.replaceValues(manager, user, current.values, write.values);
    // A write is a change (new version, new lastModified) even when it repeats what is stored: clients
    // that compare versions see that their request was applied.
    this.touch(user);
    await this.repository.updateUser(manager, user, [...properties, 'updatedAt', 'version']);
    return { user, roleName: role.name, values };
  }

  private async loadForUpdate(manager: EntityManager, organizationId: number, rawId: string): Promise<StoredUser> {
    const stored = await this.repository.findStored(manager, organizationId, parseId(rawId, 'user'), true);
    if (!stored) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return stored;
  }

  /** A role of the organization by name (case-insensitive), the default when absent; unknown → 400 listing the valid ones. */
  private async resolveRole(
    manager: EntityManager,
    organizationId: number,
    name: string | null | undefined,
  ): Promise<Pick<Role, 'id' | 'name'>> {
    const role = await this.repository.findRole(manager, organizationId, (name ?? DEFAULT_ROLE).trim().toLowerCase());
    return role ?? this.roles.resolve(manager, organizationId, name);
  }

  /**
   * Applies a role/state change to `user` in memory (the caller saves it),
   * enforcing the last-Admin rule under a per-organization lock. Returns the
   * user's role after the change, and whether anything changed.
   */
  private async applyRoleAndState(
    manager: EntityManager,
    user: User,
    currentRoleName: string,
    change: RoleAndStateChange,
  ): Promise<{ role: Pick<Role, 'id' | 'name'>; changed: boolean }> {
    const current = { id: user.roleId, name: currentRoleName };
    const sameRole = change.role === undefined || change.role.trim().toLowerCase() === currentRoleName.toLowerCase();
    const next = sameRole ? current : await this.resolveRole(manager, user.organizationId, change.role);
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

function checkVersion(user: User, ifMatch: ((version: number) => boolean) | undefined): void {
  if (ifMatch && !ifMatch(user.version)) {
    throw preconditionFailed(`The user has changed since you read it (now version ${user.version}); read it again and retry.`);
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
