import type { KeyType } from '@app/api-types';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

export type ApiKeyType = KeyType;

/**
 * An API key. Only a SHA-256 hash of the secret is kept, plus a display hint;
 * the plaintext exists once, in the response that created it.
 */
@Entity('api_keys')
@Index('UQ_api_keys_hash', ['keyHash'], { unique: true })
@Index('IDX_api_keys_org', ['organizationId', 'deletedAt'])
@Index('IDX_api_keys_expires', ['expiresAt'])
@Index('IDX_api_keys_reminder_due', ['reminderDueAt', 'id'])
export class ApiKey {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 8 })
  type: ApiKeyType;

  @Column({ type: 'varchar', length: 255, nullable: true })
  description: string | null;

  /** Hex SHA-256 of the full key. */
  @Column({ type: 'varchar', length: 64 })
  keyHash: string;

  /** Last four characters of the key, for the masked display. */
  @Column({ type: 'varchar', length: 4 })
  keyLast4: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  /** Fixed at creation; the key is refused from this instant on. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  /** The first request made with the key: during a rotation, when the identity provider switched to it. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  firstUsedAt: Date | null;

  /** The key this one was generated to replace (Rotate), if any. */
  @Column({ type: 'int', nullable: true })
  replacesKeyId: number | null;

  /**
   * The key last generated to replace this one. Set by a conditional UPDATE of this row that
   * succeeds only while no live successor is named here (ApiKeysRepository.claimSuccessor), so a
   * key has at most one live successor however many rotations run at once.
   */
  @Column({ type: 'int', nullable: true })
  successorKeyId: number | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;

  /**
   * When the reminder job must look at this key next: the opening of its first reminder window (set
   * at creation, `reminder-windows.ts`), then of its next one (set by the job); null when no reminder
   * is to come (no expiry, expired, deleted, every window seen). The job reads only the keys due
   * (this index), not every key.
   */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  reminderDueAt: Date | null;
}
