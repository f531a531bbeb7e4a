import { APP_CONFIG, AppConfig } from '@app/config';
import { BoundedMap } from '@app/database';
import { compileRedactionRules, RedactionRules } from '@app/scim-protocol';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext, AuthenticatedRequest } from '../auth/auth.decorators';
import { AuthService } from '../auth/auth.service';
import { Clock } from '../common/clock';
import { isScimPath } from '../common/http-error';
import { JobRuns } from '../common/job-runs';
import type { RefusedRequest } from '../common/http-exception.filter';
import { NewScimRequest, ScimRequestsRepository } from './scim-requests.repository';
import { CapturedRequest, capturedSize, toStoredRequest } from './stored-request';

/** What the HTTP layer keeps on a SCIM request for the recorder (app.setup.ts): the body as read, the answer as sent. */
export interface InspectedRequest {
  /** The body's text, as the server read it (set by the body parsers, before parsing). */
  inspectedBody: string | null;
  /** The response's body, as serialized for sending (set by the onSend hook). */
  inspectedResponse: string | null;
}

/** The buffer is written this often (contract: a crash loses at most the last second)… */
export const FLUSH_EVERY_MS = 1000;
/**
 * …and as soon as it holds a statement's worth: under load the bodies it holds are then written within
 * tens of milliseconds, and die young (a second's worth would outlive the young generation and be
 * copied into the old one, to be collected there at greater cost).
 */
const FLUSH_AT = 100;
/** At most this many requests wait in memory to be written; past it a request is not recorded (and counted). */
const MAX_BUFFERED = 20_000;
/** …and at most this much text (UTF-16 units, about bytes for ASCII): the recorder's memory stays bounded under a flood. */
const MAX_BUFFERED_SIZE = 16 * 1024 * 1024;
/** Rows per INSERT: one of these sizes, so that few distinct statements are prepared. */
const CHUNK_SIZES = [100, 64, 32, 16, 8, 4, 2, 1];
/** Text per INSERT, counted as 3 bytes per UTF-16 unit (UTF-8's worst): far below MariaDB's 16 MB max_allowed_packet. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** Rows per DELETE when an organization's excess is pruned. */
const DELETE_BATCH = 500;
/** Requests per statement when requests past SCIM_REQUEST_LOG_HOURS are pruned. */
const AGE_BATCH = 1000;
/** Pruning by age runs at most this often (each instance; conditional deletes). */
const AGE_PRUNE_EVERY_MS = 60_000;
/** An organization's count is read again from the database after this long (other instances write too). */
const RECOUNT_AFTER_MS = 10 * 60_000;
/**
 * Organizations whose count this instance remembers: twice the 10,000 organizations of a large
 * deployment (~100 bytes each). Past it the least recently written goes, and is counted again
 * (one COUNT) when this instance next writes for it.
 */
export const MAX_COUNTED = 20_000;
/** Requests identified after their answer (no key was checked: a body the parser refused, an unrouted path) at once. */
const MAX_IDENTIFYING = 1000;
/** Statuses the key guard answers: a request answered so without a known key was checked and not recognised. */
const GUARD_STATUSES = new Set([401, 403, 429]);

type Inspected = FastifyRequest & AuthenticatedRequest & RefusedRequest & InspectedRequest;

/**
 * Records every SCIM request of an organization for the provisioning inspector (docs/inspector.md),
 * off the request's path: when the answer has gone out (Fastify's onResponse) it keeps references
 * to the body as read and the response as sent, and every second (or as soon as FLUSH_AT wait) it
 * redacts, cuts and writes what it holds, in multi-row INSERTs between which the event loop serves
 * requests. Nothing on the
 * request's path reads or writes the database, and nothing it does can fail a request: a full
 * buffer or a failed write drops records (counted, and logged at most once a minute).
 *
 * Bounds: SCIM_REQUEST_LOG_MAX per organization, pruned right after a flush that wrote for it, when
 * its count may exceed the maximum: the count this instance read from the database (at most
 * RECOUNT_AFTER_MS ago), plus what it wrote since. A prune keeps the newest 90% of the maximum, so
 * that a full organization is pruned once per tenth of the maximum written, not on every flush.
 * SCIM_REQUEST_LOG_HOURS: the oldest requests of all organizations, by id, at most once a minute.
 * Both delete by id range and age, so several instances pruning at once delete each row once.
 */
