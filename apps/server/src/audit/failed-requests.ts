import { BoundedMap } from '@app/database';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { isScimPath, SCIM_BASE_PATH } from '../common/http-error';
import type { RefusedRequest } from '../common/http-exception.filter';
import type { KeyActor } from './audit-context';
import { AuditService, failuresRecordedPerMinute, FailedRequest } from './audit.service';

const MINUTE_MS = 60_000;
/** How often this instance adds what it counted and summarises the minutes that are over. */
const FLUSH_EVERY_MS = 10_000;

/**
 * Tallies (key, status, minute) kept at most. A flush every FLUSH_EVERY_MS drops the past minutes', so
 * they are the keys failing on this instance within a minute: 5,000 is half the organizations of a large
 * deployment failing at once (~860 bytes each with the failure's text, measured: ~4 MB).
 * Past the bound the least recently counted tally goes, its count added to the database at once: a
 * failure of its key, status and minute later is sent one by one again, and the database's count
 * (AuditService.recordFailure) still records only the first few: the audit log says the same.
 */
export const TALLIES_KEPT = 5_000;

/** This instance's failed requests of one key, status and minute. */
interface Tally {
  failure: FailedRequest;
  actor: KeyActor;
  /** Sent to the database one by one (each may be recorded as an event of its own). */
  sent: number;
  /** Counted here only, past `sent`; added to the database on the next flush. */
  pending: number;
}

/**
 * Records every failed SCIM request of an identified organization in its audit log, after the
 * response went out (Fastify's onResponse: no latency for the client). Failed means 4xx (but a
 * GET's 404, which is how a client asks "does it exist?") or 5xx. The record says what the
 * client was told (status, scimType, the sentence) and which route, never the query string.
 *
 * A flood is bounded (AuditService.recordFailure): per key, status and minute the first few are
 * recorded one by one, then one event says how many more there were. This instance sends at most
 * that many of a minute to the database one by one; past them it only counts, and adds its count
 * every FLUSH_EVERY_MS, so a flood costs the database a few statements every 10 s, not one a request.
 */
@Injectable()
export class FailedRequestRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private tallies = this.newTallies();
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    if (status < 400 || (status === 404 && request.method === 'GET') || !isScimPath(request.url)) return;
    const { auth, refusedKey } = request as FastifyRequest & AuthenticatedRequest;
    const key = auth ?? refusedKey;
    if (!key) return; // No organization to tell (no key, or an unknown one).
    const minute = Math.floor(this.clock.now().getTime() / MINUTE_MS) * MINUTE_MS;
    const id = `${key.keyId}:${status}:${minute}`;
    const tally = this.tallies.get(id);
    if (tally && tally.sent >= failuresRecordedPerMinute(status)) {
      tally.pending += 1;
      return;
    }
    const refusal = (request as FastifyRequest & RefusedRequest).refusal;
    const { resource, resourceId } = routeOf(request.url);
    const failure: FailedRequest = {
      organizationId: key.organizationId,
      minute: new Date(minute),
      status,
      scimType: refusal?.scimType,
      detail: refusal?.detail ?? `The request failed with status ${status}.`,
      method: request.method,
      resource,
      resourceId,
    };
    const actor: KeyActor = {
      type: key.type === 'scim' ? 'scim-key' : 'api-key',
      keyId: key.keyId,
      maskedKey: key.maskedKey,
      description: key.description,
    };
    if (tally) tally.sent += 1;
    else this.tallies.set(id, { failure, actor, sent: 1, pending: 0 });
    const recording = this.audit.recordFailure(failure, request.id, actor).finally(() => this.inFlight.delete(recording));
    this.inFlight.add(recording);
  }

  /**
   * Waits for the failures being recorded, adds what this instance counted past them, and has the
   * minutes that are over summarised (by this instance or another: each summary is written once).
   * Runs every FLUSH_EVERY_MS and at shutdown; never throws.
   */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const current = Math.floor(this.clock.now().getTime() / MINUTE_MS) * MINUTE_MS;
    const counted: Tally[] = [];
    const kept = this.newTallies();
    for (const [id, tally] of this.tallies) {
      if (tally.pending > 0) counted.push({ ...tally });
      // The current minute's tallies stay: they say how many this instance has sent one by one.
      if (tally.failure.minute.getTime() >= current) kept.set(id, { ...tally, pending: 0 });
    }
    this.tallies = kept;
    try {
      await this.audit.countFailures(counted.map((t) => ({ failure: t.failure, actor: t.actor, failures: t.pending })));
      await this.audit.summarizeFailures();
    } catch (error) {
      this.logger.error({ err: error }, 'Could not count or summarise failed SCIM requests in the audit log');
    }
  }

  /** Tallies kept now (read-only, for the bounds' tests). */
  get talliesKept(): number {
    return this.tallies.size;
  }

  private newTallies(): BoundedMap<string, Tally> {
    return new BoundedMap<string, Tally>({
      maxEntries: TALLIES_KEPT,
      onEvict: (_id, tally) => {
        if (!tally.pending) return;
        const counting = this.audit
          .countFailures([{ failure: tally.failure, actor: tally.actor, failures: tally.pending }])
          .catch((error: unknown) => this.logger.error({ err: error }, 'Could not count failed SCIM requests in the audit log'))
          .finally(() => this.inFlight.delete(counting));
        this.inFlight.add(counting);
      },
    });
  }
}

/** `/v1.0/scim/v2/Users/42?x=y` → `Users`, `42`; a path that names no resource type → its first segment. */
function routeOf(url: string): { resource: string; resourceId?: string } {
  const path = url.split('?')[0].slice(SCIM_BASE_PATH.length).replace(/^\/+/, '');
  const [resource = '', id] = path.split('/');
  const clean = (text: string) => decodeURIComponentSafe(text).slice(0, 64);
  return { resource: clean(resource) || '(base)', ...(id ? { resourceId: clean(id) } : {}) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
