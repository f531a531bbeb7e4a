import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GroupMember } from './group-member.entity';
import { Group } from './group.entity';
import { GroupsRepository } from './groups.repository';
import { GroupsService } from './groups.service';

/** Groups of users (SCIM Groups, as Okta and Entra push them) and their members. */
@Module({
  imports: [TypeOrmModule.forFeature([Group, GroupMember])],
  providers: [GroupsService, GroupsRepository],
  exports: [GroupsService],
})
export class GroupsModule {}
