import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * The last connection status the health monitor saw of an organization, how many times it has
 * changed, and when the monitor must look again. A change is a conditional UPDATE from the status
 * read: of several instances seeing the same change, one wins, and only it records the alert
 * (exactly one email per transition).
 *
 * The monitor reads only the rows that are due (docs/performance.md, "Scheduled jobs"): `due_at`
 * passed, or `last_use_at` older than SCIM_SILENT_HOURS. A row exists for every organization whose
 * SCIM was ever turned on or that sent SCIM traffic; one without a row is `off` or `never-connected`,
 * statuses that are never alerted.
 */
@Entity('scim_health_states')
@Index('IDX_scim_health_states_due', ['dueAt', 'organizationId'])
@Index('IDX_scim_health_states_last_use', ['lastUseAt', 'organizationId'])
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

  /**
   * When the status may next change without anyone telling (failures leaving the 24-hour window), or
   * when something told: SCIM turned on or off, traffic written that may change it. Null: nothing
   * but such news can change it.
   */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  dueAt: Date | null;

  /**
   * The SCIM keys' last use as of the last check, kept while the status is healthy or degraded: the
   * connection may be silent from this plus SCIM_SILENT_HOURS (the hours as configured when read).
   * The keys' real last use is never earlier, so a check may come early, never late.
   */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  lastUseAt: Date | null;

  /**
   * Whether any new SCIM traffic may change the status (everything but healthy without a failure in
   * the window): the traffic written for such an organization marks it due. Failures always do.
   */
  @Column({ type: 'boolean', default: true })
  watchTraffic: boolean;

  /** Bumped by every write of the schedule: a check saves its schedule only if nothing marked the row meanwhile. */
  @Column({ type: 'int', default: 0 })
  version: number;
}
