import type { AuditEventView, AuditPage } from '@app/api-types';
import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { nextTurn } from '../common/pacing';
import { tooManyRequests } from '../common/app-error';
import { AdminCursors } from '../cursors/admin-cursors';
import { AuditScope, KeyActor } from './audit-context';
import { AuditEvent } from './audit-event.entity';
import { AuditFailureCount } from './audit-failure-count.entity';
import { AuditFailureCountsRepository, FailureCount } from './audit-failure-counts.repository';
import { AuditQuery, AuditRepository } from './audit.repository';

/** The actions of the audit log (docs/audit.md). */
export const AUDIT_ACTIONS = [
  'api-key.created',
  'api-key.updated',
  'api-key.deleted',
  'organization.renamed',
  'notification-recipients.updated',
  'security.scim-enabled',
  'security.scim-disabled',
  'role.created',
  'role.updated',
  'role.deleted',
  'role-mapping.created',
  'role-mapping.updated',
  'role-mapping.deleted',
  'user.created',
  'user.updated',
  'user.role-changed',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.restored',
  'user.purged',
  'deprovisioning-incident.opened',
  'deprovisioning-incident.undone',
  'deprovisioning-incident.dismissed',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.members-added',
  'group.members-removed',
  'reminder.sent',
  'reminder.failed',
  'scim.request-failed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditChange {
  attribute: string;
  from?: unknown;
  to?: unknown;
}

/** What a service tells the audit log; the actor, the time and the request id are filled in here. */
export interface AuditRecord {
  organizationId: number;
  action: AuditAction;
  target: { type: string; id?: string | number | null; display?: string | null };
  changes?: AuditChange[];
  /** A sentence for what the changes do not say (e.g. "10,000 members added; the first 100 are listed"). */
  detail?: string;
}

/** A failed SCIM request, recorded on its own after the response (its change, if any, rolled back). */
export interface FailedRequest {
  organizationId: number;
  /** The minute (UTC, seconds zero) it was answered in: failures are counted per key, status and minute. */
  minute: Date;
  status: number;
  scimType?: string;
  detail: string;
  method: string;
  /** The route's resource type and id, e.g. `User` and `42`; never the query string. */
  resource: string;
  resourceId?: string;
}

/**
 * Failed requests of one key with one status recorded as events of their own per minute; past
 * these, one event says how many more there were once the minute is over. A flood of refusals (a
 * misconfigured client, SCIM turned off under a running identity provider) is then at most this
 * many events plus one per key, status and minute, however many instances share the database.
 * Of 429s, which are all alike, the first only.
 */
export function failuresRecordedPerMinute(status: number): number {
  return status === 429 ? 1 : 10;
}

/** A minute's failures are summarised this long after it ends: every instance has added its counts by then (each does every 10 s). */
export const FAILURE_SUMMARY_DELAY_MS = 15_000;
const SUMMARY_BATCH = 100;

/** Longest text kept in an event field; values beyond it are cut (never an error). */
const MAX_TEXT = 1024;
/** Longest list of values kept in one change (e.g. member ids); the count is in the detail. */
export const MAX_LISTED = 100;

