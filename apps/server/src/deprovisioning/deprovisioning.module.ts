import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { DeprovisioningIncident } from './deprovisioning-incident.entity';
import { DeprovisioningService } from './deprovisioning.service';
import { Deprovisioning, DeprovisioningGroup, DeprovisioningMinute } from './deprovisioning.entity';
import { DeprovisioningsRepository } from './deprovisionings.repository';

/**
 * What was deprovisioned, and bursts of it: every deactivation and deletion of a user with the state
 * before it, and the incidents bursts open (docs/safety-net.md). The users module records through it
 * in its transactions; the safety-net module reads it to restore and undo.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Deprovisioning, DeprovisioningGroup, DeprovisioningMinute, DeprovisioningIncident]),
    AuditModule,
  ],
  providers: [DeprovisioningService, DeprovisioningsRepository],
  exports: [DeprovisioningService],
})
export class DeprovisioningModule {}
