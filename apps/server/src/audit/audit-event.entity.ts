import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row of the append-only audit log: who did what to which object of an organization, with the
 * attributes that changed, or which SCIM request failed and why. Written in the transaction of the
 * change it describes; never updated; deleted only by the retention job. No foreign keys: an event
 * outlives the key, user or group it names (their ids and display names are copied into it).
 */
@Entity('audit_events')
// Newest first, per organization, with each filter the API offers.
@Index('IDX_audit_events_org_id', ['organizationId', 'id'])
@Index('IDX_audit_events_org_action', ['organizationId', 'action', 'id'])
// (organization_id, target_type, target_id, id): one object's history. MySQL/MariaDB only (its migration creates it; `synchronize: false` keeps the schema
// check from asking for it on SQLite): its key is random, and on SQLite each insert then dirties a cold page,
// which measured 25 µs of the ~40 µs an event costs there. InnoDB buffers such inserts (the change buffer).
// On SQLite a history is read through IDX_audit_events_org_id, newest first.
@Index('IDX_audit_events_org_target', { synchronize: false })
@Index('IDX_audit_events_org_actor', ['organizationId', 'actorKeyId', 'id'])
export class AuditEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @Column({ type: 'datetime', precision: 3 })
  occurredAt: Date;

  /** `user.created`, `group.members-added`, `scim.request-failed`, …  */
  @Column({ type: 'varchar', length: 48 })
  action: string;

  /** `api-key`, `scim-key`, `cli` or `system`. */
  @Column({ type: 'varchar', length: 16 })
  actorType: string;

  @Column({ type: 'int', nullable: true })
  actorKeyId: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  actorMaskedKey: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  actorDescription: string | null;

  /** `api-key`, `organization`, `role`, `role-mapping`, `user`, `group`, `reminder`, `scim-request`. */
  @Column({ type: 'varchar', length: 24 })
  targetType: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  targetDisplay: string | null;

  /** JSON: `[{ attribute, from?, to? }]`, or NULL. */
  @Column({ type: 'text', nullable: true })
  changes: string | null;

  /** `success` or `failure`. */
  @Column({ type: 'varchar', length: 8 })
  outcome: string;

  @Column({ type: 'int', nullable: true })
  status: number | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  scimType: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  detail: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId: string | null;
}
