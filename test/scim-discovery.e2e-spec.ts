import {
  CORE_USER,
  createUser,
  ENTERPRISE_USER,
  expectScimError,
  filterQuery,
  LIST_RESPONSE,
  SCIM,
  SCIM_CONTENT_TYPE,
  scimOrganization,
  ScimOrganization,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

interface AttributeDoc {
  name: string;
  type: string;
  multiValued: boolean;
  mutability: string;
  returned: string;
  caseExact?: boolean;
  subAttributes?: AttributeDoc[];
}

/** A value of the advertised type for an attribute; strings differ by attribute and carry upper case. */
function sampleValue(a: AttributeDoc, owner: string): unknown {
  switch (a.type) {
    case 'boolean':
      return a.name === 'primary' ? true : false;
    case 'reference':
      return `https://example.test/${owner}/${a.name}`;
    case 'binary':
      return 'TUlJQ2VydA==';
    case 'string':
      return owner === 'userType' ? 'Employee' : `Val-${owner}-${a.name}`;
    default:
      throw new Error(`no sample for ${a.type}`);
  }
}

const writable = (a: AttributeDoc) => a.mutability === 'readWrite' || a.mutability === 'immutable';

const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('SCIM: discovery documents are accurate', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t.close();
  });

  it('should describe what the server supports in /ServiceProviderConfig', async () => {
    const response = await o.scim.get('/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: 100,
        maxPageSize: 200,
        cursorTimeout: 3600,
      },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true })],
      meta: { resourceType: 'ServiceProviderConfig', location: `${t.config.appUrl}${SCIM}/ServiceProviderConfig` },
    });
  });

  it('should list the User resource type with the enterprise extension, and Group, and refuse others with 404', async () => {
    const list = await o.scim.get('/ResourceTypes');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    expect(list.body.Resources[1]).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: CORE_GROUP });
    const one = await o.scim.get('/ResourceTypes/User');
    expect(one.body).toEqual(list.body.Resources[0]);
    expect(one.body).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: CORE_USER,
      schemaExtensions: [{ schema: ENTERPRISE_USER, required: false }],
      meta: { location: `${t.config.appUrl}${SCIM}/ResourceTypes/User` },
    });
    expect((await o.scim.get('/resourcetypes/user')).body).toEqual(one.body);
    expect((await o.scim.get('/ResourceTypes/group')).body).toEqual(list.body.Resources[1]);
    expect(expectScimError(await o.scim.get('/ResourceTypes/Device'), 404).detail).toMatch(/Users and Groups/);
  });

  it('should serve the core and enterprise User schemas and the Group schema, each also by URN, and 404 an unknown URN', async () => {
    const list = await o.scim.get('/Schemas');
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(3);
    expect(list.body.Resources.map((s: { id: string }) => s.id)).toEqual([CORE_USER, ENTERPRISE_USER, CORE_GROUP]);
    for (const schema of list.body.Resources) {
      const one = await o.scim.get(`/Schemas/${schema.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(schema);
      expect(schema.meta.location).toBe(`${t.config.appUrl}${SCIM}/Schemas/${schema.id}`);
    }
    expectScimError(await o.scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:Device'), 404);
    expectScimError(await o.scim.get('/Schemas/nonsense'), 404);
  });

  it.each([
    ['POST', '/Bulk'],
    ['GET', '/Me'],
    ['PUT', '/Me'],
    ['GET', '/Users/1/extra'],
    ['GET', '/Nothing'],
  ])('should refuse %s %s, which discovery does not advertise, with a SCIM 404', async (method, path) => {
    const call = { GET: o.scim.get, POST: o.scim.post, PATCH: o.scim.patch, PUT: o.scim.put }[method]!;
    const response = await call(path, method === 'GET' ? {} : { body: { schemas: [CORE_USER] } });
    expectScimError(response, 404);
  });

  it.each([
    ['DELETE', '/Users', 'GET, POST'],
    ['PUT', '/groups', 'GET, POST'],
    ['POST', '/Users/1', 'GET, PUT, PATCH, DELETE'],
    ['DELETE', '/ServiceProviderConfig', 'GET'],
    ['POST', '/Schemas', 'GET'],
  ])('should answer %s %s with 405, an Allow header and a sentence', async (method, path, allow) => {
    const call = { GET: o.scim.get, POST: o.scim.post, PUT: o.scim.put, DELETE: o.scim.delete }[method]!;
    const response = await call(`${path}?secret=hunter2`, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
    const error = expectScimError(response, 405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(error.detail).toBe(`${method} is not allowed on ${SCIM}${path}; it takes ${allow}.`);
  });

  describe('search at the base (RFC 7644 §3.4.3, Users and Groups together): not implemented', () => {
    const ROOT_SEARCH = /^This server does not search across resource types at the base path; search \/Users or \/Groups instead/;

    it.each([
      ['GET', ''],
      ['GET', '/'],
      ['GET', `?filter=${encodeURIComponent('userName eq "root@x.test"')}`],
      ['POST', '/.search'],
      ['POST', '/.Search'],
    ])('should answer %s /v1.0/scim/v2%s with a SCIM 501 that says where to search', async (method, path) => {
      const response =
        method === 'GET'
          ? await o.scim.get(path)
          : await o.scim.post(path, { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 1 } });
      const error = expectScimError(response, 501);
      expect(error.detail).toMatch(ROOT_SEARCH);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('should authenticate first: 401 without a key, 403 with a Torii API key', async () => {
      for (const [method, path] of [
        ['GET', SCIM],
        ['GET', `${SCIM}/`],
        ['POST', `${SCIM}/.search`],
      ]) {
        const body = method === 'POST' ? { body: '{}' } : {};
        const anonymous = await fetch(`${t.url}${path}`, {
          method,
          headers: { 'content-type': 'application/scim+json' },
          ...body,
        });
        expect([method, path, anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([
          method,
          path,
          401,
          'Bearer realm="Torii SCIM"',
        ]);
        const withApiKey = await fetch(`${t.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${o.org.apiKey.key}`, 'content-type': 'application/scim+json' },
          ...body,
        });
        expect([method, path, withApiKey.status]).toEqual([method, path, 403]);
      }
    });

    it.each([
      ['PUT', '', 'GET'],
      ['DELETE', '/', 'GET'],
      ['POST', '', 'GET'],
      ['GET', '/.search', 'POST'],
    ])('should answer %s /v1.0/scim/v2%s with 405 and Allow: %s', async (method, path, allow) => {
      const call = { GET: o.scim.get, POST: o.scim.post, PUT: o.scim.put, DELETE: o.scim.delete }[method]!;
      const response = await call(path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      const error = expectScimError(response, 405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(error.detail).toBe(`${method} is not allowed on ${SCIM}${path}; it takes ${allow}.`);
    });
  });

  it('should answer an unknown path with a 404 sentence that never echoes the query string', async () => {
    const response = await o.scim.get('/Nothing/here?filter=userName%20eq%20%22secret%40x.test%22');
    const error = expectScimError(response, 404);
    expect(error.detail).toMatch(/^There is no \/v1\.0\/scim\/v2\/Nothing\/here in this SCIM API; its endpoints are/);
    expect(JSON.stringify(response.body)).not.toMatch(/secret|filter|Cannot/);
    const admin = await o.admin.get('/v1.0/nothing?token=secret');
    expect(admin.status).toBe(404);
    expect(admin.body.message).toBe('There is no GET /v1.0/nothing in this API; see /docs for its endpoints.');
  });

  it('should keep, return and filter on every writable attribute the schemas advertise', async () => {
    // The User resource's schemas (Groups have their own suite: scim-groups.e2e-spec.ts).
    const schemas = ((await o.scim.get('/Schemas')).body.Resources as Array<{ id: string; attributes: AttributeDoc[] }>).filter(
      (s) => s.id !== CORE_GROUP,
    );
    const body: Record<string, any> = { schemas: [CORE_USER, ENTERPRISE_USER], userName: 'Every.Attribute@x.test' };
    /** [filter path, value] for each leaf we set. */
    const leaves: Array<[string, unknown, AttributeDoc]> = [];
    for (const schema of schemas) {
      const target: Record<string, unknown> = schema.id === CORE_USER ? body : (body[ENTERPRISE_USER] = {});
      const prefix = schema.id === CORE_USER ? '' : `${schema.id}:`;
      for (const a of schema.attributes) {
        if (!writable(a) || a.name === 'userName') continue;
        if (a.type !== 'complex') {
          target[a.name] = sampleValue(a, a.name);
          leaves.push([`${prefix}${a.name}`, target[a.name], a]);
          continue;
        }
        const element: Record<string, unknown> = {};
        for (const sub of a.subAttributes!.filter(writable)) {
          element[sub.name] = sampleValue(sub, a.name);
          leaves.push([`${prefix}${a.name}.${sub.name}`, element[sub.name], sub]);
        }
        target[a.name] = a.multiValued ? [element] : element;
      }
    }
    expect(leaves.length).toBeGreaterThan(40);

    const created = await o.scim.post('/Users', { body });
    expect(created.status).toBe(201);
    const { id, meta, schemas: returnedSchemas, ...attributes } = created.body;
    expect(returnedSchemas).toEqual([CORE_USER, ENTERPRISE_USER]);
    expect({ ...attributes }).toEqual(Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'schemas')));
    expect(meta.resourceType).toBe('User');
    expect((await o.scim.get(`/Users/${id}`)).body).toEqual(created.body);

    // Each leaf can be filtered on (eq, pr) and sorted by, and finds this user.
    for (const [path, value, a] of leaves) {
      const literal = typeof value === 'string' ? JSON.stringify(value) : String(value);
      const eq = await o.scim.get(`/Users?${filterQuery(`${path} eq ${literal}`)}&attributes=id`);
      // A boolean (emails.primary) is shared with other users: the organization's Admin has a primary email.
      expect({ path, status: eq.status, ids: eq.body.Resources?.map((r: { id: string }) => r.id) }).toEqual({
        path,
        status: 200,
        ids: typeof value === 'boolean' ? expect.arrayContaining([id]) : [id],
      });
      const pr = await o.scim.get(`/Users?${filterQuery(`${path} pr`)}&attributes=id`);
      expect({ path, ids: pr.body.Resources.map((r: { id: string }) => r.id) }).toEqual({
        path,
        ids: expect.arrayContaining([id]),
      });
      if (typeof value === 'string' && a.caseExact === false) {
        const folded = await o.scim.get(`/Users?${filterQuery(`${path} eq ${JSON.stringify(value.toUpperCase())}`)}`);
        expect({ path, total: folded.body.totalResults }).toEqual({ path, total: 1 });
      }
      if (typeof value === 'string' && a.caseExact === true) {
        const other = await o.scim.get(`/Users?${filterQuery(`${path} eq ${JSON.stringify(value.toUpperCase())}`)}`);
        expect({ path, total: other.body.totalResults }).toEqual({ path, total: 0 });
      }
      const sorted = await o.scim.get(`/Users?sortBy=${encodeURIComponent(path)}&attributes=id`);
      expect({ path, status: sorted.status }).toEqual({ path, status: 200 });
    }
  });

  it('should not store or return the read-only attributes it advertises as such', async () => {
    const user = await createUser(o.scim, {
      schemas: [CORE_USER],
      userName: 'readonly@x.test',
      id: '999999',
      meta: { created: '2001-01-01T00:00:00Z', version: 'W/"77"' },
      groups: [{ value: 'g1', display: 'Group 1' }],
      [ENTERPRISE_USER]: { manager: { value: 'm1', $ref: 'https://elsewhere/Users/m1' } },
    });
    expect(user.id).not.toBe('999999');
    expect(user.meta.created).not.toMatch(/^2001/);
    expect(user.meta.version).not.toBe('W/"77"');
    expect(user).not.toHaveProperty('groups');
    const core = (await o.scim.get(`/Schemas/${CORE_USER}`)).body.attributes as AttributeDoc[];
    const enterprise = (await o.scim.get(`/Schemas/${ENTERPRISE_USER}`)).body.attributes as AttributeDoc[];
    expect(core.find((a) => a.name === 'groups')!.mutability).toBe('readOnly');
    const manager = enterprise.find((a) => a.name === 'manager')!;
    const ref = manager.subAttributes!.find((s) => s.name === '$ref');
    // What the server does not keep, it does not advertise as writable.
    expect(user[ENTERPRISE_USER]).toEqual({ manager: { value: 'm1' } });
    expect(ref!.mutability).toBe('readOnly');
  });

  it('should advertise password as writeOnly/never and never return it', async () => {
    const core = (await o.scim.get(`/Schemas/${CORE_USER}`)).body.attributes as AttributeDoc[];
    expect(core.find((a) => a.name === 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    const user = await createUser(o.scim, { schemas: [CORE_USER], userName: 'pw@x.test', password: 'p4ss' });
    expect((await o.scim.get(`/Users/${user.id}?attributes=password`)).body).not.toHaveProperty('password');
    expect((await o.scim.get(`/Users?${filterQuery('password pr')}`)).body.totalResults).toBe(0);
  });

  it('should match resource paths case-insensitively', async () => {
    for (const path of ['/serviceproviderconfig', '/SERVICEPROVIDERCONFIG', '/schemas', '/users?count=1', '/USERS?count=1']) {
      expect({ path, status: (await o.scim.get(path)).status }).toEqual({ path, status: 200 });
    }
  });
});
