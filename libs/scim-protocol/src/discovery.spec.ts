import {
  schemasListResponse,
  schemaDocument,
  resourceTypes,
  resourceTypeDocument,
  serviceProviderConfig,
  listResponse,
} from './discovery';
import { parseFilter } from './filter.parser';
import {
  lookupAttribute,
  CORE_GROUP_SCHEMA as GROUP,
  CORE_USER_SCHEMA as CORE,
  ENTERPRISE_USER_SCHEMA as ENT,
  pathToString,
} from './user.schema';
import { USER_SQL_MAPPING } from './testing/users.sqlite';

const BASE = 'https://scim.example.com/v1.0/scim/v2';

type Attr = { name: string; subAttributes?: Attr[]; [k: string]: unknown };
const attributesOf = (urn: string) => schemaDocument(urn, BASE)!.attributes as Attr[];
const find = (urn: string, name: string) => attributesOf(urn).find((a) => a.name === name)!;

describe('ServiceProviderConfig', () => {
  it('should advertise what the service does', () => {
    expect(serviceProviderConfig({ baseUrl: `${BASE}/`, maxResults: 200 })).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 200 },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: expect.stringContaining('Bearer'),
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
  });

  it('should take maxResults, maxPayloadSize and documentationUri from the options', () => {
    const doc = serviceProviderConfig({ baseUrl: BASE, maxResults: 50, maxPayloadSize: 2048, documentationUri: 'https://d' });
    expect(doc).toMatchObject({ filter: { maxResults: 50 }, bulk: { maxPayloadSize: 2048 }, documentationUri: 'https://d' });
  });

  it('should advertise RFC 9865 cursorTimeout when cursors expire', () => {
    expect(serviceProviderConfig({ baseUrl: BASE, cursorTimeout: 3600 }).pagination).toMatchObject({ cursorTimeout: 3600 });
  });
});

describe('Schemas', () => {
  it('should list the core User schema, the enterprise extension and the Group schema', () => {
    const list = schemasListResponse(BASE);
    expect(list).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      startIndex: 1,
      itemsPerPage: 3,
    });
    expect(list.Resources.map((r) => r.id)).toEqual([CORE, ENT, GROUP]);
    for (const r of list.Resources) {
      expect(r.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(r.meta).toEqual({ resourceType: 'Schema', location: `${BASE}/Schemas/${r.id}` });
    }
  });

  it('should find a schema case-insensitively and nothing else', () => {
    expect(schemaDocument(CORE.toUpperCase(), BASE)?.id).toBe(CORE);
    expect(schemaDocument(GROUP.toLowerCase(), BASE)?.id).toBe(GROUP);
    expect(schemaDocument('urn:ietf:params:scim:schemas:core:2.0:Device', BASE)).toBeUndefined();
  });

  it('should describe the attributes per RFC 7643 with the documented differences', () => {
    expect(find(CORE, 'userName')).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
      returned: 'always',
      // A change is refused (400 mutability): advertised as such, as Okta's and Microsoft's validators check.
      mutability: 'immutable',
    });
    expect(find(CORE, 'id')).toMatchObject({ caseExact: true, mutability: 'readOnly', returned: 'always' });
    expect(find(CORE, 'externalId')).toMatchObject({ caseExact: true, mutability: 'readWrite' });
    expect(find(CORE, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(find(CORE, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(find(CORE, 'active')).toMatchObject({ type: 'boolean' });
    expect(find(CORE, 'active')).not.toHaveProperty('caseExact');
    expect(find(CORE, 'emails').subAttributes!.map((s) => s.name)).toEqual(['value', 'display', 'type', 'primary']);
    expect(find(CORE, 'emails').subAttributes![2]).toMatchObject({ canonicalValues: ['work', 'home', 'other'] });
    expect(find(CORE, 'addresses').subAttributes!.map((s) => s.name)).toEqual([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
    expect(find(CORE, 'name').subAttributes!.map((s) => s.name)).toEqual([
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ]);
    expect(attributesOf(ENT).map((a) => a.name)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    expect(find(ENT, 'manager').subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'displayName']);
  });

  it('should accept in filters every attribute it advertises', () => {
    for (const urn of [CORE, ENT]) {
      for (const a of attributesOf(urn)) {
        expect(() => parseFilter(`${urn}:${a.name} pr`)).not.toThrow();
        for (const s of a.subAttributes ?? []) expect(() => parseFilter(`${urn}:${a.name}.${s.name} pr`)).not.toThrow();
      }
    }
  });

  it('should only map attributes that the schema has (the reference mapping)', () => {
    for (const key of Object.keys(USER_SQL_MAPPING.columns)) {
      const found = lookupAttribute(key);
      expect(found.kind).toBe('attribute');
      if (found.kind === 'attribute') expect(pathToString(found.resolved.path)).toBe(key);
    }
  });
});

describe('ResourceTypes', () => {
  it('should list the User resource type with the optional enterprise extension, and the Group resource type', () => {
    const list = resourceTypes(BASE);
    expect(list).toMatchObject({ totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    expect(list.Resources[0]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: CORE,
      schemaExtensions: [{ schema: ENT, required: false }],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
    expect(resourceTypeDocument('user', BASE)).toEqual(list.Resources[0]);
    expect(list.Resources[1]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/Group` },
    });
    expect(resourceTypeDocument('GROUP', BASE)).toEqual(list.Resources[1]);
    expect(resourceTypeDocument('Device', BASE)).toBeUndefined();
  });

  it('should build list responses with integer counters', () => {
    expect(listResponse([{ a: 1 }], 10, 3)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 10,
      startIndex: 3,
      itemsPerPage: 1,
      Resources: [{ a: 1 }],
    });
  });
});
