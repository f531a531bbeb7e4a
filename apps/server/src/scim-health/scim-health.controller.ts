import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IncidentSummaryView, ScimHealthStatus, ScimHealthView } from '@app/api-types';
import { OrganizationId } from '../auth/auth.decorators';
import { ScimHealthService } from './scim-health.service';

class ScimHealthKeyResponse {
  @ApiProperty() keyId: string;
  @ApiProperty() maskedKey: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastUsedAt: string | null;
  @ApiProperty() requests24h: number;
  @ApiProperty() errors24h: number;
  @ApiPropertyOptional({ example: { at: '2026-12-01T10:00:00.000Z', status: 400, detail: 'userName must be…' } })
  lastError?: { at: string; status: number; detail: string };
}

class IncidentSummaryResponse implements IncidentSummaryView {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({ format: 'date-time' }) lastAt: string;
  @ApiProperty({ description: 'Users deactivated or deleted in it.' }) count: number;
}

class ScimHealthResponse implements ScimHealthView {
  @ApiProperty({
    enum: ['never-connected', 'healthy', 'degraded', 'silent', 'off'],
    description:
      'degraded: more than 20% of the last 24 h of SCIM requests failed (at least 10 requests); silent: SCIM on, connected before, no request for SCIM_SILENT_HOURS.',
  })
  status: ScimHealthStatus;
  @ApiProperty() summary: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastRequestAt: string | null;
  @ApiProperty() requests24h: number;
  @ApiProperty() errors24h: number;
  @ApiProperty({ type: [ScimHealthKeyResponse] }) keys: ScimHealthKeyResponse[];
  @ApiProperty({
    type: IncidentSummaryResponse,
    nullable: true,
    description: 'The open deprovisioning incident: the identity provider deactivated or deleted many users at once.',
  })
  incident: IncidentSummaryResponse | null;
}

@ApiTags('Settings')
@ApiBearerAuth('apiKey')
@Controller('v1.0/settings/scim-health')
export class ScimHealthController {
  constructor(private readonly health: ScimHealthService) {}

  @Get()
  @ApiOperation({ summary: "The identity provider's SCIM connection: status, last request, per-key counts and last error." })
  @ApiResponse({ status: 200, type: ScimHealthResponse })
  get(@OrganizationId() organizationId: number): Promise<ScimHealthResponse> {
    return this.health.health(organizationId);
  }
}
