import type { RoleMappingView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { isForeignKeyViolation, isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { OrganizationsService } from '../organizations/organizations.service';
import { RolesService } from '../users/roles.service';
import { UserRolesService } from '../users/user-roles.service';
import { GroupsRepository } from './groups.repository';
import { MAX_MAPPING_PRIORITY } from './role-mapping.entity';
import { RoleMappingRow, RoleMappingsRepository } from './role-mappings.repository';

/**
 * Roles from groups: "members of this group have this role". A user in mapped groups gets the role
 * of the mapping with the lowest priority number (ties: the older mapping), over its own role
 * (userType, the admin API, the default), which is kept and comes back when no mapping applies.
 *
 * Every membership or mapping change recomputes the roles of the users it touches in the same
 * transaction (`settle`), through UserRolesService.applyGroupRoles, which also holds the last active
 * Admin rule. The reads behind a recomputation are locking reads on MySQL, so two transactions
 * that change memberships and mappings at once see each other's committed work or wait for it.
 */
@Injectable()
export class RoleMappingsService {
  constructor(
    private readonly mappings: RoleMappingsRepository,
    private readonly groups: GroupsRepository,
    private readonly userRoles: UserRolesService,
    private readonly roles: RolesService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async list(organizationId: number): Promise<RoleMappingView[]> {
    return (await this.mappings.list(organizationId)).map(toView);
  }

  async create(
    organizationId: number,
    body: { groupId: string; role: string; priority?: number },
    scope: AuditScope,
  ): Promise<RoleMappingView> {
    return this.refusingVanishedRole(organizationId, body.role, () =>
      retryOnDeadlock(() =>
        this.transactions.run(
          async (manager) => {
            // The organization's lock first, as every membership change takes it (lock-order.ts).
            await this.organizations.lock(manager, organizationId);
            const group = await this.groups.find(organizationId, groupIdOf(body.groupId), manager);
            if (!group)
              throw badRequest(`groupId: no group with id ${JSON.stringify(body.groupId)} in this organization.`, undefined, [
                { field: 'groupId', message: 'must be the id of a group of this organization' },
              ]);
            const existing = await this.mappings.findByGroup(manager, group.id);
            if (existing)
              throw conflict(
                `The group "${group.displayName}" is already mapped to ${existing.role}; change that mapping instead (a group has one).`,
              );
            const role = await this.roles.resolve(manager, organizationId, body.role);
            // Last: 10 past the highest, within the range. At the maximum it ties, and a tie goes to the older mapping.
            const priority =
              body.priority ?? Math.min((await this.mappings.maxPriority(manager, organizationId)) + 10, MAX_MAPPING_PRIORITY);
            let id: number;
            try {
              id = await this.mappings.insert(manager, {
                organizationId,
                groupId: group.id,
                roleId: role.id,
                priority,
                now: this.clock.now(),
              });
            } catch (error) {
              if (isUniqueViolation(error)) throw conflict(`The group "${group.displayName}" is already mapped to a role.`);
              throw error;
            }
            await this.recompute(manager, organizationId, await this.mappings.memberIds(manager, group.id), scope);
            await this.audit.record(manager, scope, {
              organizationId,
              action: 'role-mapping.created',
              target: { type: 'role-mapping', id, display: group.displayName },
              changes: [
                { attribute: 'group', to: group.displayName },
                { attribute: 'role', to: role.name },
                { attribute: 'priority', to: priority },
              ],
            });
            return toView((await this.mappings.find(manager, organizationId, id))!);
          },
          { organizationId },
        ),
      ),
    );
  }

  async update(
    organizationId: number,
    rawId: string,
    body: { role?: string; priority?: number },
    scope: AuditScope,
  ): Promise<RoleMappingView> {
    return this.refusingVanishedRole(organizationId, body.role, () =>
      retryOnDeadlock(() =>
        this.transactions.run(
          async (manager) => {
            const mapping = await this.find(manager, organizationId, rawId);
            const role =
              body.role === undefined
                ? { id: mapping.roleId, name: mapping.role }
                : await this.roles.resolve(manager, organizationId, body.role);
            const priority = body.priority ?? mapping.priority;
            if (role.id !== mapping.roleId || priority !== mapping.priority) {
              await this.mappings.update(manager, mapping.id, { roleId: role.id, priority, now: this.clock.now() });
              await this.recompute(manager, organizationId, await this.mappings.memberIds(manager, mapping.groupId), scope);
              await this.audit.record(manager, scope, {
                organizationId,
                action: 'role-mapping.updated',
                target: { type: 'role-mapping', id: mapping.id, display: mapping.groupDisplayName },
                changes: [
                  ...(role.id !== mapping.roleId ? [{ attribute: 'role', from: mapping.role, to: role.name }] : []),
                  ...(priority !== mapping.priority ? [{ attribute: 'priority', from: mapping.priority, to: priority }] : []),
                ],
              });
            }
            return toView((await this.mappings.find(manager, organizationId, mapping.id))!);
          },
          { organizationId },
        ),
      ),
    );
  }

  /** Deletes a mapping; its group's members get back the role of their other mapped groups, or their own. */
  async remove(organizationId: number, rawId: string, scope: AuditScope): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          const mapping = await this.find(manager, organizationId, rawId);
          await this.mappings.delete(manager, mapping.id);
          await this.recompute(manager, organizationId, await this.mappings.memberIds(manager, mapping.groupId), scope);
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'role-mapping.deleted',
            target: { type: 'role-mapping', id: mapping.id, display: mapping.groupDisplayName },
            changes: [{ attribute: 'role', from: mapping.role }],
          });
        },
        { organizationId },
      ),
    );
  }

  /** The mapped role of each of these groups (the admin API's groups). */
  rolesOfGroups(groupIds: readonly number[]): Promise<Map<number, { mappingId: number; role: string; priority: number }>> {
    return this.mappings.rolesOfGroups(groupIds);
  }

  /**
   * After a membership change, inside its transaction: recomputes the roles of these users, unless
   * the organization maps no group to a role (then no user has a role from a group to lose).
   */
  async settle(manager: EntityManager, organizationId: number, userIds: readonly number[], scope: AuditScope): Promise<void> {
    if (!userIds.length || !(await this.mappings.any(manager, organizationId))) return;
    await this.recompute(manager, organizationId, userIds, scope);
  }

  private async recompute(
    manager: EntityManager,
    organizationId: number,
    userIds: readonly number[],
    scope: AuditScope,
  ): Promise<void> {
    if (!userIds.length) return;
    await this.userRoles.applyGroupRoles(manager, organizationId, userIds, await this.mappings.grants(manager, userIds), scope);
  }

  /** A mapping about to change, after its organization's lock (taken first, as every membership change takes it). */
  private async find(manager: EntityManager, organizationId: number, rawId: string): Promise<RoleMappingRow> {
    const id = parseId(rawId, 'role mapping');
    await this.organizations.lock(manager, organizationId);
    const mapping = await this.mappings.find(manager, organizationId, id);
    if (!mapping) throw notFound(`No role mapping with id ${JSON.stringify(rawId)} in this organization.`);
    return mapping;
  }

  /** A role deleted while a mapping to it is being written fails on the foreign key (MySQL): the same 400 as an unknown role. */
  private async refusingVanishedRole<T>(organizationId: number, role: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isForeignKeyViolation(error) || role === undefined) throw error;
      return this.roles.refuseUnknown(organizationId, role);
    }
  }
}

/** A group id from a request body; anything that is not one of our ids names no group. */
function groupIdOf(raw: string): number {
  try {
    return parseId(raw, 'group');
  } catch {
    return 0;
  }
}

function toView(row: RoleMappingRow): RoleMappingView {
  return {
    id: String(row.id),
    groupId: String(row.groupId),
    groupDisplayName: row.groupDisplayName,
    role: row.role,
    priority: row.priority,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
