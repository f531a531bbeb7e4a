import { BoundedMap, IDS_PER_LOOKUP } from '@app/database';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { isScimPath } from '../common/http-error';
import { retryOnDeadlock } from '../common/db-errors';
import { JobRuns } from '../common/job-runs';
import { Pacer } from '../common/pacing';
import { ScimHealthStatesRepository } from './scim-health-states.repository';
import { ScimTrafficRepository, TRAFFIC_ROWS_PER_INSERT, TrafficCount } from './scim-traffic.repository';

const MINUTE_MS = 60_000;
/** Counts are kept this long: the health looks at the last 24 hours. */
const KEEP_MS = 2 * 24 * 60 * MINUTE_MS;
/**
 * Key-minutes counted and not yet written, at most. A flush empties them every minute, so they are the
 * keys that sent requests to this instance in the last minute or two (10,000 organizations: up to
 * ~20,000), unless the database is down: then they pile up, a minute's worth per minute. 30,000 (~340
 * bytes each, measured: ~10 MB) holds a minute and a half of 20,000 keys; past it the oldest minutes
 * are dropped first (the current minute's counts are spared while older ones are left: the health then
 * sees fewer requests in the past minutes, not in the last) and the loss is logged.
 */
export const TRAFFIC_COUNTS_KEPT = 30_000;
/** Rows per DELETE when old counts are pruned (a few ms of SQLite's synchronous work each). */
const PRUNE_BATCH = 500;

/**
 * Counts SCIM requests and failures per key and minute, in memory, and adds them to the database
 * once a minute (and when the process stops): no write on the request path. A crash loses at most
 * the current minute's counts of this instance. A failure is what the audit log records: 4xx but a
 * GET's 404, and 5xx.
 */
