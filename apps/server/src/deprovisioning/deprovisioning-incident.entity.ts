import type { IncidentStatus } from '@app/api-types';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * A burst of deprovisioning through SCIM (docs/safety-net.md): opened by the change that reaches the
 * threshold, joined by every further SCIM deactivation or deletion while open, closed by an undo or a
 * dismissal. `openSlot` is 1 while open and NULL after: the unique index makes "one open incident
 * per organization" the database's decision, whatever the number of instances. `alertDue` is 1 until
 * the incident's email is in the outbox (exactly once: the claim is a conditional UPDATE).
 */
@Entity('deprovisioning_incidents')
@Index('UQ_deprovisioning_incidents_open', ['organizationId', 'openSlot'], { unique: true })
@Index('IDX_deprovisioning_incidents_org', ['organizationId', 'id'])
@Index('IDX_deprovisioning_incidents_alert', ['alertDue'])
export class DeprovisioningIncident {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 16 })
  status: IncidentStatus;

  @Column({ type: 'int', nullable: true })
  openSlot: number | null;

  @Column({ type: 'datetime', precision: 3 })
  openedAt: Date;

  /** The SCIM key whose request opened it. */
  @Column({ type: 'int', nullable: true })
  keyId: number | null;

  @Column({ type: 'int', nullable: true })
  alertDue: number | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  closedAt: Date | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  closedByType: string | null;

  @Column({ type: 'int', nullable: true })
  closedByKeyId: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  closedByMaskedKey: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  closedByDescription: string | null;
}
