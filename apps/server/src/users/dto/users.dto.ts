import type { MemberPage, UserPage, UserUpdate, UserView } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page-query.dto';
import { IsOmittable } from '../../common/validators';

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'inactive'] })
  @IsOptional()
  @IsIn(['active', 'inactive'], { message: 'status must be "active" or "inactive"' })
  status?: 'active' | 'inactive';

  @ApiPropertyOptional({ description: 'Role name, case-insensitive.' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'role must be at most 64 characters' })
  role?: string;

  @ApiPropertyOptional({ description: 'Part of the email (userName) or display name, case-insensitive.' })
  @IsOptional()
  @IsString()
  @MaxLength(100, { message: 'q must be at most 100 characters' })
  q?: string;

  @ApiPropertyOptional({ description: "A group's id: only its members (the Groups page)." })
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: 'group must be a group id' })
  group?: string;
}

export class UpdateUserDto implements UserUpdate {
  @ApiPropertyOptional({ description: 'A pre-defined or custom role name, case-insensitive. Absent: unchanged.' })
  @IsOmittable()
  @IsString({ message: 'role must be a role name' })
  @MaxLength(64, { message: 'role must be at most 64 characters' })
  role?: string;

  @ApiPropertyOptional({ description: 'false deactivates, true reactivates. Absent: unchanged.' })
  @IsOmittable()
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;

  @ApiPropertyOptional({
    maxLength: 254,
    example: 'ada@example.com',
    description:
      'The new email address: the userName and the primary email, unique in the organization case-insensitively. Only for a user no identity provider manages (scimManaged false); otherwise 409. Absent: unchanged.',
  })
  @IsOmittable()
  @MaxLength(1000, { message: 'email must be at most 254 characters' })
  @IsString({ message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional({
    maxLength: 255,
    nullable: true,
    example: 'Ada King Lovelace',
    description:
      'The full name: displayName and name (the last word is the family name). null clears it. Only for a user no identity provider manages (scimManaged false); otherwise 409. Absent: unchanged.',
  })
  @IsOptional()
  @MaxLength(1000, { message: 'name must be at most 255 characters' })
  @IsString({ message: 'name must be text (a full name), or null to clear it' })
  name?: string | null;
}

export class RoleGroupResponse {
  @ApiProperty() id: string;
  @ApiProperty() displayName: string;
}

export class UserResponse implements UserView {
  @ApiProperty() id: string;
  @ApiProperty({
    description: 'The email address; only a user no identity provider manages can have it changed (PATCH email).',
  })
  userName: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) firstName: string | null;
  @ApiProperty({ nullable: true, type: String }) lastName: string | null;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty() role: string;
  @ApiProperty({
    enum: ['group', 'user'],
    description:
      "group: a role mapping of one of the user's groups gives the role (it cannot be changed here); user: the user's own role.",
  })
  roleSource: 'group' | 'user';
  @ApiProperty({ nullable: true, type: RoleGroupResponse, description: 'The group whose mapping gives the role.' })
  roleGroup: RoleGroupResponse | null;
  @ApiProperty() active: boolean;
  @ApiProperty({ enum: ['active', 'inactive'] }) status: 'active' | 'inactive';
  @ApiProperty({ nullable: true, type: String }) externalId: string | null;
  @ApiProperty({
    description:
      'An identity provider manages the user (it was written through SCIM): its email and name cannot be changed here (409).',
  })
  scimManaged: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class UserPageResponse implements UserPage {
  @ApiProperty({ type: [UserResponse] }) users: UserResponse[];
  @ApiProperty() count: number;
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class MemberPageResponse implements MemberPage {
  @ApiProperty({ type: [UserResponse] }) members: UserResponse[];
  @ApiProperty() count: number;
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