@Injectable()
export class ScimTrafficService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ScimTraffic');
  private counts = this.newCounts();
  /** Each key's entry of its latest minute (in `counts` until the next flush, or until dropped from it). */
  private latest = new Map<number, TrafficCount>();
  /** Requests whose counts were dropped at the bound since the last warning. */
  private dropped = 0;
  /** The minute of the last request counted (ms). */
  private minute = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ScimTrafficRepository,
    private readonly states: ScimHealthStatesRepository,
    private readonly jobs: JobRuns,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), MINUTE_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  /** Fastify onResponse: one more request (and failure) for the key of an authenticated SCIM request. */
  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const auth = (request as FastifyRequest & AuthenticatedRequest).auth;
    if (!auth || auth.type !== 'scim' || !isScimPath(request.url)) return;
    const status = reply.statusCode;
    this.count(
      auth.organizationId,
      auth.keyId,
      status >= 500 || (status >= 400 && !(status === 404 && request.method === 'GET')),
    );
  }

  count(organizationId: number, apiKeyId: number, failed: boolean): void {
    const minute = Math.floor(this.clock.now().getTime() / MINUTE_MS) * MINUTE_MS;
    this.minute = minute;
    // The key's entry of the current minute, found without building a string key on every request.
    let entry = this.latest.get(apiKeyId);
    if (!entry || entry.minute.getTime() !== minute) {
      const id = `${apiKeyId}:${minute}`;
      entry = this.counts.get(id);
      if (!entry) {
        entry = { organizationId, apiKeyId, minute: new Date(minute), requests: 0, errors: 0 };
        this.counts.set(id, entry);
      }
      this.latest.set(apiKeyId, entry);
    }
    entry.requests += 1;
    if (failed) entry.errors += 1;
  }

  /** Key-minutes counted and not yet written (read-only, for the bounds' tests). */
  get countsKept(): number {
    return this.counts.size;
  }

  /** This instance's counts not yet written, per key of the organization, since `since`. */
  unflushed(organizationId: number, since: Date): Map<number, { requests: number; errors: number }> {
    const out = new Map<number, { requests: number; errors: number }>();
    for (const c of this.counts.values()) {
      if (c.organizationId !== organizationId || c.minute < since) continue;
      const sum = out.get(c.apiKeyId) ?? { requests: 0, errors: 0 };
      sum.requests += c.requests;
      sum.errors += c.errors;
      out.set(c.apiKeyId, sum);
    }
    return out;
  }

  /**
   * Adds the counts so far to the database (what could not be written is kept for the next flush),
   * marks for the health monitor the organizations whose status they may change, and deletes the
   * counts older than two days; a statement's worth at a time, the event loop served in between.
   */
  async flush(): Promise<void> {
    if (!this.counts.size) return;
    const taken = [...this.counts.values()];
    this.counts = this.newCounts();
    this.latest = new Map();
    await this.jobs.track('scim-traffic', async (handled) => {
      const pacer = new Pacer();
      let written = 0;
      try {
        for (; written < taken.length; written += TRAFFIC_ROWS_PER_INSERT) {
          await this.repository.add(taken.slice(written, written + TRAFFIC_ROWS_PER_INSERT));
          await pacer.pace();
        }
      } catch (error) {
        this.keep(taken.slice(written));
        this.logger.warn({ err: error }, 'Could not write the SCIM request counts; they are kept for the next minute');
      }
      const done = taken.slice(0, written);
      handled(done.length);
      try {
        handled(await this.markForHealth(done, pacer));
        const before = new Date(this.clock.now().getTime() - KEEP_MS);
        for (let deleted = PRUNE_BATCH; deleted === PRUNE_BATCH;) {
          deleted = await this.repository.prune(before, PRUNE_BATCH);
          handled(deleted);
          await pacer.pace();
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'Could not mark organizations for the health monitor or prune the SCIM request counts');
      }
    });
  }

  /**
   * Marks due the organizations whose status the written counts may change: those with a failure,
   * and those whose state watches traffic (all but healthy without failures); how many.
   */
  private async markForHealth(written: readonly TrafficCount[], pacer: Pacer): Promise<number> {
    const failed = new Set<number>();
    const organizations = new Set<number>();
    for (const c of written) {
      organizations.add(c.organizationId);
      if (c.errors) failed.add(c.organizationId);
    }
    const clean = [...organizations].filter((id) => !failed.has(id));
    const due = [...failed];
    for (let i = 0; i < clean.length; i += IDS_PER_LOOKUP) {
      const chunk = clean.slice(i, i + IDS_PER_LOOKUP);
      const unwatched = await this.states.unwatched(chunk);
      for (const id of chunk) if (!unwatched.has(id)) due.push(id);
      await pacer.pace();
    }
    // In one order on every instance: two flushes at once take the rows' locks in the same order (MySQL).
    due.sort((a, b) => a - b);
    for (let i = 0; i < due.length; i += IDS_PER_LOOKUP) {
      const chunk = due.slice(i, i + IDS_PER_LOOKUP);
      await retryOnDeadlock(() => this.states.markDue(chunk, this.clock.now()));
      await pacer.pace();
    }
    return due.length;
  }

  /** Puts counts that could not be written back, for the next flush. */
  private keep(counts: readonly TrafficCount[]): void {
    for (const c of counts) {
      const id = `${c.apiKeyId}:${c.minute.getTime()}`;
      const entry = this.counts.get(id);
      if (entry) {
        entry.requests += c.requests;
        entry.errors += c.errors;
      } else this.counts.set(id, c);
    }
    if (this.dropped) {
      this.logger.warn(
        { requests: this.dropped, kept: TRAFFIC_COUNTS_KEPT },
        'SCIM request counts were dropped: more key-minutes were waiting to be written than this instance keeps',
      );
      this.dropped = 0;
    }
  }

  private newCounts(): BoundedMap<string, TrafficCount> {
    return new BoundedMap<string, TrafficCount>({
      maxEntries: TRAFFIC_COUNTS_KEPT,
      spare: (_id, count) => count.minute.getTime() >= this.minute,
      onEvict: (_id, count) => {
        // A key still counting into the dropped entry starts a new one.
        if (this.latest.get(count.apiKeyId) === count) this.latest.delete(count.apiKeyId);
        this.dropped += count.requests;
      },
    });
  }
}
