import type { AuditScope } from '../audit/audit-context';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditRecord, AuditService } from '../audit/audit.service';
import { badRequest, conflict } from '../common/app-error';
import { Clock } from '../common/clock';
import type { GroupRole } from '../common/group-role';
import { OrganizationsService } from '../organizations/organizations.service';
import { ADMIN_ROLE, Role } from './role.entity';
import { RolesService } from './roles.service';
import { groupRoleEvent } from './user-events';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/** What a change asks of a user's role and state; undefined means unchanged. */
export interface RoleAndStateChange {
  role?: string;
  active?: boolean;
  delete?: boolean;
}

/** A user's role columns as recorded before a deactivation or deletion. */
export interface PriorRoles {
  roleId: number;
  ownRoleId: number | null;
  roleGroupId: number | null;
}

/** A user's role columns as a change leaves them. */
interface Roles {
  roleId: number;
  ownRoleId: number | null;
  roleGroupId: number | null;
}

/**
 * The one writer of users' roles, and of the rule that guards them: the organization's last active
 * Admin cannot be deactivated, deleted or given another role, whoever asks (the admin API, SCIM's
 * `userType` and `active`, a group membership, a role mapping). A user's effective role
 * (`role_id`) is its own role or, when one of its groups is mapped, the winning mapping's role, with
 * its own kept behind it (`own_role_id`, `role_group_id`). Every method runs inside the caller's
 * transaction and changes rows the caller has locked; the active Admins are counted by one query
 * (UsersRepository.countActiveInRole), under the organization's lock (lock-order.ts).
 */
