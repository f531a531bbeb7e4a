import { Module } from '@nestjs/common';
import { CursorsModule } from '../cursors/cursors.module';
import { GroupsModule } from '../groups/groups.module';
import { UsersModule } from '../users/users.module';
import { ScimDiscoveryController } from './scim-discovery.controller';
import { ScimGroupsController } from './scim-groups.controller';
import { ScimGroupsService } from './scim-groups.service';
import { ScimPaging } from './scim-paging';
import { ScimUsersController } from './scim-users.controller';
import { ScimUsersService } from './scim-users.service';

/** SCIM 2.0 at /v1.0/scim/v2: Users, Groups and discovery, for Okta and Microsoft Entra ID. */
@Module({
  imports: [UsersModule, GroupsModule, CursorsModule],
  controllers: [ScimDiscoveryController, ScimUsersController, ScimGroupsController],
  providers: [ScimUsersService, ScimGroupsService, ScimPaging],
})
export class ScimModule {}
