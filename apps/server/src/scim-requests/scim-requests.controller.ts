import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OrganizationId } from '../auth/auth.decorators';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { ScimRequestDetailResponse, ScimRequestListQueryDto, ScimRequestPageResponse } from './dto/scim-requests.dto';
import { ScimRequestsService } from './scim-requests.service';

@ApiTags('SCIM requests')
@ApiBearerAuth('apiKey')
@Controller('v1.0/scim-requests')
export class ScimRequestsController {
  constructor(private readonly requests: ScimRequestsService) {}

  @Get()
  @ApiOperation({
    summary:
      "The provisioning inspector: the organization's SCIM requests (successes and failures), newest first, kept SCIM_REQUEST_LOG_HOURS (72), at most SCIM_REQUEST_LOG_MAX (10,000); recorded within a second of their answer.",
  })
  @ApiResponse({ status: 200, type: ScimRequestPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: ScimRequestListQueryDto): Promise<ScimRequestPageResponse> {
    const { size, cursor, since, until, ...filters } = query;
    return this.requests.list(organizationId, {
      ...filters,
      since: since === undefined ? undefined : new Date(since),
      until: until === undefined ? undefined : new Date(until),
      limit: size ?? DEFAULT_PAGE_SIZE,
      cursor,
    });
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One SCIM request with what the identity provider sent and what it was answered (each body at most 64 KB, password and SCIM_REDACT_ATTRIBUTES values "[redacted]").',
  })
  @ApiResponse({ status: 200, type: ScimRequestDetailResponse })
  get(@OrganizationId() organizationId: number, @Param('id') id: string): Promise<ScimRequestDetailResponse> {
    return this.requests.get(organizationId, id);
  }
}
