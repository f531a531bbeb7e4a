import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { DeprovisioningModule } from '../deprovisioning/deprovisioning.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ScimHealthController } from './scim-health.controller';
import { ScimHealthMonitor } from './scim-health.monitor';
import { ScimHealthService } from './scim-health.service';
import { ScimHealthState } from './scim-health-state.entity';
import { ScimHealthStatesRepository } from './scim-health-states.repository';
import { ScimTraffic } from './scim-traffic.entity';
import { ScimTrafficRepository } from './scim-traffic.repository';
import { ScimTrafficService } from './scim-traffic.service';

/** Connection health: SCIM requests counted per key and minute, the status an admin sees, and alerts on its changes. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ScimTraffic, ScimHealthState]),
    OrganizationsModule,
    ApiKeysModule,
    AuditModule,
    DeprovisioningModule,
    NotificationsModule,
  ],
  controllers: [ScimHealthController],
  providers: [ScimHealthService, ScimTrafficService, ScimTrafficRepository, ScimHealthMonitor, ScimHealthStatesRepository],
  exports: [ScimTrafficService, ScimHealthService],
})
export class ScimHealthModule {}
