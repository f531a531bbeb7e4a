import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobRuns } from '../common/job-runs';
import { scheduleJob } from '../common/scheduled-job';
import { AuditService } from './audit.service';

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS (default 180), on AUDIT_PRUNE_CRON (daily,
 * 03:30 UTC), the oldest ids PRUNE_BATCH at a time (what is due, whatever the number of
 * organizations), the event loop served between batches. Safe on several instances: each deletes rows by id, and a row
 * another instance deleted first is simply not there.
 */
@Injectable()
export class AuditPruneCron implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuditPrune');

  constructor(
    private readonly audit: AuditService,
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobRuns,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(this.registry, 'audit-log pruning', this.config.audit.pruneCron, () => this.run(), this.logger);
  }

  run(): Promise<void> {
    return this.jobs.track('audit-prune', async (handled) => {
      const deleted = await this.audit.prune();
      handled(deleted);
      if (deleted) this.logger.log(`Pruned ${deleted} audit event(s) older than ${this.config.audit.retentionDays} days`);
    });
  }
}
