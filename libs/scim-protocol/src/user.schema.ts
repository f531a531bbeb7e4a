/*
 * The one table of attribute definitions. Filter validation, SQL translation,
 * input parsing, PATCH, projection and the /Schemas documents all read it, so
 * what discovery advertises is exactly what the rest of the library does.
 *
 * Values follow RFC 7643 §4.1, §4.3, §8.7.1 and §8.7.2, with these deliberate
 * differences (each visible in the published schema):
 * - userName: required, uniqueness "server", caseExact false (as the RFC), but
 *   returned "always": Okta and Entra match users on it, so it survives
 *   `attributes=` projections; mutability "immutable", because a change is refused.
 * - x509Certificates.value: caseExact true, because RFC 7643 §2.3.6 says binary
 *   values are case exact (the §8.7.1 listing says false; base64 is case
 *   significant).
 * - addresses.primary is listed (RFC 7643 §4.1.2 names it; §8.7.1 forgot it).
 * - manager.displayName is readWrite: we keep what the client sends, because
 *   the manager may not be provisioned here for us to look it up.
 * - manager.$ref is readOnly: it is not kept, for the same reason.
 */

import type { TextKind } from './text';

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
  /** Longest accepted string value, in characters (not published). */
  readonly maxLength: number;
  /** What a string value may hold (text.ts; not published); `line` when absent. */
  readonly text?: TextKind;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

/** Longest string accepted for an attribute value; the app sizes its columns from it. */
export const MAX_STRING_LENGTH = 1024;
/** A base64 DER certificate is 1-3 KB; give binary values room. */
export const MAX_BINARY_LENGTH = 8192;
/** Most elements accepted in one multi-valued attribute. */
export const MAX_MULTI_VALUED_ELEMENTS = 100;
/**
 * Most operations in one PATCH (Users and Groups). Okta sends one, Entra one per changed attribute;
 * each operation is read and applied on the event loop, so a body of 1 MiB of them (~18,000) held it
 * for a third of a second. AWS IAM Identity Center takes 100 membership changes a request.
 */
export const MAX_PATCH_OPERATIONS = 100;

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttributeType, description: string, options: Options = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    maxLength: type === 'binary' ? MAX_BINARY_LENGTH : MAX_STRING_LENGTH,
    ...options,
  };
}

function str(name: string, description: string, options: Options = {}): AttributeDefinition {
  return attr(name, 'string', description, options);
}

function complex(
  name: string,
  description: string,
  subAttributes: AttributeDefinition[],
  options: Options = {},
): AttributeDefinition {
  return attr(name, 'complex', description, { subAttributes, ...options });
}

const primary = (what: string) => attr('primary', 'boolean', `Whether this is the preferred ${what}; true appears at most once.`);

/** The value/display/type/primary shape shared by emails, phoneNumbers, ims, photos, entitlements, roles. */
function multiValued(
  name: string,
  description: string,
  what: string,
  canonicalTypes: string[] | undefined,
  value: AttributeDefinition = str('value', `The ${what}.`),
): AttributeDefinition {
  return complex(
    name,
    description,
    [
      value,
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', "A label indicating the attribute's function.", canonicalTypes ? { canonicalValues: canonicalTypes } : {}),
      primary(what),
    ],
    { multiValued: true },
  );
}

