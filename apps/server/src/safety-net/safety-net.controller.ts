import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/dto/page-query.dto';
import { UserResponse } from '../users/dto/users.dto';
import {
  DeletedUserPageResponse,
  DeprovisioningIncidentListResponse,
  DeprovisioningIncidentResponse,
  IncidentUndoResponse,
} from './dto/safety-net.dto';
import { SafetyNetService } from './safety-net.service';

@ApiTags('Users')
@ApiBearerAuth('apiKey')
@Controller('v1.0/users/deleted')
export class DeletedUsersController {
  constructor(private readonly safetyNet: SafetyNetService) {}

  @Get()
  @ApiOperation({
    summary: 'Deleted users, most recently deleted first: restorable until purgeAt (DELETED_USER_RETENTION_DAYS after deletion).',
  })
  @ApiResponse({ status: 200, type: DeletedUserPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: PageQueryDto): Promise<DeletedUserPageResponse> {
    return this.safetyNet.deletedUsers(organizationId, query);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Restores a deleted user with the same id: attributes, own role, active state, and its groups that still exist; the effective role is recomputed. 409 when a live user holds its userName; 404 after the purge.',
  })
  @ApiResponse({ status: 200, type: UserResponse })
  restore(@OrganizationId() organizationId: number, @Param('id') id: string, @Acting() scope: AuditScope): Promise<UserResponse> {
    return this.safetyNet.restore(organizationId, id, scope);
  }
}

@ApiTags('Settings')
@ApiBearerAuth('apiKey')
@Controller('v1.0/settings/deprovisioning-incidents')
export class DeprovisioningIncidentsController {
  constructor(private readonly safetyNet: SafetyNetService) {}

  @Get()
  @ApiOperation({ summary: 'Deprovisioning incidents (bursts of SCIM deactivations and deletions), newest first.' })
  @ApiResponse({ status: 200, type: DeprovisioningIncidentListResponse })
  list(@OrganizationId() organizationId: number): Promise<DeprovisioningIncidentListResponse> {
    return this.safetyNet.incidents(organizationId);
  }

  @Post(':id/undo')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Puts every user of an open incident back to its state just before it (active, role, groups; deleted users restored), in one transaction. Users whose userName is now taken are reported, not restored. The identity provider will deprovision them again unless its assignment is fixed first. 409 when the incident is not open.',
  })
  @ApiResponse({ status: 200, type: IncidentUndoResponse })
  undo(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Acting() scope: AuditScope,
  ): Promise<IncidentUndoResponse> {
    return this.safetyNet.undo(organizationId, id, scope);
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @ApiOperation({ summary: 'Closes an open incident without changing anyone. 409 when it is not open.' })
  @ApiResponse({ status: 200, type: DeprovisioningIncidentResponse })
  dismiss(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Acting() scope: AuditScope,
  ): Promise<DeprovisioningIncidentResponse> {
    return this.safetyNet.dismiss(organizationId, id, scope);
  }
}
