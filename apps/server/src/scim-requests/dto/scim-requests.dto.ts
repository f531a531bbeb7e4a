import type { ScimClientView, ScimRequestDetailView, ScimRequestPage, ScimRequestView } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export const SCIM_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const SCIM_RESOURCE_TYPES = ['Users', 'Groups'] as const;

/** `get` and `Get` are GET, `users` is Users: what a person types in a filter. */
const canonical =
  (values: readonly string[]) =>
  ({ value }: { value: unknown }): unknown =>
    typeof value === 'string' ? (values.find((v) => v.toLowerCase() === value.toLowerCase()) ?? value) : value;

export class ScimRequestFilterDto {
  @ApiPropertyOptional({
    enum: ['success', 'failure'],
    description: 'failure: 4xx (but a GET 404, how a client asks whether something exists) and 5xx.',
  })
  @IsOptional()
  @IsIn(['success', 'failure'], { message: 'outcome must be "success" or "failure"' })
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ enum: SCIM_METHODS })
  @IsOptional()
  @Transform(canonical(SCIM_METHODS))
  @IsIn(SCIM_METHODS, { message: `method must be one of ${SCIM_METHODS.join(', ')}` })
  method?: string;

  @ApiPropertyOptional({ enum: SCIM_RESOURCE_TYPES })
  @IsOptional()
  @Transform(canonical(SCIM_RESOURCE_TYPES))
  @IsIn(SCIM_RESOURCE_TYPES, { message: 'resourceType must be "Users" or "Groups"' })
  resourceType?: string;

  @ApiPropertyOptional({ description: 'Requests of this key (its id, as listed in Settings > API Access).' })
  @IsOptional()
  // An id in its canonical form only: "05", " 5" or "5.0" name no key (Number() would read them all as 5).
  @Transform(({ value }) => (typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'keyId must be a key id' })
  @Min(1, { message: 'keyId must be a key id' })
  @Max(2_147_483_647, { message: 'keyId must be a key id' })
  keyId?: number;

  @ApiPropertyOptional({ description: "A user's or a group's id: the requests about it (a user's history)." })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'targetId must be at most 64 characters' })
  targetId?: string;

  @ApiPropertyOptional({ description: "A request's X-Request-Id, e.g. from an audit-log event's requestId." })
  @IsOptional()
  @IsString()
  @MaxLength(128, { message: 'requestId must be at most 128 characters' })
  requestId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 date or date-time, e.g. 2026-11-01T09:00:00Z' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this instant (exclusive).' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 date or date-time, e.g. 2026-11-01T10:00:00Z' })
  until?: string;
}

/** The filters with the admin API's paging (`size`, `cursor`). */
export class ScimRequestListQueryDto extends IntersectionType(ScimRequestFilterDto, PageQueryDto) {}

export class ScimRequestKeyResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'torii_scim_…a1b2' }) maskedKey: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
}

export class ScimRequestResponse implements ScimRequestView {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time', description: 'When the answer was sent.' }) at: string;
  @ApiProperty({ example: 'PATCH' }) method: string;
  @ApiProperty({ example: '/v1.0/scim/v2/Users/42' }) path: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'filter=userName%20eq%20%22ana%40example.com%22',
    description: 'As sent, without "?"; the literals a filter compares with password or a redacted attribute are "[redacted]".',
  })
  query: string | null;
  @ApiProperty() status: number;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiProperty({ description: 'From arrival to answer, in milliseconds.' }) durationMs: number;
  @ApiProperty({ type: ScimRequestKeyResponse }) key: ScimRequestKeyResponse;
  @ApiProperty({ enum: ['okta', 'entra', 'other'], description: 'From the User-Agent.' }) client: ScimClientView;
  @ApiProperty({ nullable: true, type: String }) userAgent: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Users' }) resourceType: string | null;
  @ApiPropertyOptional({ description: "The user's or group's id: in the path, or the one a POST created." }) targetId?: string;
  @ApiPropertyOptional({ example: 'mutability' }) scimType?: string;
  @ApiPropertyOptional({ description: 'The sentence a refused request was answered with.' }) detail?: string;
  @ApiProperty({ nullable: true, type: String, description: 'X-Request-Id, as in the audit log.' }) requestId: string | null;
}

export class ScimRequestDetailResponse extends ScimRequestResponse implements ScimRequestDetailView {
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The body as received (or serialized again when a value was redacted): at most 64 KB, a longer one cut with "…[cut: N more bytes]"; password and SCIM_REDACT_ATTRIBUTES values are "[redacted]".',
  })
  requestBody: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The body as answered, the same way.' })
  responseBody: string | null;
}

export class ScimRequestPageResponse implements ScimRequestPage {
  @ApiProperty({ type: [ScimRequestResponse] }) requests: ScimRequestResponse[];
  @ApiProperty() count: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
