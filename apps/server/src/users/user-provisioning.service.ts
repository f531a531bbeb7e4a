import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { ScimUserInput } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditChange, AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { isForeignKeyViolation, isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { ADMIN_ROLE } from './role.entity';
import { RolesService } from './roles.service';
import { attributeChanges } from './user-changes';
import { changeEvents, createdEvent, deletedEvent, restoredEvent } from './user-events';
import { DeprovisionedUser, DeprovisioningService } from '../deprovisioning/deprovisioning.service';
import { nameAttributes } from './user-identity';
import { validUserName } from './user-name';
import { checkVersion, toResource, UserResource } from './user-resource';
import { PriorRoles, UserRolesService } from './user-roles.service';
import {
  assignAttributes,
  NO_ATTRIBUTES,
  toScimUser,
  toUserWrite,
  UserAttributes,
  UserRow,
  UserWrite,
} from './user-storage.mapping';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/**
 * Users as identity providers provision them (SCIM create, replace, update, delete) and as an
 * organization's first Admin is made: userName is an email, unique per organization
 * case-insensitively and never changed; role and state go through UserRolesService. Each change
 * runs in one transaction, under the user's row lock (MySQL), and records its audit events in it.
 */
@Injectable()
export class UserProvisioningService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly roles: RolesService,
    private readonly userRoles: UserRolesService,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly deprovisionings: DeprovisioningService,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates an organization's first Admin, inside the caller's transaction: its address is its userName
   * and its primary work email; `fullName` (optional) gives displayName and name (the last word is the
   * family name), as a provisioning client would have sent them.
   */
  async createAdmin(
    manager: EntityManager,
    organizationId: number,
    email: string,
    fullName: string | undefined,
    scope: AuditScope,
  ): Promise<{ id: number; userName: string }> {
    const userName = validUserName(email);
    const role = await this.roles.resolve(manager, organizationId, ADMIN_ROLE);
    const write = toUserWrite({
      userName,
      emails: [{ value: userName, type: 'work', primary: true }],
      ...nameAttributes(fullName),
    });
    const user = this.newUser(organizationId, userName, role.id, true, { ...NO_ATTRIBUTES, ...write.attributes });
    // No identity provider manages it (yet): its email and name may be edited in the admin API.
    user.scimManaged = false;
    try {
      user.id = await this.repository.insertUser(manager, user);
      await this.repository.replaceValues(manager, user, [], write.values);
      await this.audit.record(manager, scope, createdEvent(user, role.name, write.attributes, write.values));
      return { id: user.id, userName };
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`A user with userName "${userName}" already exists in this organization.`, 'uniqueness');
      throw error;
    }
  }

  /**
   * Creates a user from a SCIM User, or, when the userName (case-insensitively)
   * belongs to a deactivated user, reactivates and updates that user (same id).
   * An active user with that userName is a 409. The unique index decides
   * between concurrent creations.
   *
   * A create whose INSERT hits the unique index ends its transaction before the
   * user is read under a lock in a second one: on MySQL the failed INSERT leaves
   * a shared lock on the index record, and asking for the row lock in the same
   * transaction deadlocked when many clients sent one userName at once (each
   * held the shared lock the others waited on).
   */
  async provision(
    organizationId: number,
    input: ScimUserInput,
    scope: AuditScope,
  ): Promise<{ user: UserResource; created: boolean }> {
    const write = toUserWrite(input);
    const userName = validUserName(write.userName);
    const taken = () => conflict(`A user with userName "${userName}" already exists in this organization.`, 'uniqueness');
    return this.refusingVanishedRole(organizationId, write.role, async () => {
      // A taken userName whose user is deleted before it can be read is free again: create once more.
      for (let attempt = 0; attempt < 3; attempt++) {
        const created = await this.inTransaction(organizationId, async (manager) => {
          const user = this.newUser(organizationId, userName, 0, write.active ?? true, write.attributes);
          let inserted: Awaited<ReturnType<UsersRepository['insertUserInRole']>>;
          try {
            inserted = await this.repository.insertUserInRole(manager, user, this.roles.nameKey(write.role));
          } catch (error) {
            if (isUniqueViolation(error)) return null;
            throw error;
          }
          if (!inserted) return this.roles.refuseUnknown(organizationId, write.role, manager);
          const { role } = inserted;
          user.id = inserted.id;
          user.roleId = role.id;
          const values = await this.repository.replaceValues(manager, user, [], write.values);
          await this.audit.record(manager, scope, createdEvent(user, role.name, write.attributes, values));
          return { user: toResource({ user, roleName: role.name, values }), created: true };
        });
        if (created) return created;
        const reactivated = await this.inTransaction(organizationId, async (manager) => {
          const existing = await this.repository.findByUserName(manager, organizationId, userName.toLowerCase(), true);
          if (!existing) return null;
          if (existing.user.active) throw taken();
          const updated = await this.applyWrite(manager, existing, { ...write, active: write.active ?? true }, scope);
          return { user: toResource(updated), created: false };
        });
        if (reactivated) return reactivated;
      }
      throw taken();
    });
  }

  /**
   * SCIM PUT: replaces the user's attributes with `input` (role and state only when given). The
   * body is converted and checked before anything is read, as a PUT's errors do not depend on the
   * stored user.
   */
  replace(
    organizationId: number,
    rawId: string,
    input: ScimUserInput,
    scope: AuditScope,
    ifMatch?: (version: number) => boolean,
  ): Promise<UserResource> {
    const write = toUserWrite(input);
    return this.change(organizationId, rawId, () => write, scope, ifMatch);
  }

  /**
   * SCIM PATCH: `patch` gets the current SCIM User, read under a row lock, and returns the wanted
   * one, so concurrent updates never lose each other.
   */
  patch(
    organizationId: number,
    rawId: string,
    patch: (current: ScimUserInput) => ScimUserInput,
    scope: AuditScope,
    ifMatch?: (version: number) => boolean,
  ): Promise<UserResource> {
    return this.change(organizationId, rawId, (current) => toUserWrite(patch(toScimUser(current))), scope, ifMatch);
  }

  /**
   * SCIM DELETE: every API answers 404 from now on and the userName is free, but the user stays
   * restorable for DELETED_USER_RETENTION_DAYS (its row, and its state and groups as recorded by the
   * DeprovisioningService, which also counts it towards a burst).
   */
  async remove(organizationId: number, rawId: string, scope: AuditScope, ifMatch?: (version: number) => boolean): Promise<void> {
    await this.inTransaction(organizationId, async (manager) => {
      const current = await this.loadForUpdate(manager, organizationId, rawId);
      const { user, roleName } = current;
      checkVersion(user, ifMatch);
      const before = deprovisioned(current);
      await this.userRoles.apply(manager, user, roleName, { delete: true });
      this.touch(user);
      await this.deprovisionings.record(manager, before, 'deleted', scope);
      await this.repository.deleteUser(manager, user, markScimManaged(user));
      await this.audit.record(manager, scope, deletedEvent(user));
    });
  }

  /**
   * Puts a user back as it was before a deactivation or deletion (the safety net's restore and undo),
   * inside the caller's transaction, which holds the organization's lock: undeleted with the same id,
   * its role columns and active state as recorded (UserRolesService.restore), with its audit events.
   * Its groups are the groups module's: the caller restores them and settles their roles next.
   * `taken`: a live user holds its userName (nothing written); `gone`: purged (or, with `deletedOnly`,
   * not deleted).
   */
  async restoreState(
    manager: EntityManager,
    organizationId: number,
    userId: number,
    prior: PriorRoles & { wasActive: boolean },
    scope: AuditScope,
    options: { deletedOnly?: boolean } = {},
  ): Promise<{ outcome: 'restored' | 'taken' | 'gone'; userName?: string }> {
    const row = await this.repository.findIncludingDeleted(manager, organizationId, userId);
    if (!row || (options.deletedOnly && row.user.deletedAt === null)) return { outcome: 'gone' };
    const { user } = row;
    const undelete = user.deletedAt !== null;
    if (undelete && (await this.repository.findByUserName(manager, organizationId, user.userName.toLowerCase(), true)))
      return { outcome: 'taken', userName: user.userName };
    const before = { roleId: user.roleId, ownRoleId: user.ownRoleId, roleGroupId: user.roleGroupId, active: user.active };
    const role = await this.userRoles.restore(manager, user, prior);
    const moved =
      before.roleId !== user.roleId ||
      before.ownRoleId !== user.ownRoleId ||
      before.roleGroupId !== user.roleGroupId ||
      before.active !== user.active;
    if (!undelete && !moved) return { outcome: 'restored', userName: user.userName };
    this.touch(user);
    const properties: Array<keyof User> = ['roleId', 'ownRoleId', 'roleGroupId', 'active', 'updatedAt', 'version'];
    const records = changeEvents(user, { role: [row.roleName, role.name], active: [before.active, user.active] });
    if (undelete) {
      user.deletedAt = null;
      user.userNameLower = user.userName.toLowerCase();
      try {
        await this.repository.undeleteUser(manager, user, properties);
      } catch (error) {
        if (isUniqueViolation(error)) return { outcome: 'taken', userName: user.userName };
        throw error;
      }
      records.unshift(restoredEvent(user, role.name));
    } else {
      await this.repository.updateUser(manager, user, properties);
    }
    await this.audit.record(manager, scope, ...records);
    return { outcome: 'restored', userName: user.userName };
  }

  /** Changes a user under a row lock; `ifMatch` is the client's If-Match version, if any. */
  private async change(
    organizationId: number,
    rawId: string,
    wanted: (current: UserRow) => UserWrite,
    scope: AuditScope,
    ifMatch: ((version: number) => boolean) | undefined,
  ): Promise<UserResource> {
    let role: string | undefined;
    return this.refusingVanishedRole(
      organizationId,
      () => role,
      () =>
        this.inTransaction(organizationId, async (manager) => {
          const current = await this.loadForUpdate(manager, organizationId, rawId);
          checkVersion(current.user, ifMatch);
          // Behind a group's role, userType is the user's own role: a PATCH that leaves userType alone keeps it.
          const ownRoleId = current.user.roleGroupId === null ? null : current.user.ownRoleId;
          const write = wanted(
            ownRoleId === null ? current : { ...current, roleName: await this.roles.nameOf(manager, ownRoleId) },
          );
          role = write.role;
          if (write.userName.trim().normalize('NFC').toLowerCase() !== current.user.userName.normalize('NFC').toLowerCase()) {
            throw badRequest(
              "userName is the user's email address and cannot be changed; create a new user instead.",
              'mutability',
            );
          }
          return toResource(await this.applyWrite(manager, current, write, scope));
        }),
    );
  }

  /** Writes what a SCIM write changes of a locked user: role and state (UserRolesService), attributes, values, events. */
  private async applyWrite(manager: EntityManager, current: UserRow, write: UserWrite, scope: AuditScope): Promise<UserRow> {
    const { user } = current;
    const wasActive = user.active;
    const deactivating = wasActive && write.active === false ? deprovisioned(current) : null;
    const { role, changed, ownChange } = await this.userRoles.apply(manager, user, current.roleName, {
      role: write.role,
      active: write.active,
    });
    if (deactivating) await this.deprovisionings.record(manager, deactivating, 'deactivated', scope);
    const ownChanged = ownChange !== undefined;
    const properties: Array<keyof User> = changed ? ['roleId', 'active'] : [];
    const before = assignAttributes(user, write.attributes, properties);
    const columns = user as unknown as UserAttributes;
    const values = await this.repository.replaceValues(manager, user, current.values, write.values);
    const changes: AuditChange[] =
      properties.length > (changed ? 2 : 0) || values !== current.values
        ? attributeChanges(before, columns, current.values, values)
        : [];
    if (ownChange) changes.push({ attribute: 'userType (own role, behind a group role)', ...ownChange });
    const records = changeEvents(user, { role: [current.roleName, role.name], active: [wasActive, user.active], changes });
    // The identity provider writes the user: from now on it manages it (not part of the SCIM resource either).
    const managed = markScimManaged(user);
    // A write that changes nothing keeps the version and lastModified (RFC 7644 §3.14: the version
    // tracks the resource, not the requests; Okta and Entra repeat unchanged PUTs on every sync).
    if (properties.length === 0 && values === current.values) {
      // The own role behind a group's is not part of the SCIM resource: stored without a new version.
      const unversioned: Array<keyof User> = [...(ownChanged ? ['ownRoleId' as const] : []), ...managed];
      if (unversioned.length) await this.repository.updateUserAtCommit(manager, user, unversioned);
      await this.audit.record(manager, scope, ...records);
      return { user, roleName: role.name, values, groups: current.groups };
    }
    if (ownChanged) properties.push('ownRoleId');
    properties.push(...managed);
    this.touch(user);
    await this.repository.updateUserAtCommit(manager, user, [...properties, 'updatedAt', 'version']);
    await this.audit.record(manager, scope, ...records);
    // A SCIM write of a user never changes its groups: the answer shows those the locked read brought (SQLite), not read again.
    return { user, roleName: role.name, values, groups: current.groups };
  }

  /** One write of an organization's users, in one transaction, run again on a deadlock. */
  private inTransaction<T>(organizationId: number, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() => this.transactions.run(work, { organizationId }));
  }

  /**
   * A role deleted between being read and being written (an admin deletes it while the identity
   * provider assigns it) fails the write on the foreign key, on MySQL: that is the same 400 as a
   * role that never existed, not a 500.
   */
  private async refusingVanishedRole<T>(
    organizationId: number,
    role: string | undefined | (() => string | undefined),
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const name = typeof role === 'function' ? role() : role;
      if (!isForeignKeyViolation(error) || name === undefined) throw error;
      return this.roles.refuseUnknown(organizationId, name);
    }
  }

  private async loadForUpdate(manager: EntityManager, organizationId: number, rawId: string): Promise<UserRow> {
    const row = await this.repository.findStored(manager, organizationId, parseId(rawId, 'user'), true);
    if (!row) throw notFound(`No user with id ${JSON.stringify(rawId)} in this organization.`);
    return row;
  }

  /** A user row not yet inserted, as SCIM creates it: version 1, created and modified now, managed by the identity provider. */
  private newUser(organizationId: number, userName: string, roleId: number, active: boolean, attributes: UserAttributes): User {
    const now = this.clock.now();
    // Property by property: spreading ~40 attributes into a literal cost 9 µs a create, this 3.5 µs.
    const user = new User();
    const columns = user as unknown as Record<string, string | null>;
    for (const property in attributes) columns[property] = attributes[property];
    user.organizationId = organizationId;
    user.userName = userName;
    user.userNameLower = userName.toLowerCase();
    user.roleId = roleId;
    user.ownRoleId = null;
    user.roleGroupId = null;
    user.active = active;
    user.scimManaged = true;
    user.createdAt = now;
    user.updatedAt = now;
    user.version = 1;
    user.deletedAt = null;
    return user;
  }

  /** Every change moves lastModified and the version (the SCIM ETag). */
  private touch(user: User): void {
    user.updatedAt = this.clock.now();
    user.version += 1;
  }
}

/** Marks a user as written through SCIM; the property to store when that is new (once per user, ever). */
function markScimManaged(user: User): Array<keyof User> {
  if (user.scimManaged) return [];
  user.scimManaged = true;
  return ['scimManaged'];
}

/** A user as a deactivation or deletion finds it (what a restore or an undo puts back). */
function deprovisioned({ user, groups }: UserRow): DeprovisionedUser {
  return {
    groupIds: groups?.map((group) => group.id),
    id: user.id,
    organizationId: user.organizationId,
    wasActive: user.active,
    roleId: user.roleId,
    ownRoleId: user.ownRoleId,
    roleGroupId: user.roleGroupId,
  };
}
