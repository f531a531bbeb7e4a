import {
  AttributeDefinition,
  CORE_GROUP_SCHEMA,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  SchemaDefinition,
  GROUP_SCHEMAS,
  USER_SCHEMAS,
  findSchema,
} from './user.schema';

export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

/** A page of RFC 9865 cursor paging: no startIndex; `nextCursor` unless it is the last page. */
export interface CursorListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: T[];
}

export function cursorListResponse<T>(resources: T[], totalResults: number, nextCursor?: string): CursorListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    itemsPerPage: resources.length,
    ...(nextCursor !== undefined ? { nextCursor } : {}),
    Resources: resources,
  };
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex = 1): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

type JsonObject = Record<string, unknown>;

function attributeDocument(a: AttributeDefinition): JsonObject {
  const doc: JsonObject = {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
  };
  if (a.type !== 'complex' && a.type !== 'boolean') doc.caseExact = a.caseExact;
  if (a.canonicalValues) doc.canonicalValues = [...a.canonicalValues];
  if (a.referenceTypes) doc.referenceTypes = [...a.referenceTypes];
  if (a.subAttributes) doc.subAttributes = a.subAttributes.map(attributeDocument);
  doc.mutability = a.mutability;
  doc.returned = a.returned;
  if (a.type !== 'complex' && a.type !== 'boolean') doc.uniqueness = a.uniqueness;
  return doc;
}

function schemaToDocument(schema: SchemaDefinition, baseUrl: string): JsonObject {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${trimBase(baseUrl)}/Schemas/${schema.id}` },
  };
}

/** `GET /Schemas/{urn}`; undefined for an unknown URN (the app answers 404). The URN matches case-insensitively. */
export function schemaDocument(urn: string, baseUrl: string): JsonObject | undefined {
  const schema = findSchema(urn);
  return schema ? schemaToDocument(schema, baseUrl) : undefined;
}

/** `GET /Schemas`. */
export function schemasListResponse(baseUrl: string): ListResponse<JsonObject> {
  const docs = [...USER_SCHEMAS, ...GROUP_SCHEMAS].map((s) => schemaToDocument(s, baseUrl));
  return listResponse(docs, docs.length);
}

/** `GET /ResourceTypes/{User|Group}` (the name matches case-insensitively); undefined for any other name. */
export function resourceTypeDocument(name: string, baseUrl: string): JsonObject | undefined {
  const meta = (id: string) => ({ resourceType: 'ResourceType', location: `${trimBase(baseUrl)}/ResourceTypes/${id}` });
  switch (name.toLowerCase()) {
    case 'user':
      return {
        schemas: [RESOURCE_TYPE_SCHEMA],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: CORE_USER_SCHEMA,
        schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
        meta: meta('User'),
      };
    case 'group':
      return {
        schemas: [RESOURCE_TYPE_SCHEMA],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: CORE_GROUP_SCHEMA,
        schemaExtensions: [],
        meta: meta('Group'),
      };
    default:
      return undefined;
  }
}

/** `GET /ResourceTypes`. */
export function resourceTypes(baseUrl: string): ListResponse<JsonObject> {
  const types = ['User', 'Group'].map((name) => resourceTypeDocument(name, baseUrl) as JsonObject);
  return listResponse(types, types.length);
}

export interface ServiceProviderConfigOptions {
  baseUrl: string;
  /** Largest page a list returns (`count` is capped to it). */
  maxResults?: number;
  /** Largest request body, in bytes. */
  maxPayloadSize?: number;
  /** Page size when a list names no `count`. */
  defaultPageSize?: number;
  /** RFC 9865: seconds a cursor stays valid after the page that gave it; absent: cursors do not expire. */
  cursorTimeout?: number;
  documentationUri?: string;
}

/**
 * `GET /ServiceProviderConfig`. Bulk is not supported, but maxOperations and
 * maxPayloadSize are still present because RFC 7643 §5 marks them REQUIRED
 * and some clients read them without looking at `supported`.
 */
export function serviceProviderConfig(options: ServiceProviderConfigOptions): JsonObject {
  const doc: JsonObject = { schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA] };
  if (options.documentationUri) doc.documentationUri = options.documentationUri;
  Object.assign(doc, {
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: options.maxPayloadSize ?? 1048576 },
    filter: { supported: true, maxResults: options.maxResults ?? 200 },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865: both paging methods; startIndex when a client names neither (what every client sends today).
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: options.defaultPageSize ?? 100,
      maxPageSize: options.maxResults ?? 200,
      ...(options.cursorTimeout !== undefined ? { cursorTimeout: options.cursorTimeout } : {}),
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A Torii SCIM key sent as "Authorization: Bearer <key>".',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${trimBase(options.baseUrl)}/ServiceProviderConfig`,
    },
  });
  return doc;
}