@Injectable()
export class ScimRequestRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ScimRequests');
  private readonly rules: RedactionRules;
  private buffer: CapturedRequest[] = [];
  private bufferedSize = 0;
  private readonly identifying = new Set<Promise<void>>();
  private flushing?: Promise<void>;
  private flushSoon = false;
  private timer?: NodeJS.Timeout;
  /** Records lost since the last warning (buffer full, write failed), and when that warning was. */
  private dropped = 0;
  private failedWrites = 0;
  private warnedAt = 0;
  /** Per organization: its count as this instance knows it, and when it was read from the database. */
  private readonly counts = new BoundedMap<number, { rows: number; readAt: number }>({ maxEntries: MAX_COUNTED });
  private agePrunedAt = 0;

  constructor(
    private readonly repository: ScimRequestsRepository,
    private readonly auth: AuthService,
    private readonly jobs: JobRuns,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.rules = compileRedactionRules(config.scimRequestLog.redactAttributes);
  }

  onModuleInit(): void {
    // A tick while a flush is still writing (a flood) is skipped: the next one takes what came meanwhile.
    this.timer = setInterval(() => {
      if (!this.flushing) void this.flush();
    }, FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** After the HTTP server has closed (every request answered): the last records are written. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.identifying]);
    await this.flush();
  }

  /** Fastify onSend: the response body of a SCIM request, as serialized for sending (no second serialization). */
  onSend(request: FastifyRequest, payload: unknown): void {
    if (typeof payload === 'string' && isScimPath(request.url)) (request as Inspected).inspectedResponse = payload;
  }

  /** Fastify onResponse: takes what the recorder needs of an answered SCIM request; never throws. */
  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    if (!isScimPath(request.url)) return;
    try {
      const inspected = request as Inspected;
      const key = inspected.auth ?? inspected.refusedKey ?? inspected.expiredKey;
      const authorization = request.headers.authorization;
      // A request of no known key (none sent, or one the guard did not recognise) has no organization to tell.
      if (!key && (authorization === undefined || GUARD_STATUSES.has(reply.statusCode))) return;
      if (this.buffer.length >= MAX_BUFFERED || this.bufferedSize >= MAX_BUFFERED_SIZE) {
        this.dropped += 1;
        return;
      }
      const captured = this.capture(inspected, reply, key);
      if (key) this.push(captured);
      else this.identifyLater(captured, authorization);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not take a SCIM request for the inspector');
    }
  }

  private capture(request: Inspected, reply: FastifyReply, key: Omit<AuthContext, 'expiresAt'> | undefined): CapturedRequest {
    const status = reply.statusCode;
    // Only a create answers with a Location (the id it made).
    const location = status === 201 ? reply.getHeader('location') : undefined;
    const text = request.inspectedBody ?? undefined;
    return {
      organizationId: key?.organizationId ?? 0,
      keyId: key?.keyId ?? 0,
      keyMasked: key?.maskedKey ?? '',
      keyDescription: key?.description ?? null,
      at: this.clock.now(),
      method: request.method,
      url: request.url,
      status,
      durationMs: reply.elapsedTime,
      userAgent: request.headers['user-agent'],
      requestId: request.id,
      scimType: request.refusal?.scimType,
      detail: request.refusal?.detail,
      location: typeof location === 'string' ? location : undefined,
      requestText: text,
      // The JSON parser sets the body only when the text parsed; the catch-all parser never does.
      requestJson: text !== undefined && request.body !== undefined,
      requestUnread: text === undefined && hasBody(request) ? (request.headers['content-length'] ?? '') : undefined,
      responseText: request.inspectedResponse ?? undefined,
    };
  }

  private push(captured: CapturedRequest): void {
    this.buffer.push(captured);
    this.bufferedSize += capturedSize(captured);
    if (this.buffer.length >= FLUSH_AT) this.flushWhenIdle();
  }

  /** A flush on the next turn of the event loop, unless one is running (it looks again when it ends). */
  private flushWhenIdle(): void {
    if (this.flushSoon || this.flushing) return;
    this.flushSoon = true;
    setImmediate(() => {
      this.flushSoon = false;
      void this.flush();
    });
  }

  /** A request answered before any key check: its key is looked up now (cached), and the request kept if it is one of ours. */
  private identifyLater(captured: CapturedRequest, authorization: string | undefined): void {
    if (this.identifying.size >= MAX_IDENTIFYING) {
      this.dropped += 1;
      return;
    }
    const done: Promise<void> = this.auth
      .identify(authorization)
      .then((key) => {
        if (!key) return;
        captured.organizationId = key.organizationId;
        captured.keyId = key.keyId;
        captured.keyMasked = key.maskedKey;
        captured.keyDescription = key.description;
        this.push(captured);
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Could not tell the key of a SCIM request for the inspector'))
      .finally(() => this.identifying.delete(done));
    this.identifying.add(done);
  }

  /**
   * Writes what the buffer holds, then prunes what became due; never throws. One flush at a time: a
   * call during another waits for it, then writes what came since (so that everything answered before
   * the call is written when it returns).
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
      if (this.buffer.length >= FLUSH_AT) this.flushWhenIdle();
    });
    await this.flushing;
  }

  private async write(): Promise<void> {
    const taken = this.buffer;
    this.buffer = [];
    this.bufferedSize = 0;
    const written = new Map<number, number>();
    // Redacted and cut a statement's worth at a time, just before it is written.
    const rows: NewScimRequest[] = [];
    let next = 0;
    while (next < taken.length || rows.length) {
      let bytes = rows.reduce((sum, row) => sum + rowBytes(row), 0);
      while (next < taken.length && rows.length < CHUNK_SIZES[0] && bytes < MAX_CHUNK_BYTES) {
        const row = toStoredRequest(taken[next++], this.rules);
        rows.push(row);
        bytes += rowBytes(row);
      }
      // The largest chunk size that the rows fill; the rest go in the next statements.
      const chunk = rows.splice(0, CHUNK_SIZES.find((size) => size <= rows.length) ?? 1);
      try {
        await this.repository.insert(chunk);
        for (const row of chunk) written.set(row.organizationId, (written.get(row.organizationId) ?? 0) + 1);
      } catch (error) {
        this.failedWrites += chunk.length;
        this.warn(error);
      }
      if (next < taken.length || rows.length) await nextTurn();
    }
    try {
      await this.jobs.track('scim-requests-prune', async (handled) => {
        handled(await this.pruneExcess(written));
        handled(await this.pruneByAge());
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not prune the SCIM requests kept for the inspector');
    }
    if (this.dropped) this.warn(undefined);
  }

  /** Organizations this flush wrote for whose count may now exceed the maximum: their oldest go. How many it looked at. */
  private async pruneExcess(written: Map<number, number>): Promise<number> {
    const max = this.config.scimRequestLog.maxPerOrganization;
    const keep = max - Math.max(1, Math.floor(max / 10));
    for (const [organizationId, rows] of written) {
      const now = this.clock.now().getTime();
      let known = this.counts.get(organizationId);
      if (known === undefined || now - known.readAt > RECOUNT_AFTER_MS) {
        known = { rows: await this.repository.count(organizationId), readAt: now };
      } else {
        known.rows += rows;
      }
      if (known.rows > max) {
        const upTo = await this.repository.firstBeyond(organizationId, keep);
        if (upTo !== undefined) {
          while (await this.repository.deleteOldest(organizationId, upTo, DELETE_BATCH)) await nextTurn();
        }
        known.rows = keep;
      }
      this.remember(organizationId, known);
    }
    return written.size;
  }

  private remember(organizationId: number, known: { rows: number; readAt: number }): void {
    this.counts.set(organizationId, known);
  }

  /** Organizations whose count is remembered now (read-only, for the bounds' tests). */
  get countsKept(): number {
    return this.counts.size;
  }

  /** The requests past SCIM_REQUEST_LOG_HOURS, at most once a minute; how many batches it read (each up to AGE_BATCH requests). */
  private async pruneByAge(): Promise<number> {
    const now = this.clock.now().getTime();
    if (now - this.agePrunedAt < AGE_PRUNE_EVERY_MS) return 0;
    this.agePrunedAt = now;
    const before = new Date(now - this.config.scimRequestLog.hours * 3_600_000);
    let batches = 1;
    while (await this.repository.pruneOlderThan(before, AGE_BATCH)) {
      batches += 1;
      await nextTurn();
    }
    return batches;
  }

  /** One warning a minute at most, with what was lost since the last. */
  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.warnedAt < 60_000) return;
    this.warnedAt = now;
    const lost = { droppedWhenFull: this.dropped, failedToWrite: this.failedWrites };
    this.dropped = 0;
    this.failedWrites = 0;
    this.logger.warn(
      { err: error, ...lost },
      'SCIM requests were not recorded for the inspector (buffer full or database write failed); the requests themselves were answered',
    );
  }
}

/** Whether a request came with a body (Content-Length above 0, or chunked). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/** The bytes a row may take in an INSERT, at most (3 bytes of UTF-8 per UTF-16 unit). */
function rowBytes(row: NewScimRequest): number {
  return (
    3 * ((row.requestBody?.length ?? 0) + (row.responseBody?.length ?? 0) + (row.query?.length ?? 0) + row.path.length) + 2048
  );
}

/** Lets the event loop serve what is waiting before the next statement. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
