import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';

/**
 * Schedules `run` on a cron expression (UTC) under `name`. A tick is skipped while the previous
 * run is still going, rather than overlapping with itself; a failed run is logged and retried on
 * the next tick. Returns the tick, for tests to call.
 */
export function scheduleJob(
  registry: SchedulerRegistry,
  name: string,
  cronTime: string,
  run: () => Promise<void>,
  logger: Logger,
): () => Promise<void> {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await run();
    } catch (error) {
      logger.error({ err: error }, `The ${name} run failed; it will be retried on the next tick`);
    } finally {
      running = false;
    }
  };
  const job = CronJob.from({ cronTime, timeZone: 'UTC', onTick: tick });
  registry.addCronJob(name, job);
  job.start();
  logger.log(`${name} scheduled: "${cronTime}" (UTC)`);
  return tick;
}

/** The next time a cron expression (UTC) fires after `now`, as ISO-8601; null for an expression cron cannot read. */
export function nextRunOf(cronTime: string, now: Date): string | null {
  try {
    return new CronTime(cronTime, 'UTC').getNextDateFrom(now).toJSDate().toISOString();
  } catch {
    return null;
  }
}
