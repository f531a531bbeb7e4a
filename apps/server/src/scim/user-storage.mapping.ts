import {
  ENTERPRISE_USER_SCHEMA,
  ScimAddress,
  ScimEnterpriseUser,
  ScimError,
  ScimMultiValue,
  ScimUserInput,
  SqlMapping,
} from '@app/scim-protocol';
import { getMetadataArgsStorage } from 'typeorm';
import { INDEXED_VALUE_LENGTH, UserAttributeValue } from '../users/user-attribute-value.entity';
import { StoredUser, UserAttributes, UserValueRow, UserWrite } from '../users/user-write';
import { User } from '../users/user.entity';

const ENT = ENTERPRISE_USER_SCHEMA;

/** Where each SCIM attribute lives (tables of the users module), for the filter and sort translators. */
export const USER_SQL_MAPPING: SqlMapping = {
  id: 'u.id',
  columns: {
    externalId: 'u.external_id',
    userName: { column: 'u.user_name', lowerColumn: 'u.user_name_lower' },
    'name.formatted': 'u.name_formatted',
    'name.familyName': 'u.name_family_name',
    'name.givenName': 'u.name_given_name',
    'name.middleName': 'u.name_middle_name',
    'name.honorificPrefix': 'u.name_honorific_prefix',
    'name.honorificSuffix': 'u.name_honorific_suffix',
    displayName: 'u.display_name',
    nickName: 'u.nick_name',
    profileUrl: 'u.profile_url',
    title: 'u.title',
    userType: '(SELECT r.name FROM roles r WHERE r.id = u.role_id)',
    preferredLanguage: 'u.preferred_language',
    locale: 'u.locale',
    timezone: 'u.timezone',
    active: 'u.active',
    'meta.created': 'u.created_at',
    'meta.lastModified': 'u.updated_at',
    [`${ENT}:employeeNumber`]: 'u.employee_number',
    [`${ENT}:costCenter`]: 'u.cost_center',
    [`${ENT}:organization`]: 'u.organization_name',
    [`${ENT}:division`]: 'u.division',
    [`${ENT}:department`]: 'u.department',
    [`${ENT}:manager.value`]: 'u.manager_value',
    [`${ENT}:manager.displayName`]: 'u.manager_display_name',
  },
  constants: { 'meta.resourceType': 'User' },
  multiValued: {
    table: 'user_attribute_values',
    alias: 'v',
    correlation: { user_id: 'u.id', organization_id: 'u.organization_id' },
    discriminator: 'attribute',
    attributes: {
      emails: 'emails',
      phoneNumbers: 'phoneNumbers',
      ims: 'ims',
      photos: 'photos',
      entitlements: 'entitlements',
      roles: 'roles',
      x509Certificates: 'x509Certificates',
      addresses: 'addresses',
    },
    subAttributes: {
      value: { column: 'value', lowerColumn: 'value_lower', lowerMaxLength: INDEXED_VALUE_LENGTH },
      display: 'display',
      type: 'type',
      // `primary` is reserved in MySQL; backticks work on SQLite too. Stored NOT NULL, rendered only
      // when true: false is "absent" to filters too.
      primary: { column: '`primary`', falseIsAbsent: true },
      formatted: 'formatted',
      streetAddress: 'street_address',
      locality: 'locality',
      region: 'region',
      postalCode: 'postal_code',
      country: 'country',
    },
    primaryColumn: '`primary`',
    positionColumn: 'position',
  },
};

/**
 * The mapping for filters of one organization's users: side-table rows are
 * selected by organization id (a parameter), so that `emails.value eq` runs as
 * `u.id IN (SELECT user_id ... WHERE organization_id = ? AND attribute = ? AND
 * value_lower = ?)` on the (organization, attribute, value_lower) index.
 */
export function userFilterMapping(organizationId: number): SqlMapping {
  const multiValued = USER_SQL_MAPPING.multiValued!;
  return {
    ...USER_SQL_MAPPING,
    multiValued: { ...multiValued, correlation: { user_id: 'u.id' }, scope: { organization_id: organizationId } },
  };
}

/** SCIM name of each singular column, for error messages and the two conversions below. */
const SINGULAR: Array<[keyof UserAttributes, string, (u: ScimUserInput) => string | undefined]> = [
  ['externalId', 'externalId', (u) => u.externalId],
  ['nameFormatted', 'name.formatted', (u) => u.name?.formatted],
  ['nameFamilyName', 'name.familyName', (u) => u.name?.familyName],
  ['nameGivenName', 'name.givenName', (u) => u.name?.givenName],
  ['nameMiddleName', 'name.middleName', (u) => u.name?.middleName],
  ['nameHonorificPrefix', 'name.honorificPrefix', (u) => u.name?.honorificPrefix],
  ['nameHonorificSuffix', 'name.honorificSuffix', (u) => u.name?.honorificSuffix],
  ['displayName', 'displayName', (u) => u.displayName],
  ['nickName', 'nickName', (u) => u.nickName],
  ['profileUrl', 'profileUrl', (u) => u.profileUrl],
  ['title', 'title', (u) => u.title],
  ['preferredLanguage', 'preferredLanguage', (u) => u.preferredLanguage],
  ['locale', 'locale', (u) => u.locale],
  ['timezone', 'timezone', (u) => u.timezone],
  ['employeeNumber', `${ENT}:employeeNumber`, (u) => u[ENT]?.employeeNumber],
  ['costCenter', `${ENT}:costCenter`, (u) => u[ENT]?.costCenter],
  ['organizationName', `${ENT}:organization`, (u) => u[ENT]?.organization],
  ['division', `${ENT}:division`, (u) => u[ENT]?.division],
  ['department', `${ENT}:department`, (u) => u[ENT]?.department],
  ['managerValue', `${ENT}:manager.value`, (u) => u[ENT]?.manager?.value],
  ['managerDisplayName', `${ENT}:manager.displayName`, (u) => u[ENT]?.manager?.displayName],
];

