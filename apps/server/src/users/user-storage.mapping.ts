import {
  CORE_USER_ATTRIBUTES,
  ENTERPRISE_USER_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  lookupAttribute,
  MultiValuedSqlMapping,
  pathToString,
  ScimUserInput,
  SqlMapping,
} from '@app/scim-protocol';
import type { DataSource } from 'typeorm';
import {
  AttributeAccessor,
  attributeAccessor,
  checkLength,
  lowerTwin,
  ScimColumn,
  scimColumnsOf,
  sqlColumn,
} from '../common/scim-columns';
import { MULTI_VALUED_ATTRIBUTES, UserAttributeValue } from './user-attribute-value.entity';
import { User } from './user.entity';

/*
 * Where each SCIM User attribute is stored, and the conversions between a SCIM User and the rows
 * of `users` and `user_attribute_values`. Everything here is derived from the entities' own
 * `@ScimAttribute` marks and MULTI_VALUED_ATTRIBUTES, so a new attribute is one decorated column
 * (plus its migration) and nothing else: the filter/sort SQL mapping, the write conversion with its
 * length checks, the rendering and the change detection all pick it up. Only the attributes that
 * carry rules are mapped by hand below: id, userName (an email, unique, immutable), userType (the
 * role, a row of `roles`), active, and meta.
 */

type Json = Record<string, unknown>;

/** The singular attributes a provisioning client may set, each with its accessor in a SCIM User. */
const ATTRIBUTES: ReadonlyArray<{ spec: ScimColumn; access: AttributeAccessor }> = scimColumnsOf(User).map((spec) => {
  // A mark naming an attribute the User schema does not have (or not canonically) fails at start, not at a request.
  const found = lookupAttribute(spec.path);
  if (found.kind !== 'attribute' || pathToString(found.resolved.path) !== spec.path) {
    throw new Error(`User.${spec.property}: "${spec.path}" is not a canonical attribute path of the User schema`);
  }
  // Filters compare a case-insensitive attribute through its lower-cased twin: without one, every row would pay LOWER().
  const def = found.resolved.subDefinition ?? found.resolved.definition;
  if (spec.type === 'string' && !def.caseExact !== Boolean(spec.lowerProperty)) {
    throw new Error(
      `User.${spec.property}: "${spec.path}" is caseExact ${def.caseExact}; mark it caseInsensitive exactly when false`,
    );
  }
  return { spec, access: attributeAccessor(spec.path) };
});

/** Sub-attribute columns of the value rows (`value`, `display`, `type`, `primary`, the address parts). */
const SUB_ATTRIBUTES = scimColumnsOf(UserAttributeValue);

/** Entity properties of the singular attributes (what a write may change), e.g. `nameGivenName`. */
export const USER_ATTRIBUTE_PROPERTIES: readonly string[] = ATTRIBUTES.map((a) => a.spec.property);

/** The SCIM path of each singular attribute's property (`nameGivenName` → `name.givenName`), for the audit log. */
export const USER_ATTRIBUTE_PATHS: ReadonlyMap<string, string> = new Map(ATTRIBUTES.map((a) => [a.spec.property, a.spec.path]));

/** The lower-cased twin of each case-insensitive singular attribute's property (`nameGivenName` → `nameGivenNameLower`). */
export const USER_LOWER_TWINS: ReadonlyMap<string, string> = new Map(
  ATTRIBUTES.filter((a) => a.spec.lowerProperty).map((a) => [a.spec.property, a.spec.lowerProperty!]),
);

/**
 * Properties stored for filters only (the lower-cased twins of users and value rows, userName's
 * unique key aside): written with their attribute, never read back with a user.
 */
export const FILTER_ONLY_PROPERTIES: ReadonlySet<string> = new Set([
  ...USER_LOWER_TWINS.values(),
  ...SUB_ATTRIBUTES.flatMap((s) => (s.lowerProperty ? [s.lowerProperty] : [])),
]);

