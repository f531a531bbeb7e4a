import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuditModule } from '../audit/audit.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ScimHealthController } from './scim-health.controller';
import { ScimHealthService } from './scim-health.service';
import { ScimTraffic } from './scim-traffic.entity';
import { ScimTrafficRepository } from './scim-traffic.repository';
import { ScimTrafficService } from './scim-traffic.service';

/** Connection health: SCIM requests counted per key and minute, and the status an admin sees. */
@Module({
  imports: [TypeOrmModule.forFeature([ScimTraffic]), OrganizationsModule, ApiKeysModule, AuditModule],
  controllers: [ScimHealthController],
  providers: [ScimHealthService, ScimTrafficService, ScimTrafficRepository],
  exports: [ScimTrafficService, ScimHealthService],
})
export class ScimHealthModule {}