const MULTI_VALUED = ['emails', 'phoneNumbers', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates'] as const;
const ADDRESS_FIELDS = ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'] as const;

/** Column lengths, read from the entities, so that too-long values are a clear 400, never a database error. */
const MAX_LENGTH = (() => {
  const lengths = new Map<string, number>();
  for (const column of getMetadataArgsStorage().columns) {
    if (column.target !== User && column.target !== UserAttributeValue) continue;
    const length = Number(column.options.length);
    if (length) lengths.set(`${column.target === User ? 'user' : 'value'}.${column.propertyName}`, length);
  }
  return lengths;
})();

function checkLength(table: 'user' | 'value', property: string, value: string | null | undefined, scimName: string): void {
  const max = MAX_LENGTH.get(`${table}.${property}`);
  // value.length counts UTF-16 units, never fewer than code points: only a long string needs the exact count.
  if (value && max && value.length > max && Array.from(value).length > max) {
    throw ScimError.invalidValue(`${scimName} must be at most ${max} characters.`);
  }
}

/** A validated SCIM User (parseUserInput / applyUserPatch) as the users module stores it. */
export function toUserWrite(input: ScimUserInput): UserWrite {
  const attributes = {} as UserAttributes;
  for (const [column, scimName, read] of SINGULAR) {
    const value = read(input) ?? null;
    checkLength('user', column, value, scimName);
    attributes[column] = value;
  }
  const values: UserValueRow[] = [];
  for (const attribute of MULTI_VALUED) {
    (input[attribute] ?? []).forEach((element: ScimMultiValue, position) => {
      checkLength('value', 'display', element.display, `${attribute}.display`);
      checkLength('value', 'type', element.type, `${attribute}.type`);
      values.push(
        row(attribute, position, {
          value: element.value,
          display: element.display ?? null,
          type: element.type ?? null,
          primary: element.primary === true,
        }),
      );
    });
  }
  (input.addresses ?? []).forEach((address: ScimAddress, position) => {
    const fields: Partial<UserValueRow> = { type: address.type ?? null, primary: address.primary === true };
    for (const field of ADDRESS_FIELDS) {
      checkLength('value', field, address[field], `addresses.${field}`);
      fields[field] = address[field] ?? null;
    }
    checkLength('value', 'type', address.type, 'addresses.type');
    values.push(row('addresses', position, fields));
  });
  return { userName: input.userName, attributes, values, role: input.userType, active: input.active };
}

function row(attribute: UserValueRow['attribute'], position: number, fields: Partial<UserValueRow>): UserValueRow {
  return {
    attribute,
    position,
    value: null,
    display: null,
    type: null,
    primary: false,
    formatted: null,
    streetAddress: null,
    locality: null,
    region: null,
    postalCode: null,
    country: null,
    ...fields,
  };
}

/** A stored user in the SCIM shape (what PATCH applies to and what is rendered). */
export function toScimUser({ user, roleName, values }: StoredUser): ScimUserInput {
  const out: ScimUserInput = { userName: user.userName };
  const set = <T extends object>(target: T, key: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined && value !== '') (target as Record<string, unknown>)[key] = value;
  };
  set(out, 'externalId', user.externalId);
  const name = {};
  set(name, 'formatted', user.nameFormatted);
  set(name, 'familyName', user.nameFamilyName);
  set(name, 'givenName', user.nameGivenName);
  set(name, 'middleName', user.nameMiddleName);
  set(name, 'honorificPrefix', user.nameHonorificPrefix);
  set(name, 'honorificSuffix', user.nameHonorificSuffix);
  if (Object.keys(name).length) out.name = name;
  set(out, 'displayName', user.displayName);
  set(out, 'nickName', user.nickName);
  set(out, 'profileUrl', user.profileUrl);
  set(out, 'title', user.title);
  out.userType = roleName;
  set(out, 'preferredLanguage', user.preferredLanguage);
  set(out, 'locale', user.locale);
  set(out, 'timezone', user.timezone);
  out.active = user.active;
  for (const attribute of MULTI_VALUED) {
    const elements = values.filter((v) => v.attribute === attribute);
    if (!elements.length) continue;
    out[attribute] = elements.map((v) => {
      const element: ScimMultiValue = { value: v.value ?? '' };
      set(element, 'display', v.display);
      set(element, 'type', v.type);
      if (v.primary) element.primary = true;
      return element;
    });
  }
  const addresses = values.filter((v) => v.attribute === 'addresses');
  if (addresses.length) {
    out.addresses = addresses.map((v) => {
      const address: ScimAddress = {};
      for (const field of ADDRESS_FIELDS) set(address, field, v[field]);
      set(address, 'type', v.type);
      if (v.primary) address.primary = true;
      return address;
    });
  }
  const enterprise: ScimEnterpriseUser = {};
  set(enterprise, 'employeeNumber', user.employeeNumber);
  set(enterprise, 'costCenter', user.costCenter);
  set(enterprise, 'organization', user.organizationName);
  set(enterprise, 'division', user.division);
  set(enterprise, 'department', user.department);
  if (user.managerValue) {
    enterprise.manager = { value: user.managerValue };
    set(enterprise.manager, 'displayName', user.managerDisplayName);
  }
  if (Object.keys(enterprise).length) out[ENT] = enterprise;
  return out;
}