@Injectable()
export class UserRolesService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly roles: RolesService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * The admin API's change of a user's role and state. A role that comes from a group cannot be changed
   * there (409 naming the group: the mapping would give it back); the rest is `apply`.
   */
  async applyAdminChange(
    manager: EntityManager,
    user: User,
    roleName: string,
    change: RoleAndStateChange,
  ): Promise<{ role: Pick<Role, 'id' | 'name'>; changed: boolean }> {
    if (user.roleGroupId !== null && change.role !== undefined) {
      if (change.role.trim().normalize('NFC').toLowerCase() !== roleName.toLowerCase()) {
        const group = (await this.repository.groupNames([user.roleGroupId], manager)).get(user.roleGroupId);
        throw conflict(
          `${user.userName} is ${roleName} because they are a member of the group "${group}", which is mapped to ${roleName}; change the role mapping or their groups in your identity provider instead.`,
        );
      }
      change = { ...change, role: undefined };
    }
    return this.apply(manager, user, roleName, change);
  }

  /**
   * Applies a role/state change to `user` in memory (the caller saves it), enforcing the last-Admin rule.
   * Behind a group's role, a role asked for (SCIM `userType`) is the user's own role, which comes back when
   * no mapping applies. Returns the user's effective role after the change, whether its role or state
   * changed, and how its own role behind a group's changed, if it did.
   */
  async apply(
    manager: EntityManager,
    user: User,
    currentRoleName: string,
    change: RoleAndStateChange,
  ): Promise<{ role: Pick<Role, 'id' | 'name'>; changed: boolean; ownChange?: { from: string; to: string } }> {
    let ownChange: { from: string; to: string } | undefined;
    if (user.roleGroupId !== null && change.role !== undefined) {
      const own = await this.roles.resolve(manager, user.organizationId, change.role);
      if (own.id !== user.ownRoleId) {
        ownChange = { from: user.ownRoleId === null ? '' : await this.roles.nameOf(manager, user.ownRoleId), to: own.name };
        user.ownRoleId = own.id;
      }
      change = { ...change, role: undefined };
    }
    const current = { id: user.roleId, name: currentRoleName };
    const sameRole = change.role === undefined || change.role.trim().toLowerCase() === currentRoleName.toLowerCase();
    const next = sameRole ? current : await this.roles.resolve(manager, user.organizationId, change.role);
    const wasActiveAdmin = current.name === ADMIN_ROLE && user.active && !user.deletedAt;
    const staysActiveAdmin = next.name === ADMIN_ROLE && (change.active ?? user.active) && !change.delete;
    if (
      wasActiveAdmin &&
      !staysActiveAdmin &&
      (await this.activeAdminsLeft(manager, user.organizationId, current.id, user.id)) === 0
    ) {
      const action = change.delete ? 'deleted' : change.active === false ? 'deactivated' : 'given another role';
      throw badRequest(
        `${user.userName} is the organization's last active Admin and cannot be ${action}; make another user an Admin first.`,
        'mutability',
      );
    }
    const changed =
      next.id !== user.roleId || (change.active !== undefined && change.active !== user.active) || Boolean(change.delete);
    user.roleId = next.id;
    if (change.active !== undefined) user.active = change.active;
    if (change.delete) {
      user.deletedAt = this.clock.now();
      user.userNameLower = null;
    }
    return { role: next, changed, ownChange };
  }

  /**
   * Applies what users' groups now say about their roles (the groups module calls it after every
   * membership or mapping change, holding the organization's lock): a user whose groups give a role gets
   * it and keeps its own role behind it; a user whose groups give none gets its own role back. A change
   * that would leave the organization without an active Admin is refused, and the caller's whole
   * transaction rolls back.
   */
  async applyGroupRoles(
    manager: EntityManager,
    organizationId: number,
    userIds: readonly number[],
    grants: ReadonlyMap<number, GroupRole>,
    scope: AuditScope,
  ): Promise<void> {
    if (!userIds.length) return;
    const states = await this.repository.roleStates(manager, organizationId, userIds);
    const admin = await this.roles.resolve(manager, organizationId, ADMIN_ROLE);
    const batches = new Map<string, { roles: Roles; touch: boolean; ids: number[] }>();
    const losing: string[] = [];
    for (const state of states) {
      const own = state.roleGroupId === null ? state.roleId : (state.ownRoleId ?? state.roleId);
      const grant = grants.get(state.id);
      const roles: Roles = grant
        ? { roleId: grant.roleId, ownRoleId: own, roleGroupId: grant.groupId }
        : { roleId: own, ownRoleId: null, roleGroupId: null };
      if (roles.roleId === state.roleId && roles.ownRoleId === state.ownRoleId && roles.roleGroupId === state.roleGroupId)
        continue;
      const touch = roles.roleId !== state.roleId;
      if (state.active && state.roleId === admin.id && roles.roleId !== admin.id) losing.push(state.userName);
      const key = `${roles.roleId}/${roles.ownRoleId}/${roles.roleGroupId}/${touch}`;
      const batch = batches.get(key) ?? { roles, touch, ids: [] };
      batch.ids.push(state.id);
      batches.set(key, batch);
    }
    // Before any row changes: the organization's lock, which every membership and mapping change takes first.
    if (losing.length) this.organizations.requireLock(manager, organizationId);
    const now = this.clock.now();
    for (const { roles, touch, ids } of batches.values()) await this.repository.setRoles(manager, ids, roles, touch ? now : null);
    // Counted after the rows changed (the users the change demotes are no longer in the role).
    if (losing.length && (await this.activeAdminsLeft(manager, organizationId, admin.id)) === 0) {
      const named = losing.slice(0, 3).join(', ') + (losing.length > 3 ? ` and ${losing.length - 3} more` : '');
      throw badRequest(
        `This change would leave the organization without an active Admin (${named} would no longer be Admin); make another user an Admin, or map another group to Admin, first.`,
        'mutability',
      );
    }
    const moved = [...batches.values()].filter((b) => b.touch);
    if (!moved.length) return;
    const byId = new Map(states.map((s) => [s.id, s]));
    const roleIds = new Set<number>();
    for (const b of moved) {
      roleIds.add(b.roles.roleId);
      for (const id of b.ids) roleIds.add(byId.get(id)!.roleId);
    }
    const roleNames = await this.roles.namesOf(manager, [...roleIds]);
    const groupNames = new Map([...grants.values()].map((g) => [g.groupId, g.groupName]));
    const records: AuditRecord[] = [];
    for (const b of moved) {
      const groupName = b.roles.roleGroupId === null ? null : (groupNames.get(b.roles.roleGroupId) ?? '');
      for (const id of b.ids) {
        const state = byId.get(id)!;
        records.push(
          groupRoleEvent(
            organizationId,
            state,
            { from: roleNames.get(state.roleId), to: roleNames.get(b.roles.roleId) },
            groupName,
          ),
        );
      }
    }
    await this.audit.record(manager, scope, ...records);
  }

  /**
   * Puts back a user's role columns and state as recorded before a deactivation or deletion (the safety
   * net's restore and undo), in memory (the caller saves it): roles deleted since fall back to the
   * default. A role that came from a group comes back with it; the caller then settles the user's groups'
   * roles (RoleMappingsService.settle), which moves it if the mapping or the membership is gone. Returns
   * the effective role as restored.
   */
  async restore(
    manager: EntityManager,
    user: User,
    prior: PriorRoles & { wasActive: boolean },
  ): Promise<Pick<Role, 'id' | 'name'>> {
    const names = await this.roles.namesOf(manager, [prior.roleId, ...(prior.ownRoleId === null ? [] : [prior.ownRoleId])]);
    const fallback = () => this.roles.resolve(manager, user.organizationId, undefined);
    const role = names.has(prior.roleId) ? { id: prior.roleId, name: names.get(prior.roleId)! } : await fallback();
    const fromGroup = prior.roleGroupId !== null && role.id === prior.roleId;
    user.roleId = role.id;
    user.roleGroupId = fromGroup ? prior.roleGroupId : null;
    user.ownRoleId = fromGroup
      ? prior.ownRoleId !== null && names.has(prior.ownRoleId)
        ? prior.ownRoleId
        : (await fallback()).id
      : null;
    user.active = prior.wasActive;
    return role;
  }

  /** Refuses (400, rolling the caller's transaction back) a change after which the organization has no active Admin. */
  async requireActiveAdmin(manager: EntityManager, organizationId: number, what: string): Promise<void> {
    const admin = await this.roles.resolve(manager, organizationId, ADMIN_ROLE);
    if ((await this.activeAdminsLeft(manager, organizationId, admin.id)) === 0)
      throw badRequest(
        `${what} would leave the organization without an active Admin; make another user an Admin first.`,
        'mutability',
      );
  }

  /**
   * The last-Admin rule's one count: the organization's live, active users of the Admin role, other than
   * `exceptUserId` (a user about to lose it whose row is not written yet). Under the organization's lock,
   * which comes before the users' in the lock order: a transaction that holds only the user's lock runs
   * again with it first (OrganizationsService.requireLock).
   */
  private activeAdminsLeft(
    manager: EntityManager,
    organizationId: number,
    adminRoleId: number,
    exceptUserId = 0,
  ): Promise<number> {
    this.organizations.requireLock(manager, organizationId);
    return this.repository.countActiveInRole(manager, organizationId, adminRoleId, exceptUserId);
  }
}
