import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';
import { AuditFailureCount } from './audit-failure-count.entity';

/** A key's failed requests of one status in one minute, as counted; `failures` is what is added. */
export type FailureCount = Omit<AuditFailureCount, 'recorded'>;

const COLUMNS =
  'actor_key_id, status, minute, organization_id, actor_type, actor_masked_key, actor_description, scim_type, detail, failures, recorded';
const KEY = 'actor_key_id = ? AND status = ? AND minute = ?';
/** Rows per INSERT when an instance adds the failures it counted without recording them. */
const CHUNK = 200;

/**
 * The `audit_failure_counts` table: one row per key, status and minute, added to by every instance
 * with upserts (the database serialises them on the row), and replaced by a summary event once the
 * minute is over.
 */
@Injectable()
export class AuditFailureCountsRepository {
  private readonly sqlite: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.sqlite = dataSource.options.type === 'better-sqlite3';
  }

  /**
   * Counts one failed request, to be recorded as an event of its own if it is among the first
   * `recordFirst` of its key, status and minute; returns its place in that count (1 for the first).
   * One statement: the count's row is created or added to atomically, so that the places handed out
   * are 1, 2, 3, … whatever the number of instances.
   */
  async countOne(count: FailureCount, recordFirst: number): Promise<number> {
    const values = [...params(count, 1), 1, recordFirst];
    // `recorded` is set before `failures` so that it reads the old count on both engines (MySQL evaluates
    // the assignments of an UPDATE in order, SQLite against the row as it was).
    if (this.sqlite) {
      const rows: Array<{ failures: number }> = await this.dataSource.query(
        `INSERT INTO audit_failure_counts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (actor_key_id, status, minute) DO UPDATE SET recorded = recorded + (failures < ?), failures = failures + 1 RETURNING failures`,
        values,
      );
      return Number(rows[0].failures);
    }
    // MySQL/MariaDB have no RETURNING on an upsert: LAST_INSERT_ID(expr) hands the new count back as the insert id.
    const result: { affectedRows: number; insertId: number } = await this.dataSource.query(
      `INSERT INTO audit_failure_counts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE recorded = recorded + (failures < ?), failures = LAST_INSERT_ID(failures + 1)`,
      values,
    );
    // 1 row affected: inserted (the first); 2: an existing row updated.
    return result.affectedRows === 1 ? 1 : Number(result.insertId);
  }

  /** Adds failures that an instance counted without recording them, creating rows as needed. */
  async add(counts: readonly FailureCount[]): Promise<void> {
    const upsert = this.sqlite
      ? 'ON CONFLICT (actor_key_id, status, minute) DO UPDATE SET failures = failures + excluded.failures'
      : 'ON DUPLICATE KEY UPDATE failures = failures + VALUES(failures)';
    for (let i = 0; i < counts.length; i += CHUNK) {
      const chunk = counts.slice(i, i + CHUNK);
      await this.dataSource.query(
        `INSERT INTO audit_failure_counts (${COLUMNS}) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ${upsert}`,
        chunk.flatMap((c) => [...params(c, c.failures), 0]),
      );
    }
  }

  /** Deletes the rows of minutes before `before` whose failures all have events of their own. */
  async dropRecorded(before: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM audit_failure_counts WHERE minute < ? AND failures <= recorded', [toDbDate(before)]);
  }

  /** Rows of minutes before `before` with failures that have no event of their own, oldest first, at most `limit`. */
  async unrecorded(before: Date, limit: number): Promise<AuditFailureCount[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM audit_failure_counts WHERE minute < ? AND failures > recorded ORDER BY minute LIMIT ${Number(limit)}`,
      [toDbDate(before)],
    );
    return rows.map(hydrate);
  }

  /**
   * Deletes the row as it was read, inside the caller's transaction (the one that writes its summary);
   * false when another instance took it first, or failures were added to it since (read it again).
   */
  async take(manager: EntityManager, row: AuditFailureCount): Promise<boolean> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('A failure count is taken inside a transaction');
    const result = await runner.query(
      `DELETE FROM audit_failure_counts WHERE ${KEY} AND failures = ?`,
      [row.actorKeyId, row.status, toDbDate(row.minute), row.failures],
      true,
    );
    return result.affected === 1;
  }
}

function params(c: FailureCount, failures: number): unknown[] {
  return [
    c.actorKeyId,
    c.status,
    toDbDate(c.minute),
    c.organizationId,
    c.actorType,
    c.actorMaskedKey,
    c.actorDescription,
    c.scimType,
    c.detail,
    failures,
  ];
}

function hydrate(row: Record<string, unknown>): AuditFailureCount {
  return Object.assign(new AuditFailureCount(), {
    actorKeyId: Number(row.actor_key_id),
    status: Number(row.status),
    minute: toDate(row.minute as Date | string)!,
    organizationId: Number(row.organization_id),
    actorType: String(row.actor_type),
    actorMaskedKey: String(row.actor_masked_key),
    actorDescription: (row.actor_description as string | null) ?? null,
    scimType: (row.scim_type as string | null) ?? null,
    detail: String(row.detail),
    failures: Number(row.failures),
    recorded: Number(row.recorded),
  });
}
