import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';
import { Organization } from '../organizations/organization.entity';
import { ApiKey, ApiKeyType } from './api-key.entity';

/** A live key found by its hash, with what verifying a request needs of its organization. */
export interface KeyByHash {
  id: number;
  organizationId: number;
  type: ApiKeyType;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  keyLast4: string;
  description: string | null;
  scimEnabled: boolean;
}

/** Every statement on `api_keys`. A deleted key keeps its row (deletedAt set): the reminders history points at it. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  /** `manager` lets onboarding create the first key inside its own transaction. */
  insert(row: Omit<ApiKey, 'id'>, manager: EntityManager = this.keys.manager): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, row));
  }

  /** The organization's live keys, newest first (as GitHub and GitLab list tokens). */
  listLive(organizationId: number): Promise<ApiKey[]> {
    return this.keys.find({ where: { organizationId, deletedAt: IsNull() }, order: { id: 'DESC' } });
  }

  findLive(organizationId: number, id: number): Promise<ApiKey | null> {
    return this.keys.findOneBy({ id, organizationId, deletedAt: IsNull() });
  }

  async updateDescription(manager: EntityManager, id: number, description: string | null): Promise<void> {
    await manager.update(ApiKey, { id }, { description });
  }

  /**
   * Names `successorId` as the key's successor, unless the key is deleted or already has a live
   * successor (one not deleted and not expired at `now`): one conditional UPDATE of the key's row,
   * so of rotations running at once exactly one succeeds, on both engines (the row lock orders them
   * on MySQL; SQLite runs them one after another). False when the key was not claimed.
   */
  async claimSuccessor(manager: EntityManager, id: number, successorId: number, now: Date): Promise<boolean> {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('A rotation runs inside a transaction');
    const at = toDbDate(now);
    const result =
      manager.connection.options.type === 'better-sqlite3'
        ? await runner.query(
            'UPDATE api_keys SET successor_key_id = ? WHERE id = ? AND deleted_at IS NULL AND NOT EXISTS ' +
              '(SELECT 1 FROM api_keys s WHERE s.id = api_keys.successor_key_id AND s.deleted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?))',
            [successorId, id, at],
            true,
          )
        : // MySQL refuses a subquery on the table being updated: the successor is joined instead.
          await runner.query(
            'UPDATE api_keys k LEFT JOIN api_keys s ON s.id = k.successor_key_id AND s.deleted_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?) ' +
              'SET k.successor_key_id = ? WHERE k.id = ? AND k.deleted_at IS NULL AND s.id IS NULL',
            [at, successorId, id],
            true,
          );
    return (result.affected ?? 0) === 1;
  }

  /** Soft-deletes the key; it leaves the reminder job's index (no reminder for a deleted key). */
  async softDelete(manager: EntityManager, id: number, now: Date): Promise<void> {
    await manager.update(ApiKey, { id, deletedAt: IsNull() }, { deletedAt: now, reminderDueAt: null });
  }

  /** The one read behind every authenticated request: hash → live key and its organization's SCIM switch. */
  async findLiveByHash(hash: string): Promise<KeyByHash | null> {
    const row = await this.keys
      .createQueryBuilder('k')
      .innerJoin(Organization, 'o', 'o.id = k.organization_id')
      .select([
        'k.id AS id',
        'k.organization_id AS organizationId',
        'k.type AS type',
        'k.expires_at AS expiresAt',
        'k.last_used_at AS lastUsedAt',
        'k.key_last4 AS keyLast4',
        'k.description AS description',
        'o.scim_enabled AS scimEnabled',
      ])
      .where('k.key_hash = :hash', { hash })
      .andWhere('k.deleted_at IS NULL')
      .getRawOne<{
        id: number;
        organizationId: number;
        type: ApiKeyType;
        expiresAt: Date | string | null;
        lastUsedAt: Date | string | null;
        keyLast4: string;
        description: string | null;
        scimEnabled: number | boolean;
      }>();
    if (!row) return null;
    return {
      id: Number(row.id),
      organizationId: Number(row.organizationId),
      type: row.type,
      expiresAt: toDate(row.expiresAt),
      lastUsedAt: toDate(row.lastUsedAt),
      keyLast4: row.keyLast4,
      description: row.description,
      scimEnabled: Boolean(Number(row.scimEnabled)),
    };
  }

  /** The id of the key of this type of the organization used last, deleted keys included; null if none was ever used. */
  async lastUsedId(organizationId: number, type: ApiKeyType): Promise<number | null> {
    const [row] = await this.keys.query(
      'SELECT id FROM api_keys WHERE organization_id = ? AND type = ? AND last_used_at IS NOT NULL ORDER BY last_used_at DESC, id DESC LIMIT 1',
      [organizationId, type],
    );
    return row ? Number(row.id) : null;
  }

  /** The latest use of any key of this type of the organization, deleted keys included (they were used once). */
  async lastUsed(organizationId: number, type: ApiKeyType): Promise<Date | null> {
    const [row] = await this.keys.query('SELECT MAX(last_used_at) AS at FROM api_keys WHERE organization_id = ? AND type = ?', [
      organizationId,
      type,
    ]);
    return toDate(row?.at ?? null);
  }

  /** Sets lastUsedAt (and firstUsedAt, the first time) unless another instance recorded a use since `staleBefore` (a conditional UPDATE, no race). */
  async touchLastUsed(id: number, now: Date, staleBefore: Date): Promise<void> {
    await this.keys.query(
      'UPDATE api_keys SET last_used_at = ?, first_used_at = COALESCE(first_used_at, ?) WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      [toDbDate(now), toDbDate(now), id, toDbDate(staleBefore)],
    );
  }

  /**
   * Keys whose reminder look is due at `now`, in (due, id) order after `after`: a range of the
   * (reminder_due_at, id) index. A deleted key has none (softDelete clears it).
   */
  remindersDue(now: Date, after: { dueAt: Date; id: number } | null, limit: number): Promise<ApiKey[]> {
    const query = this.keys
      .createQueryBuilder('k')
      .where('k.reminder_due_at <= :now', { now })
      .andWhere('k.deleted_at IS NULL')
      .orderBy('k.reminder_due_at', 'ASC')
      .addOrderBy('k.id', 'ASC')
      .limit(limit);
    if (after)
      query.andWhere('(k.reminder_due_at > :at OR (k.reminder_due_at = :at AND k.id > :id))', { at: after.dueAt, id: after.id });
    return query.getMany();
  }

  /** Sets when the reminder job looks at the key next, unless the key was deleted meanwhile. */
  async scheduleReminder(id: number, at: Date | null): Promise<void> {
    await this.keys.update({ id, deletedAt: IsNull() }, { reminderDueAt: at });
  }

  /** Keys by id whatever their state (deleted too). */
  findByIds(ids: number[]): Promise<ApiKey[]> {
    return ids.length ? this.keys.findBy({ id: In(ids) }) : Promise.resolve([]);
  }
}
