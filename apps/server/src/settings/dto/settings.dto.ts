import type { OrganizationView, RoleView, SecuritySettingsView } from '@app/api-types';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { HasNoControlCharacters, HasNoDirectionalOverrides, IsOmittable } from '../../common/validators';

export class SecuritySettingsDto implements SecuritySettingsView {
  @ApiProperty({
    description: 'SCIM provisioning on/off. Off refuses every SCIM request of the organization at once; keys are kept.',
  })
  @IsBoolean({ message: 'scimEnabled must be true or false' })
  scimEnabled: boolean;
}

export class OrganizationResponse implements OrganizationView {
  @ApiProperty({ example: '1', description: 'The Organization ID an admin types into Okta.' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UpdateOrganizationDto {
  @ApiProperty({
    maxLength: 100,
    example: 'Acme Corporation',
    description: '1 to 100 characters after trimming spaces; no control or directional formatting characters.',
  })
  // Bottom first: a value that is not text is told so before any length or character rule.
  @MaxLength(400, { message: 'name must be at most 100 characters' })
  @HasNoControlCharacters()
  @HasNoDirectionalOverrides()
  @IsString({ message: 'name must be text' })
  name: string;
}

export class CreateRoleDto {
  @ApiProperty({ maxLength: 64, example: 'Finance' })
  @IsString({ message: 'name must be text' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  @HasNoControlCharacters()
  @HasNoDirectionalOverrides()
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, description: 'null or absent: none.' })
  @IsOptional()
  @IsString({ message: 'description must be text' })
  @MaxLength(255, { message: 'description must be at most 255 characters' })
  @HasNoControlCharacters()
  description?: string | null;
}

export class UpdateRoleDto {
  @ApiPropertyOptional({ maxLength: 64, description: 'Absent: unchanged.' })
  @IsOmittable()
  @IsString({ message: 'name must be text' })
  @MaxLength(64, { message: 'name must be at most 64 characters' })
  @HasNoControlCharacters()
  @HasNoDirectionalOverrides()
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 255, nullable: true, description: 'null clears it.' })
  @IsOptional()
  @IsString({ message: 'description must be text' })
  @MaxLength(255, { message: 'description must be at most 255 characters' })
  @HasNoControlCharacters()
  description?: string | null;
}

export class RoleResponse implements RoleView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ description: 'Pre-defined roles cannot be renamed or deleted.' }) predefined: boolean;
  @ApiProperty() userCount: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class RoleListResponse {
  @ApiProperty({ type: [RoleResponse] }) roles: RoleResponse[];
}
