import type { UserPage, UserUpdate, UserView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditChange, AuditService } from '../audit/audit.service';
import { conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { AdminCursors } from '../cursors/admin-cursors';
import { ADMIN_ROLE, DEFAULT_ROLE } from './role.entity';
import { attributeChanges } from './user-changes';
import { changeEvents } from './user-events';
import { validFullName, withIdentity } from './user-identity';
import { validUserName } from './user-name';
import { toResource, UserResource } from './user-resource';
import { UserRolesService } from './user-roles.service';
import { assignAttributes, toScimUser, toUserWrite, UserAttributes, UserRow } from './user-storage.mapping';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

export interface UserListQuery {
  size?: number;
  cursor?: string;
  status?: 'active' | 'inactive';
  role?: string;
  /** The Members page: everyone whose role is not Employee. */
  membersOnly?: boolean;
  /** A group's id: its members only. */
  group?: string;
  /** Part of the userName or displayName, case-insensitive. */
  q?: string;
}

/**
 * Users as the admin API and the other modules read them (the list, one user, the Admins who get
 * mail), and the admin API's change of a user's role and state. Identity providers' writes are
 * UserProvisioningService's, searches UserSearchService's, and every role change goes through
 * UserRolesService.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly userRoles: UserRolesService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly cursors: AdminCursors,
  ) {}

  async list(organizationId: number, query: UserListQuery): Promise<UserPage> {
    const size = query.size ?? DEFAULT_PAGE_SIZE;
    const { rows, total } = await this.repository.list(organizationId, {
      afterId: this.cursors.decode('users', organizationId, query.cursor),
      size: size + 1,
      active: query.status === undefined ? undefined : query.status === 'active',
      roleLower: query.role ? query.role.trim().normalize('NFC').toLowerCase() : undefined,
      exceptRoleLower: query.membersOnly ? DEFAULT_ROLE.toLowerCase() : undefined,
      groupId: query.group === undefined ? undefined : parseId(query.group, 'group'),
      containsLower: query.q?.trim() ? query.q.trim().normalize('NFC').toLowerCase() : undefined,
    });
    const page = rows.slice(0, size);
    const groups = await this.repository.groupNames([
      ...new Set(page.map((r) => r.user.roleGroupId).filter((id): id is number => id !== null)),
    ]);
    return {
      users: page.map((r) => toView(r.user, r.roleName, groups)),
      count: page.length,
      total,
      nextCursor: rows.length > size ? this.cursors.encode('users', organizationId, page[page.length - 1].user.id) : null,
    };
  }

  async get(organizationId: number, rawId: string): Promise<UserView> {
    const { user, roleName } = await this.findRow(organizationId, rawId);
    return this.view(user, roleName);
  }

  /** One live user as SCIM shows it. */
  async getResource(organizationId: number, rawId: string): Promise<UserResource> {
    return toResource(await this.findRow(organizationId, rawId));
  }

  /**
   * The admin API's PATCH /v1.0/users/{id}, in one transaction under the user's row lock: role and active
   * with the same rules as SCIM (UserRolesService.applyAdminChange), and, for a user no identity provider
   * manages, its email address (userName and primary email, unique per organization case-insensitively)
   * and full name. For a user an identity provider manages, email and name are 409: they are its.
   */
  async update(organizationId: number, rawId: string, change: UserUpdate, scope: AuditScope): Promise<UserView> {
    const email = change.email === undefined ? undefined : validUserName(change.email, 'email');
    const name = change.name === undefined || change.name === null ? change.name : validFullName(change.name);
    const editsIdentity = email !== undefined || name !== undefined;
    try {
      const { user, roleName } = await retryOnDeadlock(() =>
        this.transactions.run(
          async (manager) => {
            const row = await this.loadForUpdate(manager, organizationId, rawId);
            const { user, roleName } = row;
            if (editsIdentity && user.scimManaged) throw managedByIdentityProvider(user, email !== undefined);
            const wasActive = user.active;
            const { role, changed } = await this.userRoles.applyAdminChange(manager, user, roleName, change);
            const properties: Array<keyof User> = changed ? ['roleId', 'active'] : [];
            const identity = editsIdentity ? await this.applyIdentity(manager, row, { email, name }, properties) : null;
            const changes = identity?.changes ?? [];
            if (properties.length || identity?.valuesChanged) {
              user.updatedAt = this.clock.now();
              user.version += 1;
              // Not at the COMMIT: a taken address fails this statement, inside the transaction (409 below).
              await this.repository.updateUser(manager, user, [...properties, 'updatedAt', 'version']);
              await this.audit.record(
                manager,
                scope,
                ...changeEvents(user, { role: [roleName, role.name], active: [wasActive, user.active], changes }),
              );
            }
            return { user, roleName: role.name };
          },
          { organizationId },
        ),
      );
      return this.view(user, roleName);
    } catch (error) {
      if (email !== undefined && isUniqueViolation(error))
        throw conflict(`A user with the email ${JSON.stringify(email)} already exists in this organization.`, 'uniqueness');
      throw error;
    }
  }

  /**
   * Writes a new email address and/or full name into the locked user (userName, its lower-cased key, the
   * primary email, displayName and name); adds the changed columns to `properties` and returns the
   * changes for the audit log, and whether the value rows changed (they go with the COMMIT, as any write's).
   */
  private async applyIdentity(
    manager: EntityManager,
    row: UserRow,
    change: { email?: string; name?: string | null },
    properties: Array<keyof User>,
  ): Promise<{ changes: AuditChange[]; valuesChanged: boolean }> {
    const { user } = row;
    const write = toUserWrite(withIdentity(toScimUser(row), change));
    const changes: AuditChange[] = [];
    if (write.userName !== user.userName) {
      changes.push({ attribute: 'userName', from: user.userName, to: write.userName });
      user.userName = write.userName;
      user.userNameLower = write.userName.toLowerCase();
      properties.push('userName', 'userNameLower');
    }
    const before = assignAttributes(user, write.attributes, properties);
    const values = await this.repository.replaceValues(manager, user, row.values, write.values);
    const columns = user as unknown as UserAttributes;
    changes.push(...attributeChanges(before, columns, row.values, values));
    return { changes, valuesChanged: values !== row.values };
  }

  /** The id of the live user with this email address (userName, case-insensitively), or 404: the CLI's `--user <email>`. */
  async idByEmail(organizationId: number, email: string): Promise<string> {
    const userName = email.trim().normalize('NFC');
    const row = await this.repository.findLiveByUserName(organizationId, userName.toLowerCase());
    if (!row) throw notFound(`No user with the email ${JSON.stringify(userName)} in this organization.`);
    return String(row.user.id);
  }

  /** Email addresses of the organization's active Admins (who get key-expiry reminders). */
  activeAdminEmails(organizationId: number): Promise<string[]> {
    return this.repository.activeUserNamesInRole(organizationId, ADMIN_ROLE.toLowerCase());
  }

  private async findRow(organizationId: number, rawId: string): Promise<UserRow> {
    const row = await this.repository.findLive(organizationId, parseId(rawId, 'user'));
    if (!row) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return row;
  }

  private async loadForUpdate(manager: EntityManager, organizationId: number, rawId: string): Promise<UserRow> {
    const row = await this.repository.findStored(manager, organizationId, parseId(rawId, 'user'), true);
    if (!row) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return row;
  }

  /** The admin API's view of a user, with the group its role comes from. */
  private async view(user: User, roleName: string): Promise<UserView> {
    return toView(user, roleName, await this.repository.groupNames(user.roleGroupId === null ? [] : [user.roleGroupId]));
  }
}

/** 409: an identity provider manages the user; its email and name are changed there. */
function managedByIdentityProvider(user: User, email: boolean): Error {
  return conflict(
    `${user.userName} is managed by your identity provider (it was provisioned through SCIM): change their ${email ? 'email address' : 'name'} there, and it reaches Torii on the next sync. Only users created by the first start or the CLI can be edited here.`,
  );
}

function toView(user: User, roleName: string, groupNames: ReadonlyMap<number, string>): UserView {
  const groupId = user.roleGroupId;
  return {
    id: String(user.id),
    userName: user.userName,
    email: user.userName,
    firstName: user.nameGivenName,
    lastName: user.nameFamilyName,
    displayName: user.displayName,
    role: roleName,
    roleSource: groupId === null ? 'user' : 'group',
    roleGroup: groupId === null ? null : { id: String(groupId), displayName: groupNames.get(groupId) ?? '' },
    active: user.active,
    status: user.active ? 'active' : 'inactive',
    externalId: user.externalId,
    scimManaged: user.scimManaged,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
