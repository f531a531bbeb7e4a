import { Statements } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Slots of an organization's count on MySQL/MariaDB: more than the pool has connections (DATABASE_POOL_SIZE, 10). */
const SLOTS = 16;

/**
 * The `user_counts` table (user-count.entity.ts): an organization's live users, as the sum of its
 * slots. UsersRepository adds to it in the transaction of every user insert and delete, so the sum
 * is exactly the committed users; a list reads it instead of counting the organization.
 */
@Injectable()
export class UserCountsRepository {
  private readonly add: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
  ) {
    // MySQL: each connection its own slot, so concurrent creates never wait for each other's row lock.
    this.add =
      dataSource.options.type === 'better-sqlite3'
        ? 'INSERT INTO user_counts (organization_id, slot, live) VALUES (?, 0, ?) ON CONFLICT (organization_id, slot) DO UPDATE SET live = live + ?'
        : `INSERT INTO user_counts (organization_id, slot, live) VALUES (?, CONNECTION_ID() % ${SLOTS}, ?) ON DUPLICATE KEY UPDATE live = live + ?`;
  }

  /** Adds `delta` live users to the organization, inside the caller's transaction (with its COMMIT on MySQL). */
  async addLive(manager: EntityManager, organizationId: number, delta: number): Promise<void> {
    await this.statements.writeAtCommit(manager, this.add, [organizationId, delta, delta]);
  }

  /** The organization's live users. */
  async live(organizationId: number): Promise<number> {
    const [[n]] = await this.statements.rows(
      this.dataSource.manager,
      'SELECT SUM(live) FROM user_counts WHERE organization_id = ?',
      [organizationId],
    );
    return Number(n ?? 0);
  }
}
