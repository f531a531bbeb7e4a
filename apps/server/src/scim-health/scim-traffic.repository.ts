import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';

export interface TrafficCount {
  organizationId: number;
  apiKeyId: number;
  minute: Date;
  requests: number;
  errors: number;
}

/** Requests and failures of one minute (all keys of an organization). */
export interface MinuteCounts {
  minute: Date;
  requests: number;
  errors: number;
}

/** Rows per INSERT when a minute's counts are added (the service hands them over this many at a time). */
export const TRAFFIC_ROWS_PER_INSERT = 200;
const CHUNK = TRAFFIC_ROWS_PER_INSERT;

/** The `scim_traffic` table: counts added per key and minute by every instance, summed when read. */
@Injectable()
export class ScimTrafficRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds counts to their (key, minute) rows, creating them: instances adding the same minute add up. */
  async add(counts: readonly TrafficCount[]): Promise<void> {
    const sqlite = this.dataSource.options.type === 'better-sqlite3';
    const upsert = sqlite
      ? 'ON CONFLICT (api_key_id, minute) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors'
      : 'ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), errors = errors + VALUES(errors)';
    for (let i = 0; i < counts.length; i += CHUNK) {
      const chunk = counts.slice(i, i + CHUNK);
      await this.dataSource.query(
        `INSERT INTO scim_traffic (api_key_id, minute, organization_id, requests, errors) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')} ${upsert}`,
        chunk.flatMap((c) => [c.apiKeyId, toDbDate(c.minute), c.organizationId, c.requests, c.errors]),
      );
    }
  }

  /** Requests and failures per key of the organization since `since`. */
  async totals(organizationId: number, since: Date): Promise<Map<number, { requests: number; errors: number }>> {
    const rows: Array<{ api_key_id: number; requests: number | string; errors: number | string }> = await this.dataSource.query(
      'SELECT api_key_id, SUM(requests) AS requests, SUM(errors) AS errors FROM scim_traffic WHERE organization_id = ? AND minute >= ? GROUP BY api_key_id',
      [organizationId, toDbDate(since)],
    );
    return new Map(rows.map((r) => [Number(r.api_key_id), { requests: Number(r.requests), errors: Number(r.errors) }]));
  }

  /** The organization's requests and failures per minute since `since` (all its keys), oldest first. */
  async perMinute(organizationId: number, since: Date): Promise<MinuteCounts[]> {
    const rows: Array<{ minute: Date | string; requests: number | string; errors: number | string }> =
      await this.dataSource.query(
        'SELECT minute, SUM(requests) AS requests, SUM(errors) AS errors FROM scim_traffic WHERE organization_id = ? AND minute >= ? GROUP BY minute ORDER BY minute',
        [organizationId, toDbDate(since)],
      );
    return rows.map((r) => ({ minute: toDate(r.minute)!, requests: Number(r.requests), errors: Number(r.errors) }));
  }

  /**
   * Deletes up to `batch` rows older than `before` (any organization), through the index on the
   * minute; how many it deleted. The caller repeats while a batch comes back full.
   */
  async prune(before: Date, batch: number): Promise<number> {
    const limit = Math.trunc(batch);
    const sql =
      this.dataSource.options.type === 'better-sqlite3'
        ? `DELETE FROM scim_traffic WHERE rowid IN (SELECT rowid FROM scim_traffic WHERE minute < ? LIMIT ${limit})`
        : `DELETE FROM scim_traffic WHERE minute < ? ORDER BY minute LIMIT ${limit}`;
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, [toDbDate(before)], true);
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }
}
