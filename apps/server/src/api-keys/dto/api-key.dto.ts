import { HasNoControlCharacters, HasNoDirectionalOverrides } from '../../common/validators';
import type { ApiKeyView, CreatedApiKeyView, KeyPolicyView } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { ApiKeyType } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({
    enum: ['api', 'scim'],
    description: '"api" = Torii API (this admin API); "scim" = Torii SCIM (the SCIM API only).',
  })
  @IsIn(['api', 'scim'], { message: 'type must be "api" (Torii API) or "scim" (Torii SCIM)' })
  type: ApiKeyType;

  @ApiPropertyOptional({ maxLength: 255, example: 'Okta provisioning', nullable: true, description: 'null or absent: none.' })
  @IsOptional()
  @IsString({ message: 'description must be text' })
  @MaxLength(255, { message: 'description must be at most 255 characters' })
  @HasNoControlCharacters()
  @HasNoDirectionalOverrides()
  description?: string | null;

  @ApiPropertyOptional({
    example: '2027-06-30',
    nullable: true,
    description:
      'YYYY-MM-DD (00:00:00 UTC of that day) or an ISO-8601 timestamp; must be in the future; cannot be changed later. null or absent: the key never expires.',
  })
  @IsOptional()
  @IsString({ message: 'expiresAt must be a date (YYYY-MM-DD) or an ISO-8601 timestamp' })
  @MaxLength(40, { message: 'expiresAt must be a date (YYYY-MM-DD) or an ISO-8601 timestamp' })
  expiresAt?: string | null;
}

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ maxLength: 255, nullable: true, description: 'null clears it.' })
  @IsOptional()
  @IsString({ message: 'description must be text' })
  @MaxLength(255, { message: 'description must be at most 255 characters' })
  @HasNoControlCharacters()
  @HasNoDirectionalOverrides()
  description?: string | null;

  /** Declared only to answer with the rotation sentence instead of "unknown field". */
  @ApiPropertyOptional({ deprecated: true, description: 'Cannot be changed: rotate the key instead (400).' })
  @IsOptional()
  expiresAt?: unknown;
}

export class ApiKeyResponse implements ApiKeyView {
  @ApiProperty({ example: '7' }) id: string;
  @ApiProperty({ enum: ['api', 'scim'] }) type: ApiKeyType;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: "The key's first request: in a rotation, when the identity provider switched to it.",
  })
  firstUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The key this one replaces (generated with rotate).' })
  replacesKeyId: string | null;
  @ApiProperty({ enum: ['active', 'expired'] }) status: 'active' | 'expired';
  @ApiProperty({ example: 'torii_scim_…x9Qa' }) maskedKey: string;
}

export class CreatedApiKeyResponse extends ApiKeyResponse implements CreatedApiKeyView {
  @ApiProperty({ description: 'The full key. Shown only in this response; store it now.' }) key: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    nullable: true,
    description:
      "The successor's expiration (YYYY-MM-DD or ISO-8601); absent: the old key's lifetime from now (within the maximum), or the default lifetime (policy.defaultLifetimeDays) when the old key never expires; null: none.",
  })
  @IsOptional()
  @IsString({ message: 'expiresAt must be a date (YYYY-MM-DD) or an ISO-8601 timestamp' })
  expiresAt?: string | null;
}

export class KeyPolicyResponse implements KeyPolicyView {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The longest expiration a new key may have, in days (API_KEY_MAX_LIFETIME_DAYS); null: no limit.',
  })
  maxLifetimeDays: number | null;

  @ApiProperty({
    example: 90,
    description:
      'The expiration proposed for a new key, in days (API_KEY_DEFAULT_LIFETIME_DAYS): what the first start and the CLI give their keys unless --never-expires, and what Rotate gives the successor of a key that never expires.',
  })
  defaultLifetimeDays: number;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse], description: 'Newest first.' }) apiKeys: ApiKeyResponse[];
  @ApiProperty({ type: KeyPolicyResponse }) policy: KeyPolicyResponse;
}
