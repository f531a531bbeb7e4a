import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed SCIM requests of one key with one status in one minute, counted by every instance: the
 * bound on what a flood writes to the audit log. The first few of a minute are recorded as events
 * of their own (`recorded`); once the minute is over, the row is replaced by one event that says
 * how many more there were (audit.service.ts). Rows live for about a minute: the table stays small.
 */
@Entity('audit_failure_counts')
// The minutes that are over, read and deleted by every instance every 10 s: without it each of those
// statements scans (and on MySQL/MariaDB locks) the rows of the current minute that floods are adding to.
@Index('IDX_audit_failure_counts_minute', ['minute'])
export class AuditFailureCount {
  @PrimaryColumn({ type: 'int' })
  actorKeyId: number;

  @PrimaryColumn({ type: 'int' })
  status: number;

  /** The minute (UTC, seconds zero) the requests were answered in. */
  @PrimaryColumn({ type: 'datetime', precision: 3 })
  minute: Date;

  @Column({ type: 'int' })
  organizationId: number;

  /** The key as the events name it (its type, masked form and description when first counted). */
  @Column({ type: 'varchar', length: 16 })
  actorType: string;

  @Column({ type: 'varchar', length: 64 })
  actorMaskedKey: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  actorDescription: string | null;

  /** What the minute's first failed request was told. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  scimType: string | null;

  @Column({ type: 'varchar', length: 1024 })
  detail: string;

  /** Failed requests counted so far, by every instance. */
  @Column({ type: 'int' })
  failures: number;

  /** Of those, how many have an event of their own. */
  @Column({ type: 'int' })
  recorded: number;
}
