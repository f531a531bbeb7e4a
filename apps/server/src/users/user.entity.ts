import { ENTERPRISE_USER_SCHEMA as ENT } from '@app/scim-protocol';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ScimAttribute } from '../common/scim-columns';
import { Organization } from '../organizations/organization.entity';
import { Role } from './role.entity';

/**
 * A user of an organization, as provisioned by SCIM or edited in Settings.
 * Singular SCIM attributes are columns (so filters run in SQL), each marked with
 * the attribute it stores (`@ScimAttribute`): that mark is all the SQL mapping,
 * the conversions and the length checks need (user-storage.mapping.ts). Multi-valued
 * ones (emails, phoneNumbers, addresses, ...) live in UserAttributeValue rows.
 * userName, the role (userType) and active carry rules and are mapped by hand.
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

  @ScimAttribute('externalId')
  externalId: string | null;

  @Column({ type: 'int' })
  roleId: number;

  /** A role that still has users cannot be deleted (the service says so first; this is the backstop). */
  @ManyToOne(() => Role, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: Role;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @ScimAttribute('name.formatted')
  nameFormatted: string | null;

  @ScimAttribute('name.familyName')
  nameFamilyName: string | null;

  @ScimAttribute('name.givenName')
  nameGivenName: string | null;

  @ScimAttribute('name.middleName')
  nameMiddleName: string | null;

  @ScimAttribute('name.honorificPrefix')
  nameHonorificPrefix: string | null;

  @ScimAttribute('name.honorificSuffix')
  nameHonorificSuffix: string | null;

  @ScimAttribute('displayName')
  displayName: string | null;

  @ScimAttribute('nickName')
  nickName: string | null;

  @ScimAttribute('profileUrl', { column: { type: 'varchar', length: 1024, nullable: true } })
  profileUrl: string | null;

  @ScimAttribute('title')
  title: string | null;

  @ScimAttribute('preferredLanguage', { column: { type: 'varchar', length: 64, nullable: true } })
  preferredLanguage: string | null;

  @ScimAttribute('locale', { column: { type: 'varchar', length: 64, nullable: true } })
  locale: string | null;

  @ScimAttribute('timezone', { column: { type: 'varchar', length: 64, nullable: true } })
  timezone: string | null;

  // Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User)
  @ScimAttribute(`${ENT}:employeeNumber`)
  employeeNumber: string | null;

  @ScimAttribute(`${ENT}:costCenter`)
  costCenter: string | null;

  @ScimAttribute(`${ENT}:organization`)
  organizationName: string | null;

  @ScimAttribute(`${ENT}:division`)
  division: string | null;

  @ScimAttribute(`${ENT}:department`)
  department: string | null;

  @ScimAttribute(`${ENT}:manager.value`)
  managerValue: string | null;

  @ScimAttribute(`${ENT}:manager.displayName`)
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
