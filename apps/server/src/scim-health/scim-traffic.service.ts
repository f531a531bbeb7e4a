import { BoundedMap } from '@app/database';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { isScimPath } from '../common/http-error';
import { ScimTrafficRepository, TrafficCount } from './scim-traffic.repository';

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

  /** Adds the counts so far to the database; on failure they are kept for the next flush. */
  async flush(): Promise<void> {
    if (!this.counts.size) return;
    const taken = [...this.counts.values()];
    this.counts = this.newCounts();
    this.latest = new Map();
    try {
      await this.repository.add(taken);
      await this.repository.prune(new Date(this.clock.now().getTime() - KEEP_MS));
    } catch (error) {
      for (const c of taken) {
        const id = `${c.apiKeyId}:${c.minute.getTime()}`;
        const entry = this.counts.get(id);
        if (entry) {
          entry.requests += c.requests;
          entry.errors += c.errors;
        } else this.counts.set(id, c);
      }
      this.logger.warn({ err: error }, 'Could not write the SCIM request counts; they are kept for the next minute');
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
