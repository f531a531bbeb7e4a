import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { toDbDate } from '../common/db-values';

/** The `scim_health_states` table. */
@Injectable()
export class ScimHealthStatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The organization's state, created as `unknown` when it has none (whichever instance is first). */
  async findOrCreate(
    manager: EntityManager,
    organizationId: number,
    now: Date,
  ): Promise<{ status: string; transitions: number }> {
    const ignore = this.dataSource.options.type === 'better-sqlite3' ? 'INSERT OR IGNORE' : 'INSERT IGNORE';
    await manager.query(
      `${ignore} INTO scim_health_states (organization_id, status, transitions, changed_at) VALUES (?, 'unknown', 0, ?)`,
      [organizationId, toDbDate(now)],
    );
    const [row] = await manager.query('SELECT status, transitions FROM scim_health_states WHERE organization_id = ?', [
      organizationId,
    ]);
    return { status: String(row.status), transitions: Number(row.transitions) };
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
}