/**
 * The audit log: events appended in the caller's transaction, so a change and its event commit or
 * roll back together; the actor is the caller's AuditScope. Reading (list, export) and pruning are here
 * too. Nothing secret is ever passed in: services describe changes by attribute, and key events
 * carry the masked key only.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');
  /** Exports streaming now, by organization, and in all. */
  private readonly exports = new Map<number, number>();
  private exportsRunning = 0;

  constructor(
    private readonly repository: AuditRepository,
    private readonly failureCounts: AuditFailureCountsRepository,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly cursors: AdminCursors,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Appends events inside the caller's transaction. */
  async record(manager: EntityManager, scope: AuditScope, ...records: AuditRecord[]): Promise<void> {
    if (!records.length) return;
    const now = this.clock.now();
    await this.repository.insert(
      manager,
      records.map((r) => this.row(r, scope, now)),
    );
  }

  /**
   * Counts a failed SCIM request and, if it is among the first of its key, status and minute
   * (failuresRecordedPerMinute), records it as an event of its own; outside any transaction (after
   * the response went out). A failure to record is logged, never the request's problem.
   */
  async recordFailure(failure: FailedRequest, requestId: string | undefined, actor: KeyActor): Promise<void> {
    const first = failuresRecordedPerMinute(failure.status);
    try {
      const place = await this.failureCounts.countOne(this.failureCount(failure, actor, 1), first);
      if (place > first) return;
      const event = this.row(
        {
          organizationId: failure.organizationId,
          action: 'scim.request-failed',
          target: { type: 'scim-request', id: failure.resourceId ?? null, display: `${failure.method} /${failure.resource}` },
          detail: failure.detail,
        },
        { actor, requestId },
        this.clock.now(),
      );
      await this.repository.insertAlone([failed(event, failure.status, failure.scimType)]);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not record a failed SCIM request in the audit log');
    }
  }

  /** Adds failed requests an instance counted past the first of their minute (so recorded by none), grouped. */
  async countFailures(counts: ReadonlyArray<{ failure: FailedRequest; actor: KeyActor; failures: number }>): Promise<void> {
    if (!counts.length) return;
    await this.failureCounts.add(counts.map((c) => this.failureCount(c.failure, c.actor, c.failures)));
  }

  /**
   * Replaces the counts of the minutes that ended FAILURE_SUMMARY_DELAY_MS ago or more: with one
   * event each saying how many failed requests were not recorded one by one, or with nothing when
   * all were. Each count is deleted in the transaction that writes its event, so that of several
   * instances summarising at once one writes it. Returns the number of events written.
   */
  async summarizeFailures(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - 60_000 - FAILURE_SUMMARY_DELAY_MS);
    await this.failureCounts.dropRecorded(before);
    let written = 0;
    for (;;) {
      const rows = await this.failureCounts.unrecorded(before, SUMMARY_BATCH);
      let taken = 0;
      for (const row of rows) {
        const wrote = await this.transactions.run(async (manager) => {
          if (!(await this.failureCounts.take(manager, row))) return false;
          await this.repository.insert(manager, [this.summary(row)]);
          return true;
        });
        if (wrote) taken += 1;
      }
      written += taken;
      // A row not taken was added to since it was read (read it again) or taken by another instance (gone).
      if (rows.length < SUMMARY_BATCH && taken === rows.length) return written;
      if (taken === 0) return written;
    }
  }

  private failureCount(failure: FailedRequest, actor: KeyActor, failures: number): FailureCount {
    return {
      actorKeyId: actor.keyId,
      status: failure.status,
      minute: failure.minute,
      organizationId: failure.organizationId,
      actorType: actor.type,
      actorMaskedKey: actor.maskedKey,
      actorDescription: actor.description ? cut(actor.description, 255) : null,
      scimType: failure.scimType ?? null,
      detail: cut(failure.detail, MAX_TEXT),
      failures,
    };
  }

  /** The event that stands for a minute's failed requests that have none of their own. */
  private summary(count: AuditFailureCount): Omit<AuditEvent, 'id'> {
    const more = count.failures - count.recorded;
    const first = failuresRecordedPerMinute(count.status);
    const start = count.minute.toISOString();
    const end = new Date(count.minute.getTime() + 60_000).toISOString();
    const requests = more === 1 ? 'request' : 'requests';
    const which =
      first === 1
        ? 'only the first of a minute is recorded on its own'
        : `only the first ${first} of a minute are recorded one by one`;
    const event = this.row(
      {
        organizationId: count.organizationId,
        action: 'scim.request-failed',
        target: { type: 'scim-request', id: null, display: `${more.toLocaleString('en-US')} more ${requests}` },
        detail:
          `${more.toLocaleString('en-US')} more ${requests} with this key ${more === 1 ? 'was' : 'were'} answered ${count.status} ` +
          `between ${start.slice(11, 16)} and ${end.slice(11, 16)} UTC on ${start.slice(0, 10)}; ${which}. ` +
          `The first was told: ${count.detail}`,
      },
      {
        actor: {
          type: count.actorType as KeyActor['type'],
          keyId: count.actorKeyId,
          maskedKey: count.actorMaskedKey,
          description: count.actorDescription,
        },
      },
      this.clock.now(),
    );
    return failed(event, count.status, count.scimType ?? undefined);
  }

  async list(organizationId: number, query: Omit<AuditQuery, 'beforeId'> & { cursor?: string }): Promise<AuditPage> {
    const { cursor, ...filters } = query;
    const rows = await this.repository.page(organizationId, {
      ...filters,
      beforeId: this.cursors.decode('audit-log', organizationId, cursor) || undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      events: page.map(toView),
      count: page.length,
      nextCursor: rows.length > query.limit ? this.cursors.encode('audit-log', organizationId, page[page.length - 1].id) : null,
    };
  }

  /** The latest failed SCIM request of each key (connection health): when, the status and the sentence. */
  async lastFailures(
    organizationId: number,
    keyIds: readonly number[],
  ): Promise<Map<number, { at: string; status: number; detail: string }>> {
    const rows = await this.repository.lastFailures(organizationId, keyIds);
    return new Map(
      [...rows].map(([keyId, e]) => [keyId, { at: e.occurredAt.toISOString(), status: e.status ?? 0, detail: e.detail ?? '' }]),
    );
  }

  /**
   * Every event matching the filters, newest first, a window of the log at a time (the export
   * streams them). Between windows the event loop serves other requests: a client that reads as fast
   * as the server writes never fills the socket, so nothing else would make the export pause, and
   * one export of 400,000 events held the event loop for 8 s (on SQLite, whose reads are synchronous).
   */
  async *all(organizationId: number, filters: Omit<AuditQuery, 'beforeId' | 'limit'>): AsyncGenerator<AuditEventView> {
    let beforeId: number | undefined;
    for (;;) {
      const { events, next } = await this.repository.exportWindow(organizationId, { ...filters, beforeId }, EXPORT_WINDOW);
      for (const event of events) yield toView(event);
      if (next === undefined) return;
      beforeId = next;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Takes one of the export slots (EXPORTS_PER_ORGANIZATION of an organization, EXPORTS_PER_PROCESS in
   * all), or refuses with 429 and Retry-After; the caller releases it when its stream closes. Each
   * export yields between windows, yet every one running adds its window to another request's wait.
   */
  startExport(organizationId: number): () => void {
    const mine = this.exports.get(organizationId) ?? 0;
    if (mine >= EXPORTS_PER_ORGANIZATION || this.exportsRunning >= EXPORTS_PER_PROCESS) {
      throw tooManyRequests(
        mine >= EXPORTS_PER_ORGANIZATION
          ? `${EXPORTS_PER_ORGANIZATION} exports of this organization's audit log are running; retry when one has finished.`
          : 'This server is streaming as many audit log exports as it runs at once; retry in a few seconds.',
        EXPORT_RETRY_AFTER_SECONDS,
      );
    }
    this.exports.set(organizationId, mine + 1);
    this.exportsRunning += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.exportsRunning -= 1;
      const left = (this.exports.get(organizationId) ?? 1) - 1;
      if (left > 0) this.exports.set(organizationId, left);
      else this.exports.delete(organizationId);
    };
  }

  /** Deletes events older than the retention, in batches; returns how many. */
  async prune(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.audit.retentionDays * 24 * 60 * 60 * 1000);
    let total = 0;
    for (;;) {
      const { deleted, more } = await this.repository.prune(before, PRUNE_BATCH);
      total += deleted;
      if (!more) return total;
      await nextTurn();
    }
  }

  private row(record: AuditRecord, scope: AuditScope, now: Date): Omit<AuditEvent, 'id'> {
    const { actor } = scope;
    const key = actor.type === 'api-key' || actor.type === 'scim-key' ? actor : undefined;
    const description = actor.type === 'cli' ? undefined : actor.description;
    return {
      organizationId: record.organizationId,
      occurredAt: now,
      action: record.action,
      actorType: actor.type,
      actorKeyId: key?.keyId ?? null,
      actorMaskedKey: key?.maskedKey ?? null,
      actorDescription: description ? cut(description, 255) : null,
      targetType: record.target.type,
      targetId: record.target.id === undefined || record.target.id === null ? null : String(record.target.id),
      targetDisplay: record.target.display ? cut(record.target.display, 255) : null,
      changes: record.changes?.length ? JSON.stringify(record.changes.map(limitChange)) : null,
      outcome: 'success',
      status: null,
      scimType: null,
      detail: record.detail ? cut(record.detail, MAX_TEXT) : null,
      requestId: scope.requestId ?? null,
    };
  }
}

