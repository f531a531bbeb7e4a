import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';
import { ScimHealthState } from './scim-health-state.entity';

/** A state row as a check reads it: what it compares to, and the version its schedule is saved against. */
export interface HealthState {
  organizationId: number;
  status: string;
  transitions: number;
  version: number;
}

/** A state row the monitor must check, found by a walk of due rows. */
export interface DueState extends HealthState {
  /** The value of the column the row was found by (its place in the walk). */
  at: Date;
}

/** When the monitor looks at an organization again, as its check worked out. */
export interface HealthSchedule {
  dueAt: Date | null;
  lastUseAt: Date | null;
  watchTraffic: boolean;
}

/** Where a walk of due rows stopped: the last row's (column value, organization). */
export type DuePosition = { at: Date; organizationId: number } | null;

/** The `scim_health_states` table. */
@Injectable()
export class ScimHealthStatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Rows whose `due_at` is at or before `now`, in (due_at, organization) order after `after`: a
   * range of their index, so the read is what is due, not the number of organizations.
   */
  dueAt(now: Date, after: DuePosition, limit: number): Promise<DueState[]> {
    return this.walk('due_at', now, after, limit);
  }

  /** Rows whose last use seen is at or before `before` (the connection may have gone silent), in the same way. */
  silentSince(before: Date, after: DuePosition, limit: number): Promise<DueState[]> {
    return this.walk('last_use_at', before, after, limit);
  }

  private async walk(column: 'due_at' | 'last_use_at', bound: Date, after: DuePosition, limit: number): Promise<DueState[]> {
    const position = after ? ` AND (${column} > ? OR (${column} = ? AND organization_id > ?))` : '';
    const params: unknown[] = [toDbDate(bound)];
    if (after) params.push(toDbDate(after.at), toDbDate(after.at), after.organizationId);
    const rows: Array<{ organization_id: number; status: string; transitions: number; version: number; at: Date | string }> =
      await this.dataSource.query(
        `SELECT organization_id, status, transitions, version, ${column} AS at FROM scim_health_states WHERE ${column} <= ?${position} ` +
          `ORDER BY ${column}, organization_id LIMIT ${Math.trunc(limit)}`,
        params,
      );
    return rows.map((r) => ({
      organizationId: Number(r.organization_id),
      status: String(r.status),
      transitions: Number(r.transitions),
      version: Number(r.version),
      at: toDate(r.at)!,
    }));
  }

  /** The organization's state row, if it has one. */
  async find(organizationId: number): Promise<HealthState | null> {
    const [row]: Array<{ status: string; transitions: number; version: number }> = await this.dataSource.query(
      'SELECT status, transitions, version FROM scim_health_states WHERE organization_id = ?',
      [organizationId],
    );
    return row
      ? { organizationId, status: String(row.status), transitions: Number(row.transitions), version: Number(row.version) }
      : null;
  }

  /** Moves the state from `from` to `to`; false when another instance moved it first. */
  async transition(manager: EntityManager, organizationId: number, from: string, to: string, now: Date): Promise<boolean> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('A health transition runs inside a transaction');
    const result = await runner.query(
      'UPDATE scim_health_states SET status = ?, transitions = transitions + 1, changed_at = ? WHERE organization_id = ? AND status = ?',
      [to, toDbDate(now), organizationId, from],
      true,
    );
    return (result.affected ?? 0) === 1;
  }

  /**
   * Saves when the monitor looks again, unless the row was marked (or checked) since it was read at
   * `version`: then it stays due, and the next round sees what marked it. Whether it was saved.
   */
  async schedule(organizationId: number, version: number, next: HealthSchedule): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(ScimHealthState)
      .set({ dueAt: next.dueAt, lastUseAt: next.lastUseAt, watchTraffic: next.watchTraffic, version: () => 'version + 1' })
      .where('organization_id = :organizationId AND version = :version', { organizationId, version })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /**
   * Marks organizations due at `now` (news that may change their status: SCIM toggled, traffic
   * written), creating the row of one that has none yet (`unknown`, as before its first check).
   * One statement: the caller passes at most IDS_PER_LOOKUP, in ascending order (the locks' order).
   */
  async markDue(organizationIds: readonly number[], now: Date): Promise<void> {
    const upsert =
      this.dataSource.options.type === 'better-sqlite3'
        ? 'ON CONFLICT (organization_id) DO UPDATE SET due_at = excluded.due_at, version = scim_health_states.version + 1'
        : 'ON DUPLICATE KEY UPDATE due_at = VALUES(due_at), version = version + 1';
    const at = toDbDate(now);
    await this.dataSource.query(
      'INSERT INTO scim_health_states (organization_id, status, transitions, changed_at, due_at, watch_traffic, version) ' +
        `VALUES ${organizationIds.map(() => "(?, 'unknown', 0, ?, ?, 1, 0)").join(', ')} ${upsert}`,
      organizationIds.flatMap((id) => [id, at, at]),
    );
  }

  /**
   * Of these organizations (at most IDS_PER_LOOKUP), those whose status no traffic without a failure
   * can change (healthy, no failure in the window).
   */
  async unwatched(organizationIds: readonly number[]): Promise<Set<number>> {
    const placeholders = organizationIds.map(() => '?').join(', ');
    const rows: Array<{ organization_id: number }> = await this.dataSource.query(
      `SELECT organization_id FROM scim_health_states WHERE organization_id IN (${placeholders}) AND watch_traffic = 0`,
      [...organizationIds],
    );
    return new Set(rows.map((r) => Number(r.organization_id)));
  }
}
