import { insertStatement, Statements } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';
import { AuditEvent } from './audit-event.entity';

/** The columns of an event, in INSERT order. */
const COLUMNS = [
  'organization_id',
  'occurred_at',
  'action',
  'actor_type',
  'actor_key_id',
  'actor_masked_key',
  'actor_description',
  'target_type',
  'target_id',
  'target_display',
  'changes',
  'outcome',
  'status',
  'scim_type',
  'detail',
  'request_id',
] as const;

/** How far before an export's `since` its walk still reads (see exportWindow). */
const SKEW_MS = 60 * 60 * 1000;

/** Events per INSERT (a group of 10,000 members changes 10,000 roles). */
const CHUNK = 200;

/** The INSERT of a number of events (a change mostly writes one). */
const insertSql = insertStatement('audit_events', COLUMNS);

export interface AuditQuery {
  /** Events with a smaller id (the cursor), newest first. */
  beforeId?: number;
  limit: number;
  action?: string;
  actorKeyId?: number;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  outcome?: 'success' | 'failure';
}

/** The `audit_events` table: append, read newest first with filters, prune by age. */
@Injectable()
export class AuditRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
  ) {}

  /** Appends events inside the caller's transaction (or on their own, for a failed request). */
  async insert(manager: EntityManager, events: ReadonlyArray<Omit<AuditEvent, 'id'>>): Promise<void> {
    for (let i = 0; i < events.length; i += CHUNK) {
      const chunk = events.length <= CHUNK ? events : events.slice(i, i + CHUNK);
      const params: unknown[] = [];
      for (const e of chunk)
        params.push(
          e.organizationId,
          toDbDate(e.occurredAt),
          e.action,
          e.actorType,
          e.actorKeyId,
          e.actorMaskedKey,
          e.actorDescription,
          e.targetType,
          e.targetId,
          e.targetDisplay,
          e.changes,
          e.outcome,
          e.status,
          e.scimType,
          e.detail,
          e.requestId,
        );
      await this.statements.writeAtCommit(manager, insertSql(chunk.length), params);
    }
  }

  /** Appends events in a transaction of their own. */
  insertAlone(events: ReadonlyArray<Omit<AuditEvent, 'id'>>): Promise<void> {
    return this.insert(this.dataSource.manager, events);
  }

  /** One page of an organization's events, newest first. */
  async page(organizationId: number, query: AuditQuery): Promise<AuditEvent[]> {
    const { where, params } = conditions(organizationId, query);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${Number(query.limit)}`,
      params,
    );
    return rows.map(hydrate);
  }

  /**
   * One window of an export: of the organization's `size` next events below `beforeId` (newest
   * first), those that match the filters, and the id the next window starts below (none: this was
   * the last). However rare the matches, a statement reads at most `size` events, a range of the
   * (organization, id) index: a page of 1,000 matches of a rare filter could read the whole log.
   * With `since`, the walk ends at the first window that starts an hour or more before it: ids
   * follow the time (as pruning assumes), up to a transaction's length or a clock skew between
   * instances, so a SIEM's pull of the last minutes reads the last windows, not the whole log.
   */
  async exportWindow(
    organizationId: number,
    query: Omit<AuditQuery, 'limit'>,
    size: number,
  ): Promise<{ events: AuditEvent[]; next?: number }> {
    const below = query.beforeId === undefined ? [] : [query.beforeId];
    const [edge]: Array<{ id: number; occurred_at: Date | string }> = await this.dataSource.query(
      `SELECT id, occurred_at FROM audit_events WHERE organization_id = ?${below.length ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT 1 OFFSET ${Number(size) - 1}`,
      [organizationId, ...below],
    );
    const lowest = edge === undefined ? undefined : Number(edge.id);
    const { where, params } = conditions(organizationId, query);
    if (lowest !== undefined) {
      where.push('id >= ?');
      params.push(lowest);
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC`,
      params,
    );
    const older =
      edge !== undefined && query.since !== undefined && toDate(edge.occurred_at)! < new Date(query.since.getTime() - SKEW_MS);
    return { events: rows.map(hydrate), ...(lowest !== undefined && !older ? { next: lowest } : {}) };
  }

  /** The latest failed SCIM request of each of these keys of the organization. */
  async lastFailures(organizationId: number, keyIds: readonly number[]): Promise<Map<number, AuditEvent>> {
    const out = new Map<number, AuditEvent>();
    for (const keyId of keyIds) {
      const rows: Array<Record<string, unknown>> = await this.dataSource.query(
        "SELECT * FROM audit_events WHERE organization_id = ? AND actor_key_id = ? AND action = 'scim.request-failed' ORDER BY id DESC LIMIT 1",
        [organizationId, keyId],
      );
      if (rows.length) out.set(keyId, hydrate(rows[0]));
    }
    return out;
  }

  /**
   * Deletes, of the `batch` oldest events (any organization), those older than `before`; returns
   * how many, and whether older ones may remain. Events are read in id order, the order they were
   * written in: no index on the time, one less to write on every change. Instances pruning at once
   * delete the same or disjoint rows: harmless.
   */
  async prune(before: Date, batch: number): Promise<{ deleted: number; more: boolean }> {
    const rows: Array<{ id: number; occurred_at: Date | string }> = await this.dataSource.query(
      `SELECT id, occurred_at FROM audit_events ORDER BY id LIMIT ${Number(batch)}`,
    );
    const old = rows.filter((r) => toDate(r.occurred_at)! < before).map((r) => Number(r.id));
    if (old.length) await this.dataSource.query(`DELETE FROM audit_events WHERE id IN (${old.map(() => '?').join(', ')})`, old);
    // A younger event among the oldest ids ends the run (ids follow the time, a clock skew between instances aside).
    return { deleted: old.length, more: rows.length === batch && old.length === rows.length };
  }
}

/** The WHERE conditions of a query of one organization's events. */
function conditions(organizationId: number, query: Omit<AuditQuery, 'limit'>): { where: string[]; params: unknown[] } {
  const where = ['organization_id = ?'];
  const params: unknown[] = [organizationId];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    where.push(condition);
    params.push(value);
  };
  add('id < ?', query.beforeId);
  add('action = ?', query.action);
  add('actor_key_id = ?', query.actorKeyId);
  add('target_type = ?', query.targetType);
  add('target_id = ?', query.targetId);
  add('occurred_at >= ?', query.since && toDbDate(query.since));
  add('occurred_at < ?', query.until && toDbDate(query.until));
  add('outcome = ?', query.outcome);
  return { where, params };
}

function hydrate(row: Record<string, unknown>): AuditEvent {
  const int = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return Object.assign(new AuditEvent(), {
    id: Number(row.id),
    organizationId: Number(row.organization_id),
    occurredAt: toDate(row.occurred_at as Date | string)!,
    action: String(row.action),
    actorType: String(row.actor_type),
    actorKeyId: int(row.actor_key_id),
    actorMaskedKey: (row.actor_masked_key as string | null) ?? null,
    actorDescription: (row.actor_description as string | null) ?? null,
    targetType: String(row.target_type),
    targetId: (row.target_id as string | null) ?? null,
    targetDisplay: (row.target_display as string | null) ?? null,
    changes: (row.changes as string | null) ?? null,
    outcome: String(row.outcome),
    status: int(row.status),
    scimType: (row.scim_type as string | null) ?? null,
    detail: (row.detail as string | null) ?? null,
    requestId: (row.request_id as string | null) ?? null,
  });
}
