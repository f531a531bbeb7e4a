import type { GroupPage, GroupView, RoleMappingView } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable } from '../../common/validators';
import { MAX_MAPPING_PRIORITY as MAX_PRIORITY } from '../role-mapping.entity';

export class CreateRoleMappingDto {
  @ApiProperty({ example: '7', description: "The group's id (its SCIM id)." })
  @IsString({ message: 'groupId must be a group id (text)' })
  @IsNotEmpty({ message: 'groupId must not be empty' })
  @MaxLength(20, { message: 'groupId must be a group id' })
  groupId: string;

  @ApiProperty({ example: 'Admin', description: 'A pre-defined or custom role name, case-insensitive.' })
  @IsString({ message: 'role must be a role name' })
  @IsNotEmpty({ message: 'role must not be empty' })
  @MaxLength(64, { message: 'role must be at most 64 characters' })
  role: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_PRIORITY,
    description:
      "A user in several mapped groups gets the role of the lowest number (ties: the older mapping). Absent: 10 more than the organization's highest, at most 1,000,000 (then a tie with the highest, which the older mapping wins), so a new mapping comes last.",
  })
  @IsOmittable()
  @IsInt({ message: 'priority must be a whole number' })
  @Min(0, { message: 'priority must be at least 0' })
  @Max(MAX_PRIORITY, { message: `priority must be at most ${MAX_PRIORITY}` })
  priority?: number;
}

export class UpdateRoleMappingDto {
  @ApiPropertyOptional({ description: 'A pre-defined or custom role name, case-insensitive. Absent: unchanged.' })
  @IsOmittable()
  @IsString({ message: 'role must be a role name' })
  @IsNotEmpty({ message: 'role must not be empty' })
  @MaxLength(64, { message: 'role must be at most 64 characters' })
  role?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRIORITY, description: 'Absent: unchanged.' })
  @IsOmittable()
  @IsInt({ message: 'priority must be a whole number' })
  @Min(0, { message: 'priority must be at least 0' })
  @Max(MAX_PRIORITY, { message: `priority must be at most ${MAX_PRIORITY}` })
  priority?: number;
}

export class RoleMappingResponse implements RoleMappingView {
  @ApiProperty() id: string;
  @ApiProperty() groupId: string;
  @ApiProperty() groupDisplayName: string;
  @ApiProperty() role: string;
  @ApiProperty({ description: 'Lowest number wins.' }) priority: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class RoleMappingListResponse {
  @ApiProperty({ type: [RoleMappingResponse], description: 'In precedence order: the first one that applies to a user wins.' })
  roleMappings: RoleMappingResponse[];
}

export class GroupResponse implements GroupView {
  @ApiProperty() id: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ nullable: true, type: String }) externalId: string | null;
  @ApiProperty() memberCount: number;
  @ApiProperty({ nullable: true, type: String, description: 'The role its mapping gives its members; null: it has none.' })
  role: string | null;
  @ApiProperty({ nullable: true, type: String }) roleMappingId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class GroupPageResponse implements GroupPage {
  @ApiProperty({ type: [GroupResponse] }) groups: GroupResponse[];
  @ApiProperty() count: number;
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
