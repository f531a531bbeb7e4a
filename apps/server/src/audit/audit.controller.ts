import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { OrganizationId } from '../auth/auth.decorators';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { eventsAsCsv, eventsAsNdjson } from './audit-export';
import { AuditService } from './audit.service';
import { AuditExportQueryDto, AuditFilterDto, AuditListQueryDto, AuditPageResponse } from './dto/audit.dto';

@ApiTags('Audit log')
@ApiBearerAuth('apiKey')
@Controller('v1.0/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'What was done in the organization, by whom, newest first; failed SCIM requests with their reason.' })
  @ApiResponse({ status: 200, type: AuditPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: AuditListQueryDto): Promise<AuditPageResponse> {
    const { size, cursor, ...filters } = query;
    return this.audit.list(organizationId, { ...filtersOf(filters), limit: size ?? DEFAULT_PAGE_SIZE, cursor });
  }

  @Get('export')
  @ApiOperation({ summary: 'The same events, streamed as NDJSON (one event per line) or CSV, for a SIEM or a spreadsheet.' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiResponse({
    status: 429,
    description: 'Two exports of the organization (or eight of the server) are streaming; Retry-After says when to retry.',
  })
  @Header('cache-control', 'no-store')
  export(@OrganizationId() organizationId: number, @Query() query: AuditExportQueryDto): StreamableFile {
    const { format = 'ndjson', ...filters } = query;
    const release = this.audit.startExport(organizationId);
    const events = this.audit.all(organizationId, filtersOf(filters));
    const body = Readable.from(format === 'csv' ? eventsAsCsv(events) : eventsAsNdjson(events));
    // Ended, failed or cut off by the client: the slot is free again.
    body.once('close', release);
    return new StreamableFile(body, {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="audit-log.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    });
  }
}

function filtersOf(query: AuditFilterDto) {
  return {
    action: query.action,
    actorKeyId: query.actorKeyId,
    targetType: query.targetType,
    targetId: query.targetId,
    since: query.since === undefined ? undefined : new Date(query.since),
    until: query.until === undefined ? undefined : new Date(query.until),
    outcome: query.outcome,
  };
}
