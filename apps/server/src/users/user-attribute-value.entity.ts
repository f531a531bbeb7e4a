import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ScimAttribute } from '../common/scim-columns';
import { User } from './user.entity';

/** Multi-valued SCIM attributes stored as rows. */
export const MULTI_VALUED_ATTRIBUTES = [
  'emails',
  'phoneNumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509Certificates',
] as const;
export type MultiValuedAttribute = (typeof MULTI_VALUED_ATTRIBUTES)[number];

/** Values up to this length also get a lower-cased, indexed copy in `valueLower`. */
export const INDEXED_VALUE_LENGTH = 255;

/**
 * One element of a multi-valued attribute of a user (an email, a phone number,
 * an address, ...). One row per element so that filters such as
 * `emails[type eq "work" and value co "@x.com"]` are a single subquery on one row.
 * `attribute` says which attribute (MULTI_VALUED_ATTRIBUTES); each sub-attribute
 * column is marked with the sub-attribute it stores (`@ScimAttribute`); the text ones carry
 * lower-cased twins that filters compare (`value`'s is indexed, for `emails.value eq`).
 */
@Entity('user_attribute_values')
@Index('IDX_uav_user', ['userId', 'attribute', 'position'])
@Index('IDX_uav_org_attr_value', ['organizationId', 'attribute', 'valueLower'])
export class UserAttributeValue {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'int' })
  organizationId: number;

  @Column({ type: 'varchar', length: 32 })
  attribute: MultiValuedAttribute;

  /** Order as sent by the client. */
  @Column({ type: 'int' })
  position: number;

  @ScimAttribute('value', {
    column: { type: 'text', nullable: true },
    lowerProperty: 'valueLower',
    lowerMaxLength: INDEXED_VALUE_LENGTH,
  })
  value: string | null;

  /** lower(value) when value is at most INDEXED_VALUE_LENGTH characters, else NULL. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  valueLower: string | null;

  @ScimAttribute('display', { caseInsensitive: true })
  display: string | null;

  @ScimAttribute('type', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  type: string | null;

  /** Stored NOT NULL, rendered only when true: false is "absent" to filters too. */
  @ScimAttribute('primary', { column: { type: 'boolean', default: false } })
  primary: boolean;

  // Address sub-attributes (attribute = 'addresses').
  @ScimAttribute('formatted', { column: { type: 'varchar', length: 1024, nullable: true }, caseInsensitive: true })
  formatted: string | null;

  @ScimAttribute('streetAddress', { caseInsensitive: true })
  streetAddress: string | null;

  @ScimAttribute('locality', { caseInsensitive: true })
  locality: string | null;

  @ScimAttribute('region', { caseInsensitive: true })
  region: string | null;

  @ScimAttribute('postalCode', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  postalCode: string | null;

  @ScimAttribute('country', { column: { type: 'varchar', length: 64, nullable: true }, caseInsensitive: true })
  country: string | null;
}
