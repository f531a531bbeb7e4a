import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { KeyReminder } from './key-reminder.entity';

/** A reminder as recorded when its key enters a window (see RemindersService.recordDue). */
export type NewReminder = Pick<
  KeyReminder,
  'organizationId' | 'apiKeyId' | 'leadTime' | 'expiresAt' | 'status' | 'attempts' | 'nextAttemptAt' | 'createdAt' | 'updatedAt'
>;

/**
 * Every statement on the reminders outbox. "Exactly once" is the database's decision: the unique
 * (key, lead time) index when recording, and conditional UPDATEs (the lease) when sending.
 */
@Injectable()
export class RemindersRepository {
  constructor(@InjectRepository(KeyReminder) private readonly reminders: Repository<KeyReminder>) {}

  /** One page of an organization's reminders, newest first, after the cursor `before` (an id); and their total. */
  async page(organizationId: number, before: number, size: number): Promise<{ rows: KeyReminder[]; total: number }> {
    const base = this.reminders.createQueryBuilder('r').where('r.organization_id = :organizationId', { organizationId });
    const total = await base.clone().getCount();
    const query = base
      .clone()
      .orderBy('r.id', 'DESC')
      .limit(size + 1);
    if (before) query.andWhere('r.id < :before', { before });
    return { rows: await query.getMany(), total };
  }

  /** `<key id>/<lead time>` of every reminder recorded for these keys. */
  async recordedFor(apiKeyIds: number[]): Promise<Set<string>> {
    const existing = new Set<string>();
    for (let i = 0; i < apiKeyIds.length; i += 500) {
      const rows = await this.reminders.find({
        select: ['apiKeyId', 'leadTime'],
        where: { apiKeyId: In(apiKeyIds.slice(i, i + 500)), kind: 'expiry' },
      });
      for (const row of rows) existing.add(`${row.apiKeyId}/${row.leadTime}`);
    }
    return existing;
  }

  /** INSERT … IGNORE / OR IGNORE: the unique (key, lead) index decides, whatever other instances do. */
  async insertIgnoringDuplicates(rows: NewReminder[]): Promise<void> {
    await this.reminders.createQueryBuilder().insert().into(KeyReminder).values(rows).orIgnore().updateEntity(false).execute();
  }

  /** Folds a key's older reminders still waiting (e.g. SMTP was down) into the one for `leadTime`, unless being sent. */
  async supersedePending(apiKeyId: number, leadTime: string, now: Date): Promise<void> {
    await this.reminders
      .createQueryBuilder()
      .update(KeyReminder)
      .set({ status: 'superseded', updatedAt: now })
      .where("api_key_id = :id AND kind = 'expiry' AND status = :pending AND lead_time <> :lead", {
        id: apiKeyId,
        pending: 'pending',
        lead: leadTime,
      })
      .andWhere('(claimed_until IS NULL OR claimed_until < :now)', { now })
      .execute();
  }

  /** Ids of pending reminders due at `now` and not leased by an instance, oldest first. */
  async dueIds(now: Date, limit: number): Promise<number[]> {
    const rows = await this.reminders
      .createQueryBuilder('r')
      .select(['r.id'])
      .where('r.status = :pending AND r.next_attempt_at <= :now', { pending: 'pending', now })
      .andWhere('(r.claimed_until IS NULL OR r.claimed_until < :now)', { now })
      .orderBy('r.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map((r) => r.id);
  }

  /** Takes the lease on a pending reminder; false when another instance holds it or it is no longer pending. */
  async claim(id: number, token: string, now: Date, until: Date): Promise<boolean> {
    const result = await this.reminders
      .createQueryBuilder()
      .update(KeyReminder)
      .set({ claimedUntil: until, claimToken: token })
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .andWhere('(claimed_until IS NULL OR claimed_until < :now)', { now })
      .execute();
    return result.affected === 1;
  }

  /** Records a SCIM connection alert in the outbox, inside the caller's transaction (the health transition's). */
  async insertAlert(
    manager: EntityManager,
    row: NewReminder & { kind: 'scim-health' | 'deprovisioning'; payload: string },
  ): Promise<void> {
    await manager.insert(KeyReminder, row);
  }

  /** How many reminders are in each status (all organizations): the metrics' outbox gauge. */
  async countByStatus(): Promise<Map<string, number>> {
    const rows: Array<{ status: string; n: number | string }> = await this.reminders.query(
      'SELECT status, COUNT(*) AS n FROM key_reminders GROUP BY status',
    );
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  }

  findById(id: number): Promise<KeyReminder> {
    return this.reminders.findOneByOrFail({ id });
  }

  /** Records the outcome and releases the lease, only if `token` still holds it; whether it did. */
  async finish(manager: EntityManager, id: number, token: string, changes: Partial<KeyReminder>): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(KeyReminder)
      .set({ ...changes, claimedUntil: null, claimToken: null })
      .where('id = :id AND claim_token = :token', { id, token })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
