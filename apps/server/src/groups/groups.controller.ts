import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/dto/page-query.dto';
import {
  CreateRoleMappingDto,
  GroupPageResponse,
  GroupResponse,
  RoleMappingListResponse,
  RoleMappingResponse,
  UpdateRoleMappingDto,
} from './dto/groups.dto';
import { GroupsService } from './groups.service';
import { RoleMappingsService } from './role-mappings.service';

/**
 * The admin API's view of groups (read-only: the identity provider owns them) and the role
 * mappings that give their members a role.
 */
@ApiTags('Groups and role mappings')
@ApiBearerAuth('apiKey')
@Controller('v1.0')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly roleMappings: RoleMappingsService,
  ) {}

  @Get('groups')
  @ApiOperation({
    summary:
      'The groups your identity provider pushed, cursor-paged, with member counts and mapped roles. Members: GET /v1.0/users?group={id}.',
  })
  @ApiResponse({ status: 200, type: GroupPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: PageQueryDto): Promise<GroupPageResponse> {
    return this.groups.list(organizationId, query);
  }

  @Get('groups/:id')
  @ApiResponse({ status: 200, type: GroupResponse })
  get(@OrganizationId() organizationId: number, @Param('id') id: string): Promise<GroupResponse> {
    return this.groups.view(organizationId, id);
  }

  @Get('settings/role-mappings')
  @ApiOperation({ summary: 'Roles from groups, in precedence order (lowest priority first).' })
  @ApiResponse({ status: 200, type: RoleMappingListResponse })
  async mappings(@OrganizationId() organizationId: number): Promise<RoleMappingListResponse> {
    return { roleMappings: await this.roleMappings.list(organizationId) };
  }

  @Post('settings/role-mappings')
  @ApiOperation({
    summary:
      "Give a group's members a role. It wins over their own role (userType) and takes effect at once; the last active Admin is protected.",
  })
  @ApiResponse({ status: 201, type: RoleMappingResponse })
  create(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: CreateRoleMappingDto,
  ): Promise<RoleMappingResponse> {
    return this.roleMappings.create(organizationId, body, scope);
  }

  @Patch('settings/role-mappings/:id')
  @ApiOperation({ summary: "Change a mapping's role or priority; its members' roles follow at once." })
  @ApiResponse({ status: 200, type: RoleMappingResponse })
  update(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Body() body: UpdateRoleMappingDto,
    @Acting() scope: AuditScope,
  ): Promise<RoleMappingResponse> {
    return this.roleMappings.update(organizationId, id, body, scope);
  }

  @Delete('settings/role-mappings/:id')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete a mapping; its group's members get back their other mapped role or their own." })
  async remove(@OrganizationId() organizationId: number, @Param('id') id: string, @Acting() scope: AuditScope): Promise<void> {
    await this.roleMappings.remove(organizationId, id, scope);
  }
}
