import type { RoleView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { isForeignKeyViolation, isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { DEFAULT_ROLE, PREDEFINED_ROLES, Role } from './role.entity';
import { RolesRepository, RoleWithCount } from './roles.repository';

/** Roles of an organization: the five pre-defined ones and custom ones; names unique case-insensitively. */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly transactions: TransactionRunner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Gives a new organization its pre-defined roles, inside the caller's transaction. */
  async seedPredefined(manager: EntityManager, organizationId: number): Promise<void> {
    const now = this.clock.now();
    await this.roles.insertMany(
      manager,
      PREDEFINED_ROLES.map((r) => ({
        organizationId,
        name: r.name,
        nameLower: r.name.toLowerCase(),
        description: r.description,
        predefined: true,
        createdAt: now,
        updatedAt: now,
      })),
    );
  }

  async list(organizationId: number): Promise<RoleView[]> {
    return (await this.roles.listWithUserCounts(organizationId)).map(toView);
  }

  async get(organizationId: number, rawId: string): Promise<RoleView> {
    const id = parseId(rawId, 'role');
    const role = (await this.roles.listWithUserCounts(organizationId)).find((r) => r.id === id);
    if (!role) throw notFound(`No role with id ${JSON.stringify(rawId)} in this organization.`);
    return toView(role);
  }

  async create(
    organizationId: number,
    name: string,
    description: string | null | undefined,
    scope: AuditScope,
  ): Promise<RoleView> {
    const now = this.clock.now();
    const clean = normalizeName(name);
    try {
      const role = await this.transactions.run(
        async (manager) => {
          const role = await this.roles.insert(manager, {
            organizationId,
            name: clean,
            nameLower: clean.toLowerCase(),
            description: description ?? null,
            predefined: false,
            createdAt: now,
            updatedAt: now,
          });
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'role.created',
            target: { type: 'role', id: role.id, display: role.name },
            changes: [
              { attribute: 'name', to: role.name },
              { attribute: 'description', to: role.description },
            ],
          });
          return role;
        },
        { organizationId },
      );
      return this.get(organizationId, String(role.id));
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`A role named "${clean}" already exists in this organization (names are case-insensitive).`, 'uniqueness');
      throw error;
    }
  }

  async update(
    organizationId: number,
    rawId: string,
    changes: { name?: string; description?: string | null },
    scope: AuditScope,
  ): Promise<RoleView> {
    const role = await this.findCustom(organizationId, rawId, 'changed');
    const patch: Partial<Role> = { updatedAt: this.clock.now() };
    if (changes.name !== undefined) {
      patch.name = normalizeName(changes.name);
      patch.nameLower = patch.name.toLowerCase();
    }
    if (changes.description !== undefined) patch.description = changes.description;
    const changed = [
      ...(patch.name !== undefined && patch.name !== role.name ? [{ attribute: 'name', from: role.name, to: patch.name }] : []),
      ...(patch.description !== undefined && patch.description !== role.description
        ? [{ attribute: 'description', from: role.description, to: patch.description }]
        : []),
    ];
    if (!changed.length) return this.get(organizationId, rawId);
    try {
      await this.transactions.run(
        async (manager) => {
          await this.roles.update(manager, organizationId, role.id, patch);
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'role.updated',
            target: { type: 'role', id: role.id, display: patch.name ?? role.name },
            changes: changed,
          });
        },
        { organizationId },
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(
          `A role named "${patch.name}" already exists in this organization (names are case-insensitive).`,
          'uniqueness',
        );
      throw error;
    }
    return this.get(organizationId, rawId);
  }

  /**
   * Deletes a custom role that no user holds (as its role, or as its own role behind a group's) and
   * no role mapping gives. The role row is locked first and its users counted
   * with a locking read (MySQL), so a user given the role at the same moment is either counted or
   * refused the role; should one still slip in, the foreign key refuses the delete, which is the
   * same 409.
   */
  async delete(organizationId: number, rawId: string, scope: AuditScope): Promise<void> {
    const role = await this.findCustom(organizationId, rawId, 'deleted');
    const stillHas = (users: number | undefined) =>
      conflict(
        `The role "${role.name}" still has ${users ? `${users} user${users === 1 ? '' : 's'}` : 'users'} (deleted users included); give them another role first.`,
      );
    try {
      await retryOnDeadlock(() =>
        this.transactions.run(
          async (manager) => {
            await this.roles.lockRow(manager, organizationId, role.id);
            const groups = await this.roles.mappedGroups(manager, role.id);
            if (groups.length)
              throw conflict(
                `The role "${role.name}" is given by the role mapping of ${groups.length === 1 ? 'the group' : 'the groups'} ${groups.map((g) => `"${g}"`).join(', ')}; change or delete ${groups.length === 1 ? 'that mapping' : 'those mappings'} first.`,
              );
            const users = await this.roles.countUsers(manager, organizationId, role.id);
            if (users > 0) throw stillHas(users);
            await this.roles.delete(manager, organizationId, role.id);
            await this.audit.record(manager, scope, {
              organizationId,
              action: 'role.deleted',
              target: { type: 'role', id: role.id, display: role.name },
            });
          },
          { organizationId },
        ),
      );
    } catch (error) {
      if (isForeignKeyViolation(error)) throw stillHas(undefined);
      throw error;
    }
  }

  /**
   * The role for a SCIM `userType` or an admin's `role`: a pre-defined or custom
   * role name, matched case-insensitively; absent means the default (Employee).
   * An unknown name is a 400 that lists the valid ones.
   */
  async resolve(
    manager: EntityManager,
    organizationId: number,
    name: string | null | undefined,
  ): Promise<Pick<Role, 'id' | 'name'>> {
    const role = await this.roles.findByName(manager, organizationId, this.nameKey(name));
    if (role) return role;
    return this.refuseUnknown(organizationId, name, manager);
  }

  /** The key a role is found by from the name an identity provider sent (none: the default role): trimmed, NFC, lower-cased. */
  nameKey(name: string | null | undefined): string {
    return (name ?? DEFAULT_ROLE).trim().normalize('NFC').toLowerCase();
  }

  /** A role's name by id (the own role behind a group's). */
  nameOf(manager: EntityManager, id: number): Promise<string> {
    return this.roles.nameById(manager, id);
  }

  /** Role names by id. */
  namesOf(manager: EntityManager, ids: readonly number[]): Promise<Map<number, string>> {
    return this.roles.namesByIds(manager, ids);
  }

  /** The 400 for a role name that is not (or no longer) one of the organization's, listing the valid ones. */
  async refuseUnknown(organizationId: number, name: string | null | undefined, manager?: EntityManager): Promise<never> {
    const names = await this.roles.names(manager, organizationId);
    throw badRequest(`"${name}" is not a role of this organization. Valid roles: ${names.join(', ')}.`, 'invalidValue');
  }

  private async findCustom(organizationId: number, rawId: string, action: 'changed' | 'deleted'): Promise<Role> {
    const role = await this.roles.findById(organizationId, parseId(rawId, 'role'));
    if (!role) throw notFound(`No role with id ${JSON.stringify(rawId)} in this organization.`);
    if (role.predefined)
      throw badRequest(`"${role.name}" is a pre-defined role and cannot be ${action}; create a custom role instead.`);
    return role;
  }
}

function toView(role: RoleWithCount): RoleView {
  return { ...role, id: String(role.id) };
}

/** Role names are kept and compared in NFC, with runs of spaces as one. */
function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').normalize('NFC');
}
