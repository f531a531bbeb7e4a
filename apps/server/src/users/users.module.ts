import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { CursorsModule } from '../cursors/cursors.module';
import { DeprovisioningModule } from '../deprovisioning/deprovisioning.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { Role } from './role.entity';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { UserAttributeValue } from './user-attribute-value.entity';
import { UserCount } from './user-count.entity';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UserCountsRepository } from './user-counts.repository';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { UserProvisioningService } from './user-provisioning.service';
import { UserRolesService } from './user-roles.service';
import { UserSearchService } from './user-search.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, UserAttributeValue, UserCount, Role]),
    OrganizationsModule,
    AuditModule,
    CursorsModule,
    DeprovisioningModule,
  ],
  controllers: [UsersController],
  providers: [
    UsersService,
    UserProvisioningService,
    UserRolesService,
    UserSearchService,
    RolesService,
    UsersRepository,
    UserCountsRepository,
    RolesRepository,
  ],
  exports: [UsersService, UserProvisioningService, UserRolesService, UserSearchService, RolesService],
})
export class UsersModule {}
