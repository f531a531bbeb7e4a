import type { RoleView } from '@app/api-types';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { TransactionRunner } from '@app/database';
import { EntityManager, Repository } from 'typeorm';
import { badRequest, conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/db-errors';
import { toIso } from '../common/db-values';
import { parseId } from '../common/ids';
import { DEFAULT_ROLE, PREDEFINED_ROLES, Role } from './role.entity';
import { User } from './user.entity';

@Injectable()
export class RolesService {
  constructor(
    @InjectRepository(Role) private readonly roles: Repository<Role>,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Gives a new organization its pre-defined roles, inside the caller's transaction. */
  async seedPredefined(manager: EntityManager, organizationId: number): Promise<Role[]> {
    const now = this.clock.now();
    const rows = PREDEFINED_ROLES.map((r) =>
      manager.create(Role, {
        organizationId,
        name: r.name,
        nameLower: r.name.toLowerCase(),
        description: r.description,
        predefined: true,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return manager.save(rows);
  }

  async list(organizationId: number): Promise<RoleView[]> {
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
      id: String(r.id),
      name: r.name,
      description: r.description,
      predefined: Boolean(Number(r.predefined)),
      userCount: Number(r.userCount),
      createdAt: toIso(r.createdAt) as string,
    }));
  }

  async get(organizationId: number, rawId: string): Promise<RoleView> {
    const id = parseId(rawId, 'role');
    const view = (await this.list(organizationId)).find((r) => r.id === String(id));
    if (!view) throw notFound(`No role with id ${JSON.stringify(rawId)} in this organization.`);
    return view;
  }

  async create(organizationId: number, name: string, description?: string | null): Promise<RoleView> {
    const now = this.clock.now();
    const clean = normalizeName(name);
    try {
      const role = await this.roles.save(
        this.roles.create({
          organizationId,
          name: clean,
          nameLower: clean.toLowerCase(),
          description: description ?? null,
          predefined: false,
          createdAt: now,
          updatedAt: now,
        }),
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
  ): Promise<RoleView> {
    const role = await this.findCustom(organizationId, rawId, 'changed');
    const patch: Partial<Role> = { updatedAt: this.clock.now() };
    if (changes.name !== undefined) {
      patch.name = normalizeName(changes.name);
      patch.nameLower = patch.name.toLowerCase();
    }
    if (changes.description !== undefined) patch.description = changes.description;
    try {
      await this.roles.update({ id: role.id, organizationId }, patch);
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

  async delete(organizationId: number, rawId: string): Promise<void> {
    const role = await this.findCustom(organizationId, rawId, 'deleted');
    await this.transactions.run(async (manager) => {
      // Users of the role are counted inside the transaction; the foreign key is the backstop.
      const users = await manager.count(User, { where: { organizationId, roleId: role.id } });
      if (users > 0) {
        throw conflict(
          `The role "${role.name}" still has ${users} user${users === 1 ? '' : 's'} (deleted users included); give them another role first.`,
        );
      }
      await manager.delete(Role, { id: role.id, organizationId });
    });
  }

  /**
   * The role for a SCIM `userType` or an admin's `role`: a pre-defined or custom
   * role name, matched case-insensitively; absent means the default (Employee).
   */
  async resolve(manager: EntityManager, organizationId: number, name: string | null | undefined): Promise<Role> {
    const wanted = (name ?? DEFAULT_ROLE).trim().toLowerCase();
    const role = await manager.findOneBy(Role, { organizationId, nameLower: wanted });
    if (role) return role;
    const names = (await manager.find(Role, { where: { organizationId }, order: { predefined: 'DESC', id: 'ASC' } })).map(
      (r) => r.name,
    );
    throw badRequest(`"${name}" is not a role of this organization. Valid roles: ${names.join(', ')}.`, 'invalidValue');
  }

  private async findCustom(organizationId: number, rawId: string, action: 'changed' | 'deleted'): Promise<Role> {
    const id = parseId(rawId, 'role');
    const role = await this.roles.findOneBy({ id, organizationId });
    if (!role) throw notFound(`No role with id ${JSON.stringify(rawId)} in this organization.`);
    if (role.predefined)
      throw badRequest(`"${role.name}" is a pre-defined role and cannot be ${action}; create a custom role instead.`);
    return role;
  }
}

function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
