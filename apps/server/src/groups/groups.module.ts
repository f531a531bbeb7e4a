import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { CursorsModule } from '../cursors/cursors.module';
import { UsersModule } from '../users/users.module';
import { GroupMember } from './group-member.entity';
import { Group } from './group.entity';
import { GroupsController } from './groups.controller';
import { GroupsRepository } from './groups.repository';
import { GroupsService } from './groups.service';
import { RoleMapping } from './role-mapping.entity';
import { RoleMappingsRepository } from './role-mappings.repository';
import { RoleMappingsService } from './role-mappings.service';

/**
 * Groups of users (SCIM Groups, as Okta and Entra push them), their members, and the role mappings
 * that give members a role. Depends on the users module (a membership change settles the users'
 * roles through UsersService); the users module does not depend on this one.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Group, GroupMember, RoleMapping]),
    UsersModule,
    OrganizationsModule,
    AuditModule,
    CursorsModule,
  ],
  controllers: [GroupsController],
  providers: [GroupsService, GroupsRepository, RoleMappingsService, RoleMappingsRepository],
  exports: [GroupsService],
})
export class GroupsModule {}
