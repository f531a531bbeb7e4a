import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/** The pre-defined roles every organization gets, in display order. */
export const PREDEFINED_ROLES = [
  { name: 'Admin', description: 'Full access to the organization, including settings and API keys.' },
  { name: 'Read-only', description: 'Can view everything, change nothing.' },
  { name: 'Procurement', description: 'Manages contracts, renewals and spend.' },
  { name: 'IT Admin', description: 'Manages applications and users.' },
  { name: 'Employee', description: 'Default role for provisioned users; not listed on the Members page.' },
] as const;

export const ADMIN_ROLE = 'Admin';
export const DEFAULT_ROLE = 'Employee';

/**
 * A role of one organization. The pre-defined roles are seeded per organization
 * (predefined = true) so that one unique index on (organization, lower-cased
 * name) keeps custom names from colliding with them, case-insensitively.
 */
@Entity('roles')
@Index('UQ_roles_org_name', ['organizationId', 'nameLower'], { unique: true })
export class Role {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 64 })
  nameLower: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  description: string | null;

  @Column({ type: 'boolean', default: false })
  predefined: boolean;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;
}
