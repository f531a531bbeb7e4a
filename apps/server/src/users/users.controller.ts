import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import { UpdateUserDto, UserListQueryDto, UserPageResponse, UserResponse } from './dto/users.dto';
import { UsersService } from './users.service';

@ApiTags('Users')
@ApiBearerAuth('apiKey')
@Controller('v1.0/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Every user of the organization, cursor-paged; filter by status and role.' })
  @ApiResponse({ status: 200, type: UserPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: UserListQueryDto): Promise<UserPageResponse> {
    return this.users.list(organizationId, query);
  }

  @Get(':id')
  @ApiResponse({ status: 200, type: UserResponse })
  get(@OrganizationId() organizationId: number, @Param('id') id: string): Promise<UserResponse> {
    return this.users.get(organizationId, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Change role and/or active (the last active Admin is protected); and, for a user no identity provider manages (scimManaged false), its email and name.',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  @ApiResponse({
    status: 409,
    description:
      'email or name of a user an identity provider manages (change them there); an email another user of the organization has; a role a group mapping gives.',
  })
  update(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
    @Acting() scope: AuditScope,
  ): Promise<UserResponse> {
    return this.users.update(organizationId, id, body, scope);
  }
}