/** A failed request's event: outcome, status and SCIM error type set. */
function failed(event: Omit<AuditEvent, 'id'>, status: number, scimType: string | undefined): Omit<AuditEvent, 'id'> {
  event.outcome = 'failure';
  event.status = status;
  event.scimType = scimType ?? null;
  return event;
}

/** Events of the log an export reads per statement: ~2 ms of the event loop on SQLite, read and written out (250 took 4–5 ms). */
const EXPORT_WINDOW = 100;
/** Exports streaming at once, per organization and per process (a SIEM polls one at a time). */
export const EXPORTS_PER_ORGANIZATION = 2;
export const EXPORTS_PER_PROCESS = 8;
const EXPORT_RETRY_AFTER_SECONDS = 5;
const PRUNE_BATCH = 500;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Long texts cut, long lists cut to MAX_LISTED: an event stays a few kilobytes at most. */
function limitChange(change: AuditChange): AuditChange {
  const limit = (value: unknown): unknown =>
    typeof value === 'string' ? cut(value, MAX_TEXT) : Array.isArray(value) ? value.slice(0, MAX_LISTED).map(limit) : value;
  const out: AuditChange = { attribute: change.attribute };
  if ('from' in change) out.from = limit(change.from);
  if ('to' in change) out.to = limit(change.to);
  return out;
}

function toView(event: AuditEvent): AuditEventView {
  const actor: AuditEventView['actor'] = { type: event.actorType as AuditEventView['actor']['type'] };
  if (event.actorKeyId !== null) {
    actor.keyId = String(event.actorKeyId);
    actor.maskedKey = event.actorMaskedKey ?? undefined;
    actor.description = event.actorDescription;
  } else if (event.actorDescription !== null) {
    // The system's own events: what ran (the first start), when it is not a scheduled job.
    actor.description = event.actorDescription;
  }
  return {
    id: String(event.id),
    occurredAt: event.occurredAt.toISOString(),
    action: event.action,
    actor,
    target: { type: event.targetType, id: event.targetId, display: event.targetDisplay },
    ...(event.changes ? { changes: JSON.parse(event.changes) } : {}),
    outcome: event.outcome as 'success' | 'failure',
    ...(event.status !== null ? { status: event.status } : {}),
    ...(event.scimType !== null ? { scimType: event.scimType } : {}),
    ...(event.detail !== null ? { detail: event.detail } : {}),
    requestId: event.requestId,
  };
}
