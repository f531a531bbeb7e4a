import type { AuditEventView, AuditPage } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';
import { AUDIT_ACTIONS } from '../audit.service';

const TARGET_TYPES = ['api-key', 'organization', 'role', 'role-mapping', 'user', 'group', 'scim-request'];

export class AuditFilterDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of: ${AUDIT_ACTIONS.join(', ')}` })
  action?: string;

  @ApiPropertyOptional({ description: 'Events of this key (its id, as listed in Settings > API Access).' })
  @IsOptional()
  // An id in its canonical form only: "05", " 5" or "5.0" name no key (Number() would read them all as 5).
  @Transform(({ value }) => (typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'actorKeyId must be a key id' })
  @Min(1, { message: 'actorKeyId must be a key id' })
  @Max(2_147_483_647, { message: 'actorKeyId must be a key id' })
  actorKeyId?: number;

  @ApiPropertyOptional({ enum: TARGET_TYPES })
  @IsOptional()
  @IsIn(TARGET_TYPES, { message: `targetType must be one of: ${TARGET_TYPES.join(', ')}` })
  targetType?: string;

  @ApiPropertyOptional({ description: "The target's id, e.g. a user's id: that user's history." })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'targetId must be at most 64 characters' })
  targetId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date or date-time, e.g. 2026-11-01' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this instant (exclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 date or date-time, e.g. 2026-12-01' })
  until?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'], description: 'failure: the SCIM requests that were refused or failed.' })
  @IsOptional()
  @IsIn(['success', 'failure'], { message: 'outcome must be "success" or "failure"' })
  outcome?: 'success' | 'failure';
}

/** The filters with the admin API's paging (`size`, `cursor`), validated as everywhere else. */
export class AuditListQueryDto extends IntersectionType(AuditFilterDto, PageQueryDto) {}

export class AuditExportQueryDto extends AuditFilterDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'], { message: 'format must be "ndjson" or "csv"' })
  format?: 'ndjson' | 'csv';
}

export class AuditEventResponse implements AuditEventView {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: string;
  @ApiProperty({
    description:
      'type: api-key | scim-key | cli | system; a key also has keyId, maskedKey and description; the system has description "First start" for what the first start created (none: a scheduled job).',
    example: { type: 'scim-key', keyId: '3', maskedKey: 'torii_scim_…a1b2', description: 'Okta' },
  })
  actor: AuditEventView['actor'];
  @ApiProperty({ example: { type: 'user', id: '42', display: 'ana@example.com' } })
  target: AuditEventView['target'];
  @ApiPropertyOptional({ example: [{ attribute: 'title', from: 'Engineer', to: 'Lead' }] })
  changes?: AuditEventView['changes'];
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiPropertyOptional({ description: 'The HTTP status of a failed SCIM request.' }) status?: number;
  @ApiPropertyOptional() scimType?: string;
  @ApiPropertyOptional({ description: "The refusal's sentence, or what the changes do not say." }) detail?: string;
  @ApiProperty({ nullable: true, type: String, description: 'X-Request-Id of the request that did it.' })
  requestId: string | null;
}

export class AuditPageResponse implements AuditPage {
  @ApiProperty({ type: [AuditEventResponse] }) events: AuditEventResponse[];
  @ApiProperty() count: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