/** A user without any singular attribute (an organization's first Admin). */
export const NO_ATTRIBUTES: UserAttributes = Object.fromEntries(
  [...USER_ATTRIBUTE_PROPERTIES, ...USER_LOWER_TWINS.values()].map((property) => [property, null]),
);

/** Singular attribute values (and their lower-cased twins) by entity property. */
export type UserAttributes = Record<string, string | null>;

/** A value row as a write wants it (the owner fills ids; toUserWrite also sets the lower-cased twins). */
export type UserValueRow = Omit<UserAttributeValue, 'id' | 'userId' | 'user' | 'organizationId' | 'valueLower'>;

/**
 * A user as a client wants it stored (a SCIM POST/PUT, or the result of a PATCH). `role` and
 * `active` undefined mean: the default on create, unchanged on update.
 */
export interface UserWrite {
  userName: string;
  attributes: UserAttributes;
  values: UserValueRow[];
  role?: string;
  active?: boolean;
}

/** A group a user is a direct member of, as the User's read-only `groups` shows it. */
export interface MemberOf {
  id: number;
  displayName: string;
}

/**
 * A user's rows: the user, its role's name, its value rows in (attribute, position) order, and its groups
 * in id order when the read brought them (a stored read on SQLite); otherwise whoever shows them reads them.
 */
export interface UserRow {
  user: User;
  roleName: string;
  values: UserAttributeValue[];
  groups?: MemberOf[];
}

/** The SQL expression of a user's role name (userType), as a scalar subquery (see UsersRepository.findRow). */
export const ROLE_NAME_SQL = '(SELECT r.name FROM roles r WHERE r.id = u.role_id)';

/**
 * Where each SCIM attribute lives, for the filter and sort translators (`users u`, value rows `v`),
 * with the column names and quoting of the connected database.
 */
export function userSqlMapping(dataSource: DataSource): SqlMapping {
  const name = (entity: typeof User | typeof UserAttributeValue) => {
    const metadata = dataSource.getMetadata(entity);
    return (property: string) => dataSource.driver.escape(metadata.findColumnWithPropertyName(property)!.databaseName);
  };
  const userColumn = name(User);
  const valueColumn = name(UserAttributeValue);
  const id = `u.${userColumn('id')}`;
  const columns: SqlMapping['columns'] = {
    userName: { column: `u.${userColumn('userName')}`, lowerColumn: `u.${userColumn('userNameLower')}` },
    userType: { column: ROLE_NAME_SQL, lowerColumn: '(SELECT r.name_lower FROM roles r WHERE r.id = u.role_id)' },
    active: `u.${userColumn('active')}`,
    'meta.created': `u.${userColumn('createdAt')}`,
    'meta.lastModified': `u.${userColumn('updatedAt')}`,
  };
  for (const { spec } of ATTRIBUTES) (columns as Record<string, unknown>)[spec.path] = sqlColumn('u', spec, userColumn);
  // Bare column names: the translator qualifies them with the alias of each subquery.
  const subAttributes = Object.fromEntries(SUB_ATTRIBUTES.map((spec) => [spec.path, sqlColumn(null, spec, valueColumn)]));
  return {
    id,
    columns,
    constants: { 'meta.resourceType': 'User' },
    multiValued: [
      {
        table: dataSource.getMetadata(UserAttributeValue).tableName,
        alias: 'v',
        // The column equal to the user's id makes a filter `u.id IN (SELECT user_id …)` (see SqlMapping).
        correlation: { [valueColumn('userId')]: id, [valueColumn('organizationId')]: `u.${userColumn('organizationId')}` },
        discriminator: valueColumn('attribute'),
        attributes: Object.fromEntries(MULTI_VALUED_ATTRIBUTES.map((a) => [a, a])),
        subAttributes,
        primaryColumn: valueColumn('primary'),
        positionColumn: valueColumn('position'),
      },
      // `groups` (read-only, from the Groups' members): `groups.value eq "<group id>"`.
      {
        table: 'group_members',
        alias: 'g',
        correlation: { user_id: id },
        attributes: { groups: 'groups' },
        subAttributes: { value: { column: 'group_id', numericId: true } },
      },
    ],
  };
}

