import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import { MemberPageResponse, UserListQueryDto } from '../users/dto/users.dto';
import {
  CreateRoleDto,
  OrganizationResponse,
  RoleListResponse,
  RoleResponse,
  SecuritySettingsDto,
  UpdateOrganizationDto,
  UpdateRoleDto,
} from './dto/settings.dto';
import { SettingsService } from './settings.service';

@ApiTags('Settings')
@ApiBearerAuth('apiKey')
@Controller('v1.0')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get('organization')
  @ApiOperation({ summary: "The calling key's organization; its id is the Organization ID typed into Okta." })
  @ApiResponse({ status: 200, type: OrganizationResponse })
  organization(@OrganizationId() organizationId: number): Promise<OrganizationResponse> {
    return this.settings.organization(organizationId);
  }

  @Patch('organization')
  @ApiOperation({
    summary:
      'Rename the organization (1 to 100 characters after trimming). Shown in the settings UI and in every email; the Organization ID does not change.',
  })
  @ApiResponse({ status: 200, type: OrganizationResponse })
  renameOrganization(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: UpdateOrganizationDto,
  ): Promise<OrganizationResponse> {
    return this.settings.renameOrganization(organizationId, body.name, scope);
  }

  @Get('settings/security')
  @ApiResponse({ status: 200, type: SecuritySettingsDto })
  security(@OrganizationId() organizationId: number): Promise<SecuritySettingsDto> {
    return this.settings.security(organizationId);
  }

  @Patch('settings/security')
  @ApiOperation({
    summary: 'Turn SCIM on or off. Off refuses SCIM requests at once; keys are kept and work again when it is turned back on.',
  })
  @ApiResponse({ status: 200, type: SecuritySettingsDto })
  updateSecurity(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: SecuritySettingsDto,
  ): Promise<SecuritySettingsDto> {
    return this.settings.setScimEnabled(organizationId, body.scimEnabled, scope);
  }

  @Get('settings/roles')
  @ApiOperation({ summary: 'Pre-defined and custom roles, with the number of users of each.' })
  @ApiResponse({ status: 200, type: RoleListResponse })
  roles(@OrganizationId() organizationId: number): Promise<RoleListResponse> {
    return this.settings.roles(organizationId);
  }

  @Post('settings/roles')
  @ApiOperation({
    summary: 'Create a custom role (names unique per organization, case-insensitively, pre-defined ones included).',
  })
  @ApiResponse({ status: 201, type: RoleResponse })
  createRole(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: CreateRoleDto,
  ): Promise<RoleResponse> {
    return this.settings.createRole(organizationId, body, scope);
  }

  @Patch('settings/roles/:id')
  @ApiOperation({ summary: 'Rename or describe a custom role.' })
  @ApiResponse({ status: 200, type: RoleResponse })
  updateRole(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Body() body: UpdateRoleDto,
    @Acting() scope: AuditScope,
  ): Promise<RoleResponse> {
    return this.settings.updateRole(organizationId, id, body, scope);
  }

  @Delete('settings/roles/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a custom role that has no users.' })
  async deleteRole(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Acting() scope: AuditScope,
  ): Promise<void> {
    await this.settings.deleteRole(organizationId, id, scope);
  }

  @Get('settings/members')
  @ApiOperation({ summary: 'The Members page: users whose role is not Employee; the same filters as /v1.0/users.' })
  @ApiResponse({ status: 200, type: MemberPageResponse })
  members(@OrganizationId() organizationId: number, @Query() query: UserListQueryDto): Promise<MemberPageResponse> {
    return this.settings.members(organizationId, query);
  }
}
