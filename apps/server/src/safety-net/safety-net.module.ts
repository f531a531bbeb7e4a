import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { CursorsModule } from '../cursors/cursors.module';
import { DeprovisioningModule } from '../deprovisioning/deprovisioning.module';
import { GroupsModule } from '../groups/groups.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { DeletedUserPurgeCron } from './deleted-user-purge.cron';
import { DeletedUsersController, DeprovisioningIncidentsController } from './safety-net.controller';
import { SafetyNetService } from './safety-net.service';

/**
 * The deprovisioning safety net's way back (docs/safety-net.md): deleted users and their restore,
 * deprovisioning incidents and their undo or dismissal, and the purge after the retention. What is
 * recorded, and the burst detection, are the deprovisioning module's; the incident email is the
 * notifications module's.
 */
@Module({
  imports: [DeprovisioningModule, UsersModule, GroupsModule, OrganizationsModule, ApiKeysModule, AuditModule, CursorsModule],
  controllers: [DeletedUsersController, DeprovisioningIncidentsController],
  providers: [SafetyNetService, DeletedUserPurgeCron],
  exports: [SafetyNetService, DeletedUserPurgeCron],
})
export class SafetyNetModule {}
