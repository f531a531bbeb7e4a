import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';

export type DeprovisioningChange = 'deactivated' | 'deleted';

/**
 * One deactivation or deletion of a user, by whoever made it, with the user's state just before it:
 * what a restore and an incident's undo put back (the user row itself keeps the attributes). Written
 * in the transaction of the change. Deactivations and deletions through SCIM (`actorType`
 * `scim-key`) are what the burst detector counts; `incidentId` is set when the change belongs to a
 * deprovisioning incident. Removed with the user by the purge, or, for a deactivation, when older
 * than the retention.
 */
@Entity('user_deprovisionings')
// Every change of a deprovisioning writes this row: few indexes. (organization, at): a window's changes, the
// deleted-users list (most recent first). The purge walks the primary key (ids follow the time).
@Index('IDX_user_deprovisionings_org_at', ['organizationId', 'at'])
@Index('IDX_user_deprovisionings_user', ['userId', 'id'])
@Index('IDX_user_deprovisionings_incident', ['incidentId', 'id'])
export class Deprovisioning {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 16 })
  kind: DeprovisioningChange;

  @Column({ type: 'datetime', precision: 3 })
  at: Date;

  /** Who made the change, as the audit log names actors (its masked key and description as they were). */
  @Column({ type: 'varchar', length: 16 })
  actorType: string;

  @Column({ type: 'int', nullable: true })
  actorKeyId: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  actorMaskedKey: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  actorDescription: string | null;

  @Column({ type: 'int', nullable: true })
  incidentId: number | null;

  /** The user's state just before the change: active and its role columns (its groups: DeprovisioningGroup). */
  @Column({ type: 'boolean' })
  wasActive: boolean;

  @Column({ type: 'int' })
  roleId: number;

  @Column({ type: 'int', nullable: true })
  ownRoleId: number | null;

  @Column({ type: 'int', nullable: true })
  roleGroupId: number | null;
}

/** The groups a user was a member of just before a deactivation or deletion (copied from `group_members` in its transaction). */
@Entity('user_deprovisioning_groups')
export class DeprovisioningGroup {
  @PrimaryColumn({ type: 'int' })
  deprovisioningId: number;

  @PrimaryColumn({ type: 'int' })
  groupId: number;

  @ManyToOne(() => Deprovisioning, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deprovisioning_id' })
  deprovisioning?: Deprovisioning;
}

/**
 * How many users an organization's SCIM deprovisioning reached per minute, outside any incident: what
 * the burst check sums over its window (at most DEPROVISION_BURST_WINDOW_MINUTES rows a slot), instead of
 * counting the window's records, which grow with the burst (a 30,000-user organization's check read
 * 3,000 of them per request before its incident opened). A user counts in the minute of its first
 * change in the window. On MySQL/MariaDB each pool connection adds to its own slot
 * (`CONNECTION_ID() % 16`), as `user_counts` does, so concurrent changes never wait for one row lock.
 */
@Entity('deprovisioning_minutes')
@Index('IDX_deprovisioning_minutes_minute', ['minute'])
export class DeprovisioningMinute {
  @PrimaryColumn({ type: 'int' })
  organizationId: number;

  @PrimaryColumn({ type: 'datetime', precision: 3 })
  minute: Date;

  @PrimaryColumn({ type: 'int' })
  slot: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** Users whose first SCIM deactivation or deletion in the window fell in this minute. */
  @Column({ type: 'int', default: 0 })
  users: number;

  /** Of those, the users that were active before it (the burst's share is of the users active when the window began). */
  @Column({ type: 'int', default: 0 })
  wereActive: number;
}
