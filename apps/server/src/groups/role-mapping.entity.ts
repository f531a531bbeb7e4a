import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { Role } from '../users/role.entity';
import { Group } from './group.entity';

/** The documented range of a mapping's priority is 0 to this, whoever chooses it (client or server). */
export const MAX_MAPPING_PRIORITY = 1_000_000;

/**
 * "Members of this group have this role": at most one mapping per group. A user in several mapped
 * groups gets the role of the mapping with the lowest priority number (ties: the older mapping).
 * Deleting the group deletes its mapping; a role used by a mapping cannot be deleted.
 */
@Entity('role_mappings')
@Index('UQ_role_mappings_group', ['groupId'], { unique: true })
@Index('IDX_role_mappings_org_priority', ['organizationId', 'priority'])
export class RoleMapping {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'int' })
  groupId: number;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: Group;

  @Column({ type: 'int' })
  roleId: number;

  @ManyToOne(() => Role, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: Role;

  @Column({ type: 'int' })
  priority: number;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;
}
