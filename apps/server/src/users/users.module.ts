import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Role } from './role.entity';
import { RolesService } from './roles.service';
import { UserAttributeValue } from './user-attribute-value.entity';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, UserAttributeValue, Role])],
  controllers: [UsersController],
  providers: [UsersService, RolesService, UsersRepository],
  exports: [UsersService, RolesService],
})
export class UsersModule {}
