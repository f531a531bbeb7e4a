import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { retryOnDeadlock } from '../common/db-errors';
import { JobRuns } from '../common/job-runs';
import { scheduleJob } from '../common/scheduled-job';
import { DeprovisioningService } from '../deprovisioning/deprovisioning.service';
import { IncidentAlertPayload } from './incident-alert-email';
import { RemindersService } from './reminders.service';

const BATCH = 100;
const SAMPLE = 10;

/**
 * Puts each new deprovisioning incident's email in the outbox, on DEPROVISION_ALERT_CRON (every minute),
 * then delivers it. An incident is opened with its alert due (in the transaction of the SCIM request
 * that opened it); claiming it is a conditional UPDATE in the transaction that records the outbox row,
 * so of several instances one wins: one email per incident, delivered like a reminder (lease, retries).
 * The work is what is due (an index on the due flag), not the number of organizations.
 */
@Injectable()
export class IncidentAlerts implements OnApplicationBootstrap {
  private readonly logger = new Logger('IncidentAlerts');

  constructor(
    private readonly deprovisionings: DeprovisioningService,
    private readonly reminders: RemindersService,
    private readonly transactions: TransactionRunner,
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobRuns,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(
      this.registry,
      'incident alerts',
      this.config.safetyNet.alertCron,
      () => this.run().then(() => undefined),
      this.logger,
    );
  }

  /** One round: the incidents whose alert this instance put in the outbox. */
  run(): Promise<number[]> {
    return this.jobs.track('incident-alerts', async (handled) => {
      const queued: number[] = [];
      const due = await this.deprovisionings.alertsDue(BATCH);
      handled(due.length);
      for (const id of due) if (await this.queue(id)) queued.push(id);
      if (queued.length) await this.reminders.deliverNow();
      return queued;
    });
  }

  private queue(incidentId: number): Promise<boolean> {
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const claimed = await this.deprovisionings.claimAlert(manager, incidentId);
        if (!claimed) return false;
        if (claimed.keyId === null) {
          this.logger.warn(`Deprovisioning incident ${incidentId} names no key; its alert is not sent`);
          return false;
        }
        const users = (await this.deprovisionings.incidentUsers([incidentId], manager)).get(incidentId) ?? [];
        const payload: IncidentAlertPayload = {
          incidentId,
          count: users.length,
          deactivated: users.filter((u) => u.kind === 'deactivated').length,
          deleted: users.filter((u) => u.kind === 'deleted').length,
          windowMinutes: this.config.safetyNet.burstWindowMinutes,
          sample: users.slice(0, SAMPLE).map((u) => u.userName),
        };
        await this.reminders.enqueueIncidentAlert(manager, {
          organizationId: claimed.organizationId,
          apiKeyId: claimed.keyId,
          payload,
        });
        this.logger.log(`Deprovisioning incident ${incidentId} of organization ${claimed.organizationId}: alert queued`);
        return true;
      }),
    );
  }
}
