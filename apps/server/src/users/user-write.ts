import type { UserAttributeValue } from './user-attribute-value.entity';
import type { User } from './user.entity';

/** The singular attributes a provisioning client may set (everything but identity, role, state and bookkeeping). */
export const USER_ATTRIBUTE_COLUMNS = [
  'externalId',
  'nameFormatted',
  'nameFamilyName',
  'nameGivenName',
  'nameMiddleName',
  'nameHonorificPrefix',
  'nameHonorificSuffix',
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'preferredLanguage',
  'locale',
  'timezone',
  'employeeNumber',
  'costCenter',
  'organizationName',
  'division',
  'department',
  'managerValue',
  'managerDisplayName',
] as const;

export type UserAttributes = { [K in (typeof USER_ATTRIBUTE_COLUMNS)[number]]: string | null };

export type UserValueRow = Pick<
  UserAttributeValue,
  | 'attribute'
  | 'position'
  | 'value'
  | 'display'
  | 'type'
  | 'primary'
  | 'formatted'
  | 'streetAddress'
  | 'locality'
  | 'region'
  | 'postalCode'
  | 'country'
>;

/**
 * A user as a client wants it stored (a SCIM POST/PUT, or the result of a
 * PATCH). `role` and `active` undefined mean: the default on create,
 * unchanged on update.
 */
export interface UserWrite {
  userName: string;
  attributes: UserAttributes;
  values: UserValueRow[];
  role?: string;
  active?: boolean;
}

/** A stored user with everything needed to render it. */
export interface StoredUser {
  user: User;
  roleName: string;
  values: UserAttributeValue[];
}
