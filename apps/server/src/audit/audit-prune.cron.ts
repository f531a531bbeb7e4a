import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { scheduleJob } from '../common/scheduled-job';
import { AuditService } from './audit.service';

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS (default 180), on AUDIT_PRUNE_CRON (daily,
 * 03:30 UTC), 1,000 at a time. Safe on several instances: each deletes rows by id, and a row
 * another instance deleted first is simply not there.
 */
@Injectable()
export class AuditPruneCron implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuditPrune');

  constructor(
    private readonly audit: AuditService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(this.registry, 'audit-log pruning', this.config.audit.pruneCron, () => this.run(), this.logger);
  }

  async run(): Promise<void> {
    const deleted = await this.audit.prune();
    if (deleted) this.logger.log(`Pruned ${deleted} audit event(s) older than ${this.config.audit.retentionDays} days`);
  }
}
