import type { AuditEventView, AuditPage } from '@app/api-types';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { tooManyRequests } from '../common/app-error';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { AuditActor, AuditScope } from './audit-context';
import { AuditEvent } from './audit-event.entity';
import { AuditQuery, AuditRepository } from './audit.repository';

/** The actions of the audit log (docs/audit.md). */
export const AUDIT_ACTIONS = [
  'api-key.created',
  'api-key.updated',
  'api-key.deleted',
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
  status: number;
  scimType?: string;
  detail: string;
  method: string;
  /** The route's resource type and id, e.g. `User` and `42`; never the query string. */
  resource: string;
  resourceId?: string;
}

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
    private readonly clock: Clock,
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
   * Records a failed SCIM request, outside any transaction (after the response went out). A failure
   * to record is logged, never the request's problem.
   */
  async recordFailure(failure: FailedRequest, requestId: string | undefined, actor: AuditActor): Promise<void> {
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
    event.outcome = 'failure';
    event.status = failure.status;
    event.scimType = failure.scimType ?? null;
    try {
      await this.repository.insertAlone([event]);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not record a failed SCIM request in the audit log');
    }
  }

  async list(organizationId: number, query: Omit<AuditQuery, 'beforeId'> & { cursor?: string }): Promise<AuditPage> {
    const { cursor, ...filters } = query;
    const rows = await this.repository.page(organizationId, {
      ...filters,
      beforeId: decodeCursor(cursor) || undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      events: page.map(toView),
      count: page.length,
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].id) : null,
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
    }
  }

  private row(record: AuditRecord, scope: AuditScope, now: Date): Omit<AuditEvent, 'id'> {
    const { actor } = scope;
    const key = actor.type === 'api-key' || actor.type === 'scim-key' ? actor : undefined;
    return {
      organizationId: record.organizationId,
      occurredAt: now,
      action: record.action,
      actorType: actor.type,
      actorKeyId: key?.keyId ?? null,
      actorMaskedKey: key?.maskedKey ?? null,
      actorDescription: key?.description ? cut(key.description, 255) : null,
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

/** Events of the log an export reads per statement: ~2 ms of the event loop on SQLite, read and written out (250 took 4–5 ms). */
const EXPORT_WINDOW = 100;
/** Exports streaming at once, per organization and per process (a SIEM polls one at a time). */
export const EXPORTS_PER_ORGANIZATION = 2;
export const EXPORTS_PER_PROCESS = 8;
const EXPORT_RETRY_AFTER_SECONDS = 5;
const PRUNE_BATCH = 1000;

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