/** id, externalId and meta: the common attributes of every resource (RFC 7643 §3.1). */
function commonAttributes(resource: string): AttributeDefinition[] {
  return [
    str('id', `Unique identifier for the ${resource}, assigned by the service provider.`, {
      caseExact: true,
      mutability: 'readOnly',
      returned: 'always',
      uniqueness: 'server',
    }),
    str('externalId', `Identifier of the ${resource} in the provisioning client.`, { caseExact: true }),
    complex(
      'meta',
      'Resource metadata.',
      [
        str('resourceType', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
        attr('created', 'dateTime', 'When the resource was added to the service provider.', { mutability: 'readOnly' }),
        attr('lastModified', 'dateTime', 'When the resource was last updated.', { mutability: 'readOnly' }),
        attr('location', 'reference', 'The URI of the resource.', {
          caseExact: true,
          mutability: 'readOnly',
          referenceTypes: ['uri'],
        }),
        str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
      ],
      { mutability: 'readOnly' },
    ),
  ];
}

export const CORE_USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...commonAttributes('User'),
  // immutable: set on create, never changed (a PUT or PATCH that changes it is 400 mutability).
  str('userName', 'Unique identifier for the User, used to authenticate; here the email address.', {
    required: true,
    mutability: 'immutable',
    returned: 'always',
    uniqueness: 'server',
    text: 'identifier',
  }),
  complex('name', "The components of the user's real name.", [
    str('formatted', 'The full name, formatted for display.'),
    str('familyName', 'The family name of the User.'),
    str('givenName', 'The given name of the User.'),
    str('middleName', 'The middle name(s) of the User.'),
    str('honorificPrefix', 'The honorific prefix(es) of the User.'),
    str('honorificSuffix', 'The honorific suffix(es) of the User.'),
  ]),
  str('displayName', 'The name of the User, suitable for display to end-users.'),
  str('nickName', 'The casual way to address the user in real life.'),
  attr('profileUrl', 'reference', "A URL pointing to the User's online profile.", { referenceTypes: ['external'] }),
  str('title', "The user's title, such as 'Vice President'."),
  str('userType', 'The relationship between the organization and the user; here the Torii role name.'),
  str('preferredLanguage', "The User's preferred written or spoken language, e.g. 'en-US'."),
  str('locale', "The User's default location for localisation, e.g. 'en-US'."),
  str('timezone', "The User's time zone in IANA format, e.g. 'America/Los_Angeles'."),
  attr('active', 'boolean', "The User's administrative status."),
  str('password', "The User's cleartext password; accepted and discarded, never stored or returned.", {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValued(
    'emails',
    'Email addresses for the user.',
    'email address',
    ['work', 'home', 'other'],
    str('value', 'The email address.', { text: 'identifier' }),
  ),
  multiValued('phoneNumbers', 'Phone numbers for the User.', 'phone number', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multiValued('ims', 'Instant messaging addresses for the User.', 'messaging address', [
    'aim',
    'gtalk',
    'icq',
    'xmpp',
    'msn',
    'skype',
    'qq',
    'yahoo',
  ]),
  multiValued(
    'photos',
    'URLs of photos of the User.',
    'photo',
    ['photo', 'thumbnail'],
    attr('value', 'reference', 'URL of a photo of the User.', { referenceTypes: ['external'] }),
  ),
  complex(
    'addresses',
    'Physical mailing addresses for this User.',
    [
      // The one multi-line attribute: a postal address on several lines.
      str('formatted', 'The full mailing address, formatted for display.', { text: 'multiLine' }),
      str('streetAddress', 'The full street address component.'),
      str('locality', 'The city or locality component.'),
      str('region', 'The state or region component.'),
      str('postalCode', 'The zip code or postal code component.'),
      str('country', 'The country name component.'),
      str('type', "A label indicating the attribute's function.", { canonicalValues: ['work', 'home', 'other'] }),
      primary('address'),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    "Groups the user belongs to; read-only: membership is changed through the Group resource's members.",
    [
      str('value', "The identifier of the User's group.", { mutability: 'readOnly' }),
      attr('$ref', 'reference', "The URI of the corresponding 'Group' resource.", {
        mutability: 'readOnly',
        referenceTypes: ['User', 'Group'],
      }),
      str('display', 'A human-readable name for the group.', { mutability: 'readOnly' }),
      str('type', "A label indicating the membership's function.", {
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
      }),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
  multiValued('entitlements', 'Entitlements for the User.', 'entitlement', undefined),
  multiValued('roles', 'Roles for the User.', 'role', undefined),
  multiValued(
    'x509Certificates',
    'Certificates issued to the User.',
    'certificate',
    undefined,
    attr('value', 'binary', 'The value of an X.509 certificate (base64).', { caseExact: true }),
  ),
];

export const ENTERPRISE_USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization.'),
  str('costCenter', 'Identifies the name of a cost center.'),
  str('organization', 'Identifies the name of an organization.'),
  str('division', 'Identifies the name of a division.'),
  str('department', 'Identifies the name of a department.'),
  complex('manager', "The User's manager.", [
    str('value', 'The id of the SCIM resource representing the manager.'),
    // Not kept (the manager may live in another system), so not writable: what we advertise, we store.
    attr('$ref', 'reference', 'The URI of the SCIM resource representing the manager (not kept by this server).', {
      referenceTypes: ['User'],
      mutability: 'readOnly',
    }),
    str('displayName', 'The displayName of the manager.'),
  ]),
];

export const USER_SCHEMAS: readonly SchemaDefinition[] = [
  { id: CORE_USER_SCHEMA, name: 'User', description: 'User Account', attributes: CORE_USER_ATTRIBUTES },
  {
    id: ENTERPRISE_USER_SCHEMA,
    name: 'EnterpriseUser',
    description: 'Enterprise User',
    attributes: ENTERPRISE_USER_ATTRIBUTES,
  },
];

/**
 * RFC 7643 §4.2 / §8.7.1, with these choices: displayName is required and unique per organization,
 * case-insensitively (Okta and Entra find a group by it before creating one); members are Users only
 * (`type` "User"), `display` is read-only (the member's own displayName or userName, never stored).
 */
export const CORE_GROUP_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...commonAttributes('Group'),
  str('displayName', 'A human-readable name for the Group; unique in the organization, case-insensitively.', {
    required: true,
    uniqueness: 'server',
    text: 'identifier',
  }),
  complex(
    'members',
    'The members of the Group: Users of the organization.',
    [
      str('value', 'The id of a User of the organization.', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'reference', 'The URI of the member User.', { mutability: 'readOnly', referenceTypes: ['User'] }),
      str('display', "The member's displayName (its userName without one).", { mutability: 'readOnly' }),
      str('type', 'The type of the member: User.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
    { multiValued: true },
  ),
];

export const GROUP_SCHEMAS: readonly SchemaDefinition[] = [
  { id: CORE_GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: CORE_GROUP_ATTRIBUTES },
];

/** Whether a schema is the core schema of a resource type (whose attributes are named without their URN). */
export function isCoreSchema(urn: string): boolean {
  return urn === CORE_USER_SCHEMA || urn === CORE_GROUP_SCHEMA;
}

/** Every schema this library knows, for lookups by URN. */
const ALL_SCHEMAS: readonly SchemaDefinition[] = [...USER_SCHEMAS, ...GROUP_SCHEMAS];

/** An attribute of one of the User schemas, with its canonical (schema-cased) names. */
export interface AttributePath {
  /** URN of the schema the attribute belongs to (core or enterprise). */
  readonly schema: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export interface ResolvedAttribute {
  readonly path: AttributePath;
  readonly definition: AttributeDefinition;
  readonly subDefinition?: AttributeDefinition;
}

export function findSchema(urn: string): SchemaDefinition | undefined {
  const wanted = urn.toLowerCase();
  return ALL_SCHEMAS.find((s) => s.id.toLowerCase() === wanted);
}

/** Each attribute list's definitions by lower-cased name, built on the first lookup (the schemas do not change). */
const byLowerName = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

/** The attribute of `list` named `name`, case-insensitively (a lookup per name in a filter, sort or projection). */
export function findAttribute(list: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  if (!list) return undefined;
  let index = byLowerName.get(list);
  if (!index) {
    index = new Map();
    for (const a of list) {
      const lower = a.name.toLowerCase();
      if (!index.has(lower)) index.set(lower, a);
    }
    byLowerName.set(list, index);
  }
  return index.get(name.toLowerCase());
}

export type AttributeLookup =
  | { kind: 'attribute'; resolved: ResolvedAttribute }
  /** The text names a whole schema, e.g. the enterprise extension URN. */
  | { kind: 'schema'; schema: SchemaDefinition }
  /** A URN of a schema we do not implement (e.g. a custom Entra extension). */
  | { kind: 'unknownSchema'; urn: string }
  | { kind: 'unknownAttribute'; reason: string };

/**
 * Resolves `userName`, `name.givenName`, `urn:...:core:2.0:User:userName`,
 * `urn:...:enterprise:2.0:User:manager.value`, case-insensitively, in the schemas of one resource
 * type (USER_SCHEMAS unless told: GROUP_SCHEMAS for Groups).
 * Unqualified names are looked up in the core schema first, then in the
 * extensions (their names do not collide).
 */
export function lookupAttribute(text: string, resourceSchemas: readonly SchemaDefinition[] = USER_SCHEMAS): AttributeLookup {
  let schemas: readonly SchemaDefinition[] = resourceSchemas;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const lower = text.toLowerCase();
    const whole = resourceSchemas.find((s) => s.id.toLowerCase() === lower);
    if (whole) return { kind: 'schema', schema: whole };
    const owner = resourceSchemas.find((s) => lower.startsWith(`${s.id.toLowerCase()}:`));
    if (!owner) {
      const cut = text.lastIndexOf(':');
      return { kind: 'unknownSchema', urn: cut > 0 ? text.slice(0, cut) : text };
    }
    schemas = [owner];
    rest = text.slice(owner.id.length + 1);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    return { kind: 'unknownAttribute', reason: `'${text}' is not an attribute name` };
  }
  const [name, sub] = parts as [string, string | undefined];
  for (const schema of schemas) {
    const definition = findAttribute(schema.attributes, name);
    if (!definition) continue;
    if (sub === undefined) {
      return { kind: 'attribute', resolved: { path: { schema: schema.id, attribute: definition.name }, definition } };
    }
    if (!definition.subAttributes) {
      return {
        kind: 'unknownAttribute',
        reason: `'${definition.name}' has no sub-attributes, so '${text}' does not exist`,
      };
    }
    const subDefinition = findAttribute(definition.subAttributes, sub);
    if (!subDefinition) {
      const known = definition.subAttributes.map((s) => s.name).join(', ');
      return {
        kind: 'unknownAttribute',
        reason: `'${definition.name}' has no sub-attribute '${sub}' (it has ${known})`,
      };
    }
    return {
      kind: 'attribute',
      resolved: {
        path: { schema: schema.id, attribute: definition.name, subAttribute: subDefinition.name },
        definition,
        subDefinition,
      },
    };
  }
  return { kind: 'unknownAttribute', reason: `'${text}' is not an attribute of the ${resourceSchemas[0]!.name} schema` };
}

/** Resolves a sub-attribute name of a complex attribute (inside a value filter). */
export function lookupSubAttribute(parent: ResolvedAttribute, name: string): ResolvedAttribute | undefined {
  const subDefinition = findAttribute(parent.definition.subAttributes, name);
  if (!subDefinition) return undefined;
  return {
    path: { ...parent.path, subAttribute: subDefinition.name },
    definition: parent.definition,
    subDefinition,
  };
}

/** Definition of a path already in canonical form (as produced by the parsers). */
export function definitionOf(path: AttributePath): ResolvedAttribute {
  const schema = findSchema(path.schema);
  const definition = findAttribute(schema?.attributes, path.attribute);
  if (!schema || !definition) throw new Error(`Unknown attribute path ${pathToString(path)}`);
  if (path.subAttribute === undefined) return { path, definition };
  const subDefinition = findAttribute(definition.subAttributes, path.subAttribute);
  if (!subDefinition) throw new Error(`Unknown attribute path ${pathToString(path)}`);
  return { path, definition, subDefinition };
}

/**
 * The canonical text of a path, used as the key of `SqlMapping.columns`:
 * core attributes without their URN (`name.givenName`), extension attributes
 * with it (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`).
 */
export function pathToString(path: AttributePath): string {
  const local = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return isCoreSchema(path.schema) ? local : `${path.schema}:${local}`;
}
