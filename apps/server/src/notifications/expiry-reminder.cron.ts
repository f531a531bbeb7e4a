import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { scheduleJob } from '../common/scheduled-job';
import { RemindersService } from './reminders.service';

/**
 * The one place the reminder job is scheduled (REMINDER_CRON, hourly by
 * default, UTC). SCHEDULER_ENABLED=false leaves it out of a process, e.g. on
 * web-only instances; running it on several is safe (see RemindersService).
 */
@Injectable()
export class ExpiryReminderCron implements OnApplicationBootstrap {
  private readonly logger = new Logger('ExpiryReminderCron');

  constructor(
    private readonly reminders: RemindersService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(this.registry, 'expiry-reminders', this.config.reminders.cron, () => this.run(), this.logger);
  }

  async run(): Promise<void> {
    const result = await this.reminders.run();
    if (result.sent.length || result.failed.length || result.retrying.length) {
      this.logger.log(
        `Reminder run: ${result.sent.length} sent, ${result.retrying.length} to retry, ${result.failed.length} failed`,
      );
    }
  }
}
