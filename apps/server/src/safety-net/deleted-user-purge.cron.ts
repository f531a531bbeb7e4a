import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SYSTEM_SCOPE } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { retryOnDeadlock } from '../common/db-errors';
import { JobRuns } from '../common/job-runs';
import { nextTurn } from '../common/pacing';
import { scheduleJob } from '../common/scheduled-job';
import { DeprovisioningService } from '../deprovisioning/deprovisioning.service';

const BATCH = 500;

/**
 * Purges deleted users DELETED_USER_RETENTION_DAYS (30) after their deletion, on
 * DELETED_USER_PURGE_CRON (hourly): the user row goes, and with it (ON DELETE CASCADE) its values and
 * its deprovisioning records; its audit history stays. Records older than the retention whose user is
 * live (a deactivation, a deletion undone since) go too, and so do the per-minute burst counts no
 * window reaches any more. It walks what is due through the index on the
 * records' time, BATCH at a time, each purge in a transaction of its own with its `user.purged` event.
 * Safe on several instances: the purge is a conditional DELETE, and a user another instance purged (or
 * an admin restored) first is simply not purged again.
 */
@Injectable()
export class DeletedUserPurgeCron implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeletedUserPurge');

  constructor(
    private readonly deprovisionings: DeprovisioningService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobRuns,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(
      this.registry,
      'deleted-user purge',
      this.config.safetyNet.purgeCron,
      () => this.run().then(() => undefined),
      this.logger,
    );
  }

  /** One run; the users it purged. */
  run(): Promise<number[]> {
    return this.jobs.track('deleted-user-purge', (handled) => this.purge(handled));
  }

  private async purge(handled: (n: number) => void): Promise<number[]> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.safetyNet.retentionDays * 86_400_000);
    const purged: number[] = [];
    for (;;) {
      const due = await this.deprovisionings.dueForPurge(cutoff, BATCH);
      handled(due.length);
      if (!due.length) break;
      const history: number[] = [];
      for (const record of due) {
        if (record.deletedAt === null || record.deletedAt > cutoff) {
          history.push(record.id);
          continue;
        }
        const done = await retryOnDeadlock(() =>
          this.transactions.run(
            async (manager) => {
              if (!(await this.deprovisionings.purgeUser(manager, record.userId, cutoff))) return false;
              await this.audit.record(manager, SYSTEM_SCOPE, {
                organizationId: record.organizationId,
                action: 'user.purged',
                target: { type: 'user', id: record.userId, display: record.userName },
                detail: `Deleted on ${record.deletedAt!.toISOString()}; removed for good after ${this.config.safetyNet.retentionDays} days.`,
              });
              return true;
            },
            { organizationId: record.organizationId },
          ),
        );
        if (done) purged.push(record.userId);
        else history.push(record.id);
      }
      await this.deprovisionings.deleteRecords(history);
      if (due.length < BATCH) break;
      await nextTurn();
    }
    // The per-minute burst counts no window reaches any more (a day past the window's start).
    await this.deprovisionings.pruneCounts(this.clock.now());
    if (purged.length)
      this.logger.log(`Purged ${purged.length} user(s) deleted more than ${this.config.safetyNet.retentionDays} days ago`);
    return purged;
  }
}