/**
 * The mapping for filters of one organization's users: value rows are selected by organization id
 * (a parameter), so that `emails.value eq` runs as `u.id IN (SELECT user_id ... WHERE
 * organization_id = ? AND attribute = ? AND value_lower = ?)` on the (organization, attribute,
 * value_lower) index.
 */
export function scopedToOrganization(mapping: SqlMapping, organizationId: number): SqlMapping {
  const [values, ...others] = mapping.multiValued as readonly MultiValuedSqlMapping[];
  const [userId, organization] = Object.keys(values.correlation);
  return {
    ...mapping,
    multiValued: [{ ...values, correlation: { [userId]: mapping.id }, scope: { [organization]: organizationId } }, ...others],
  };
}

/** A validated SCIM User (parseUserInput / applyUserPatch) as the users module stores it. */
export function toUserWrite(input: ScimUserInput): UserWrite {
  const resource = input as unknown as Json;
  const attributes: UserAttributes = {};
  for (const { spec, access } of ATTRIBUTES) {
    const value = access.get(resource) ?? null;
    checkLength(spec, value, spec.path);
    attributes[spec.property] = value as string | null;
    if (spec.lowerProperty) attributes[spec.lowerProperty] = lowerTwin(value as string | null, spec.lowerMaxLength);
  }
  const values: UserValueRow[] = [];
  for (const attribute of MULTI_VALUED_ATTRIBUTES) {
    const elements = (resource[attribute] ?? []) as Json[];
    elements.forEach((element, position) => {
      const row = { attribute, position } as Record<string, unknown>;
      for (const spec of SUB_ATTRIBUTES) {
        const value = element[spec.path];
        if (spec.type === 'boolean') row[spec.property] = value === true;
        else {
          checkLength(spec, value, `${attribute}.${spec.path}`);
          row[spec.property] = value ?? null;
          if (spec.lowerProperty) row[spec.lowerProperty] = lowerTwin(value as string | undefined, spec.lowerMaxLength);
        }
      }
      values.push(row as UserValueRow);
    });
  }
  return { userName: input.userName, attributes, values, role: input.userType, active: input.active };
}

/**
 * Sets a user's singular attributes (and their lower-cased twins) to `attributes`, adding each changed
 * property to `properties`; returns the attributes as they were, for the audit log's changes.
 */
export function assignAttributes(user: User, attributes: UserAttributes, properties: Array<keyof User>): UserAttributes {
  const columns = user as unknown as Record<string, string | null>;
  const before: UserAttributes = {};
  for (const property of USER_ATTRIBUTE_PROPERTIES) {
    before[property] = columns[property];
    if (columns[property] !== attributes[property]) {
      columns[property] = attributes[property];
      properties.push(property as keyof User);
      const twin = USER_LOWER_TWINS.get(property);
      if (twin) {
        columns[twin] = attributes[twin];
        properties.push(twin as keyof User);
      }
    }
  }
  return before;
}

/** Writes one part of a stored user into a SCIM User under construction. */
type RenderStep = (out: Json, row: UserRow, elements: Json[][]) => void;

const present = (value: unknown) => value !== null && value !== undefined && value !== '';

/** Index of each multi-valued attribute in MULTI_VALUED_ATTRIBUTES, for grouping value rows in one pass. */
const MULTI_VALUED_INDEX = new Map<string, number>(MULTI_VALUED_ATTRIBUTES.map((a, i) => [a, i]));

/** Per multi-valued attribute, its stored sub-attribute columns in schema order. */
const ELEMENT_FIELDS: ReadonlyArray<readonly ScimColumn[]> = MULTI_VALUED_ATTRIBUTES.map((attribute) => {
  const subOrder = (CORE_USER_ATTRIBUTES.find((d) => d.name === attribute)?.subAttributes ?? []).map((s) => s.name);
  return SUB_ATTRIBUTES.filter((s) => subOrder.includes(s.path)).sort(
    (a, b) => subOrder.indexOf(a.path) - subOrder.indexOf(b.path),
  );
});

