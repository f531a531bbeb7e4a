import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { Role } from './role.entity';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { UserAttributeValue } from './user-attribute-value.entity';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, UserAttributeValue, Role]), OrganizationsModule, AuditModule],
  controllers: [UsersController],
  providers: [UsersService, RolesService, UsersRepository, RolesRepository],
  exports: [UsersService, RolesService],
})
export class UsersModule {}
