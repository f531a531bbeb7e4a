import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { Role } from './role.entity';

/**
 * A user of an organization, as provisioned by SCIM or edited in Settings.
 * Singular SCIM attributes are columns (so filters run in SQL); multi-valued
 * ones (emails, phoneNumbers, addresses, ...) live in UserAttributeValue rows.
 */
@Entity('users')
@Index('UQ_users_org_user_name', ['organizationId', 'userNameLower'], { unique: true })
@Index('IDX_users_org_external_id', ['organizationId', 'externalId', 'deletedAt'])
@Index('IDX_users_org_role', ['organizationId', 'roleId'])
// Live users of an organization in id order: SCIM's default paging order and its COUNT, without a sort or a table scan.
@Index('IDX_users_org_live_id', ['organizationId', 'deletedAt', 'id'])
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** The email address as sent; immutable once created. */
  @Column({ type: 'varchar', length: 255 })
  userName: string;

  /**
   * Lower-cased userName: the case-insensitive unique key. NULL once the user
   * is deleted, so the address can be provisioned again as a new user.
   */
  @Column({ type: 'varchar', length: 255, nullable: true })
  userNameLower: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  externalId: string | null;

  @Column({ type: 'int' })
  roleId: number;

  /** A role that still has users cannot be deleted (the service says so first; this is the backstop). */
  @ManyToOne(() => Role, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: Role;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameFormatted: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameFamilyName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameGivenName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameMiddleName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameHonorificPrefix: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nameHonorificSuffix: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  displayName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nickName: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  profileUrl: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  title: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  preferredLanguage: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  locale: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone: string | null;

  // Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User)
  @Column({ type: 'varchar', length: 255, nullable: true })
  employeeNumber: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  costCenter: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  organizationName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  division: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  department: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  managerValue: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  managerDisplayName: string | null;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;

  /** Bumped on every change: the SCIM ETag and the optimistic-concurrency check. */
  @Column({ type: 'int', default: 1 })
  version: number;

  /** Soft delete (SCIM DELETE): the row is kept, the user is gone to every API. */
  @Column({ type: 'datetime', precision: 3, nullable: true })
  deletedAt: Date | null;
}
