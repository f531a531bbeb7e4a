import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CursorsModule } from '../cursors/cursors.module';
import { AuditEvent } from './audit-event.entity';
import { AuditFailureCount } from './audit-failure-count.entity';
import { AuditFailureCountsRepository } from './audit-failure-counts.repository';
import { AuditController } from './audit.controller';
import { AuditPruneCron } from './audit-prune.cron';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { FailedRequestRecorder } from './failed-requests';

/**
 * The audit log: every module that changes something records its event through AuditService in
 * the same transaction. Depends on no other feature module, so everyone may depend on it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditFailureCount]), CursorsModule],
  controllers: [AuditController],
  providers: [AuditService, AuditRepository, AuditFailureCountsRepository, AuditPruneCron, FailedRequestRecorder],
  exports: [AuditService, FailedRequestRecorder],
})
export class AuditModule {}
