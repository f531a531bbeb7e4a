import { Injectable } from '@nestjs/common';
import { Clock } from './clock';

/** What a scheduled job's last run did (for /metrics). */
export interface JobRunStats {
  /** When the last run ended. */
  lastRunAt: Date;
  lastDurationSeconds: number;
  /** The rows or organizations the last run handled (each job says what it counts). */
  lastHandled: number;
  lastOutcome: 'success' | 'failure';
  runs: { success: number; failure: number };
}

/**
 * The scheduled jobs' last runs, one entry per job name (a fixed set, so the map stays small), read
 * by the metrics module: how long each took and how much it handled, so that an operator sees a job
 * whose work grows with the number of organizations rather than with what is due.
 */
@Injectable()
export class JobRuns {
  private readonly stats = new Map<string, JobRunStats>();

  constructor(private readonly clock: Clock) {}

  /**
   * Runs `work` as a run of `job`, recording its duration, the count `work` reported through
   * `handled(n)` (added up), and whether it threw (rethrown).
   */
  async track<T>(job: string, work: (handled: (n: number) => void) => Promise<T>): Promise<T> {
    const started = performance.now();
    let count = 0;
    let outcome: 'success' | 'failure' = 'failure';
    try {
      const result = await work((n) => {
        count += n;
      });
      outcome = 'success';
      return result;
    } finally {
      const previous = this.stats.get(job);
      const runs = { success: previous?.runs.success ?? 0, failure: previous?.runs.failure ?? 0 };
      runs[outcome] += 1;
      this.stats.set(job, {
        lastRunAt: this.clock.now(),
        lastDurationSeconds: (performance.now() - started) / 1000,
        lastHandled: count,
        lastOutcome: outcome,
        runs,
      });
    }
  }

  /** Every job that ran in this process, by name. */
  all(): ReadonlyMap<string, JobRunStats> {
    return this.stats;
  }
}
