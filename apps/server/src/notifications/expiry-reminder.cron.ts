import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { RemindersService } from './reminders.service';

/**
 * The one place the reminder job is scheduled (REMINDER_CRON, hourly by
 * default, UTC). SCHEDULER_ENABLED=false leaves it out of a process, e.g. on
 * web-only instances; running it on several is safe (see RemindersService).
 */
@Injectable()
export class ExpiryReminderCron implements OnApplicationBootstrap {
  private readonly logger = new Logger('ExpiryReminderCron');
  private running = false;

  constructor(
    private readonly reminders: RemindersService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    const job = CronJob.from({ cronTime: this.config.reminders.cron, timeZone: 'UTC', onTick: () => this.tick() });
    this.registry.addCronJob('expiry-reminders', job);
    job.start();
    this.logger.log(`Expiry reminders scheduled: "${this.config.reminders.cron}" (UTC)`);
  }

  /** Skips a tick while the previous run is still going, rather than overlapping with itself. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const result = await this.reminders.run();
      if (result.sent.length || result.failed.length || result.retrying.length) {
        this.logger.log(
          `Reminder run: ${result.sent.length} sent, ${result.retrying.length} to retry, ${result.failed.length} failed`,
        );
      }
    } catch (error) {
      this.logger.error({ err: error }, 'The reminder run failed; it will be retried on the next tick');
    } finally {
      this.running = false;
    }
  }
}
