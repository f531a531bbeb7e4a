import type { MemberPage, OrganizationView, RoleView, SecuritySettingsView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { Injectable } from '@nestjs/common';
import { OrganizationsService } from '../organizations/organizations.service';
import { RolesService } from '../users/roles.service';
import { UserListQuery, UsersService } from '../users/users.service';

/** Settings pages: Organization (its name), Security (the SCIM toggle), Roles, Members. */
@Injectable()
export class SettingsService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly roleService: RolesService,
    private readonly users: UsersService,
  ) {}

  organization(organizationId: number): Promise<OrganizationView> {
    return this.organizations.get(organizationId);
  }

  renameOrganization(organizationId: number, name: string, scope: AuditScope): Promise<OrganizationView> {
    return this.organizations.rename(organizationId, name, scope);
  }

  security(organizationId: number): Promise<SecuritySettingsView> {
    return this.organizations.getSecurity(organizationId);
  }

  setScimEnabled(organizationId: number, scimEnabled: boolean, scope: AuditScope): Promise<SecuritySettingsView> {
    return this.organizations.setScimEnabled(organizationId, scimEnabled, scope);
  }

  async roles(organizationId: number): Promise<{ roles: RoleView[] }> {
    return { roles: await this.roleService.list(organizationId) };
  }

  createRole(organizationId: number, body: { name: string; description?: string | null }, scope: AuditScope): Promise<RoleView> {
    return this.roleService.create(organizationId, body.name, body.description, scope);
  }

  updateRole(
    organizationId: number,
    id: string,
    body: { name?: string; description?: string | null },
    scope: AuditScope,
  ): Promise<RoleView> {
    return this.roleService.update(organizationId, id, body, scope);
  }

  deleteRole(organizationId: number, id: string, scope: AuditScope): Promise<void> {
    return this.roleService.delete(organizationId, id, scope);
  }

  async members(organizationId: number, query: UserListQuery): Promise<MemberPage> {
    const { users, ...rest } = await this.users.list(organizationId, { ...query, membersOnly: true });
    return { members: users, ...rest };
  }
}
