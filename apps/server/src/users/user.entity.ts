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
 * Case-insensitive attributes (`caseInsensitive`) carry a lower-cased twin column
 * that filters and sorts compare, never LOWER() per row.
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

  /**
   * The user's own role (from SCIM userType, the admin API, or the default) while a group's role
   * mapping overrides it; NULL when roleId is the user's own role. Kept so that it comes back when
   * no mapping applies any more.
   */
  @Column({ type: 'int', nullable: true })
  ownRoleId: number | null;

  /**
   * The group whose role mapping gives roleId; NULL when roleId is the user's own role. Set and
   * cleared together with ownRoleId by the groups module in the same transaction as the membership
   * or mapping change. Neither column has a foreign key: adding one rebuilds the users table on both
   * engines; the rules are kept under row locks instead (docs/decisions.md).
   */
  @Column({ type: 'int', nullable: true })
  roleGroupId: number | null;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  /**
   * Set by the first write of the user through SCIM (create, replace, update, delete) and never cleared:
   * an identity provider manages the user, so its email and name are the identity provider's, and the
   * admin API refuses to edit them (409). Users made by the first start or the CLI, never written through
   * SCIM, may be edited there.
   */
  @Column({ type: 'boolean', default: false })
  scimManaged: boolean;

  @ScimAttribute('name.formatted', { caseInsensitive: true })
  nameFormatted: string | null;

  @ScimAttribute('name.familyName', { caseInsensitive: true })
  nameFamilyName: string | null;

  @ScimAttribute('name.givenName', { caseInsensitive: true })
  nameGivenName: string | null;

  @ScimAttribute('name.middleName', { caseInsensitive: true })
  nameMiddleName: string | null;

  @ScimAttribute('name.honorificPrefix', { caseInsensitive: true })
  nameHonorificPrefix: string | null;

  @ScimAttribute('name.honorificSuffix', { caseInsensitive: true })
  nameHonorificSuffix: string | null;

  @ScimAttribute('displayName', { caseInsensitive: true })
  displayName: string | null;

  @ScimAttribute('nickName', { caseInsensitive: true })
  nickName: string | null;

  @ScimAttribute('profileUrl', { column: { type: 'varchar', length: 1024, nullable: true }, caseInsensitive: true })
  profileUrl: string | null;

  @ScimAttribute('title', { caseInsensitive: true })
  title: string | null;

  @ScimAttribute('preferredLanguage', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  preferredLanguage: string | null;

  @ScimAttribute('locale', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  locale: string | null;

  @ScimAttribute('timezone', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  timezone: string | null;

  // Enterprise extension (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User)
  @ScimAttribute(`${ENT}:employeeNumber`, { caseInsensitive: true })
  employeeNumber: string | null;

  @ScimAttribute(`${ENT}:costCenter`, { caseInsensitive: true })
  costCenter: string | null;

  @ScimAttribute(`${ENT}:organization`, { caseInsensitive: true })
  organizationName: string | null;

  @ScimAttribute(`${ENT}:division`, { caseInsensitive: true })
  division: string | null;

  @ScimAttribute(`${ENT}:department`, { caseInsensitive: true })
  department: string | null;

  @ScimAttribute(`${ENT}:manager.value`, { caseInsensitive: true })
  managerValue: string | null;

  @ScimAttribute(`${ENT}:manager.displayName`, { caseInsensitive: true })
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
