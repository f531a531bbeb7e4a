import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * The last connection status the health monitor saw of an organization, and how many times it has
 * changed. A change is a conditional UPDATE from the status read: of several instances seeing the
 * same change, one wins, and only it records the alert (exactly one email per transition).
 */
@Entity('scim_health_states')
export class ScimHealthState {
  @PrimaryColumn({ type: 'int' })
  organizationId: number;

  @OneToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** A ScimHealthStatus, or `unknown` before the first check. */
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'int', default: 0 })
  transitions: number;

  @Column({ type: 'datetime', precision: 3 })
  changedAt: Date;
}
