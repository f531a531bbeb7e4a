import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ScimDiscoveryController } from './scim-discovery.controller';
import { ScimRateLimitGuard } from './scim-rate-limit.guard';
import { ScimUsersController } from './scim-users.controller';
import { ScimUsersService } from './scim-users.service';

/** SCIM 2.0 at /v1.0/scim/v2: Users and discovery, for Okta and Microsoft Entra ID. */
@Module({
  imports: [UsersModule],
  controllers: [ScimDiscoveryController, ScimUsersController],
  providers: [ScimUsersService, ScimRateLimitGuard],
})
export class ScimModule {}