/** The steps of toScimUser, userName first and then in schema order (so equal users render as equal JSON), built once. */
const RENDER: readonly RenderStep[] = (() => {
  const steps: RenderStep[] = [(out, { user }) => (out.userName = user.userName)];
  const singular = (schema: string | null, attribute: string, subOrder: readonly string[] = []): void => {
    const stored = ATTRIBUTES.filter((a) => a.access.schema === schema && a.access.attribute === attribute);
    stored.sort((a, b) => subOrder.indexOf(a.access.subAttribute ?? '') - subOrder.indexOf(b.access.subAttribute ?? ''));
    for (const { spec, access } of stored) {
      const property = spec.property as keyof User;
      steps.push((out, { user }) => {
        const value = user[property];
        if (present(value)) access.set(out, value);
      });
    }
    // A complex attribute with a `value` (manager) carries nothing without it, as when it is read.
    if (subOrder.includes('value') && stored.length) {
      steps.push((out) => {
        const container = schema === null ? out : (out[schema] as Json | undefined);
        if (!container || (container[attribute] as Json | undefined)?.value !== undefined) return;
        delete container[attribute];
        if (schema !== null && Object.keys(container).length === 0) delete out[schema];
      });
    }
  };
  for (const def of CORE_USER_ATTRIBUTES) {
    const index = MULTI_VALUED_INDEX.get(def.name);
    if (def.name === 'userName') continue;
    if (def.name === 'userType') steps.push((out, { roleName }) => (out.userType = roleName));
    else if (def.name === 'active') steps.push((out, { user }) => (out.active = user.active));
    else if (index !== undefined) {
      steps.push((out, _row, elements) => {
        if (elements[index].length) out[def.name] = elements[index];
      });
    } else
      singular(
        null,
        def.name,
        (def.subAttributes ?? []).map((s) => s.name),
      );
  }
  for (const def of ENTERPRISE_USER_ATTRIBUTES) {
    singular(
      ENTERPRISE_USER_SCHEMA,
      def.name,
      (def.subAttributes ?? []).map((s) => s.name),
    );
  }
  return steps;
})();

/** The value rows as SCIM elements, grouped by attribute (MULTI_VALUED_ATTRIBUTES order), in one pass. */
function elementsOf(values: readonly UserAttributeValue[]): Json[][] {
  const elements: Json[][] = MULTI_VALUED_ATTRIBUTES.map(() => []);
  for (const v of values) {
    const index = MULTI_VALUED_INDEX.get(v.attribute);
    if (index === undefined) continue;
    const element: Json = {};
    for (const spec of ELEMENT_FIELDS[index]) {
      const value = v[spec.property as keyof UserAttributeValue];
      if (spec.type === 'boolean' ? value === true : present(value)) element[spec.path] = value;
    }
    elements[index].push(element);
  }
  return elements;
}

/** A stored user in the SCIM shape: what PATCH applies to and what is rendered. */
export function toScimUser(row: UserRow): ScimUserInput {
  const out: Json = {};
  const elements = elementsOf(row.values);
  for (const step of RENDER) step(out, row, elements);
  return out as unknown as ScimUserInput;
}

/** Whether two lists of value rows hold the same elements (then a write leaves them alone). */
export function sameValues(a: readonly UserValueRow[], b: readonly UserValueRow[]): boolean {
  if (a.length !== b.length) return false;
  const key = (v: UserValueRow) => `${v.attribute}\u0000${v.position}`;
  const sorted = (list: readonly UserValueRow[]) => [...list].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const [x, y] = [sorted(a), sorted(b)];
  return x.every((v, i) => VALUE_FIELDS.every((f) => (v[f] ?? null) === (y[i][f] ?? null)));
}

const VALUE_FIELDS = ['attribute', 'position', ...SUB_ATTRIBUTES.map((s) => s.property)] as Array<keyof UserValueRow>;
