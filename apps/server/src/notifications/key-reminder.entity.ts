import type { MailDelivery, ReminderStatus } from '@app/api-types';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApiKey } from '../api-keys/api-key.entity';

export type { ReminderStatus };

/**
 * The outbox of expiry reminders: one row per key and lead time, written
 * before anything is sent. The unique index makes "once per key and lead time"
 * the database's decision; `claimedUntil` is the lease of the instance sending it.
 */
@Entity('key_reminders')
@Index('UQ_key_reminders_key_lead', ['apiKeyId', 'leadTime'], { unique: true })
@Index('IDX_key_reminders_due', ['status', 'nextAttemptAt'])
@Index('IDX_key_reminders_org', ['organizationId', 'id'])
export class KeyReminder {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @Column({ type: 'int' })
  apiKeyId: number;

  @ManyToOne(() => ApiKey, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'api_key_id' })
  apiKey?: ApiKey;

  /**
   * `expiry`: a key-expiry reminder. `scim-health`: the alert that the organization's SCIM connection
   * became degraded or silent (its key is the one concerned: failing, or last used; `leadTime` is
   * `health-<n>`, the organization's n-th health transition, so each transition is one row).
   * `deprovisioning`: a deprovisioning incident's alert (its key opened the incident; `leadTime` is
   * `incident-<id>`).
   */
  @Column({ type: 'varchar', length: 16, default: 'expiry' })
  kind: 'expiry' | 'scim-health' | 'deprovisioning';

  /** For a scim-health alert, JSON: `{ status, summary }` at the transition; for a deprovisioning alert, IncidentAlertPayload. */
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  /** The configured lead time this reminder is for, e.g. `1M`, `7d`. */
  @Column({ type: 'varchar', length: 16 })
  leadTime: string;

  /** The key's expiry when the reminder was recorded (keys cannot change it). */
  @Column({ type: 'datetime', precision: 3 })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 16 })
  status: ReminderStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'datetime', precision: 3 })
  nextAttemptAt: Date;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  claimToken: string | null;

  /** JSON array of the addresses the last attempt went to. */
  @Column({ type: 'text', nullable: true })
  recipients: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  lastError: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  messageId: string | null;

  /**
   * How the sent message left: `smtp`, handed to the SMTP server of SMTP_URL; `outbox`, written as an
   * .eml file to MAIL_OUTBOX_DIR because no SMTP_URL is set (nobody received it). NULL until sent, and
   * for messages sent before this was recorded.
   */
  @Column({ type: 'varchar', length: 8, nullable: true })
  delivery: MailDelivery | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  sentAt: Date | null;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;
}
