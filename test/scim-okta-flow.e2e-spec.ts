import { client } from './support/http';
import {
  CORE_USER,
  createUser,
  expectScimError,
  LIST_RESPONSE,
  oktaCreateBody,
  patchBody,
  SCIM,
  SCIM_CONTENT_TYPE,
  scimOrganization,
  ScimOrganization,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Okta's Torii app, request by request, as Okta's SCIM 2.0 connector sends
 * them (Test Connection, import/existence check, create, update, deactivate,
 * reactivate).
 */
describe('SCIM: the Okta flow', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
  });

  beforeEach(async () => {
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer Test Connection (GET /Users?startIndex=1&count=2) with a ListResponse of integers', async () => {
    await createUser(o.scim, oktaCreateBody('first@okta.test'));
    await createUser(o.scim, oktaCreateBody('second@okta.test'));
    const response = await o.scim.get('/Users?startIndex=1&count=2');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
    // The organization's Admin is a user too.
    expect(response.body).toEqual({
      schemas: [LIST_RESPONSE],
      totalResults: 3,
      startIndex: 1,
      itemsPerPage: 2,
      Resources: [expect.objectContaining({ id: expect.any(String) }), expect.objectContaining({ id: expect.any(String) })],
    });
  });

  it('should run the whole flow: check, create, duplicate, read, update, deactivate, find, reactivate', async () => {
    const userName = 'Test.User@Okta.test';
    const existence = (name: string) =>
      o.scim.get(`/Users?filter=userName%20eq%20%22${encodeURIComponent(name)}%22&startIndex=1&count=100`);

    // 1. Existence check before create: an empty ListResponse, never 404.
    const before = await existence(userName);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    // 2. Create, with password, groups: [], externalId, locale.
    const created = await o.scim.post('/Users', { body: oktaCreateBody(userName), contentType: 'application/scim+json' });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
    const id: string = created.body.id;
    expect(id).toMatch(/^\d+$/);
    expect(created.headers.get('location')).toBe(`${t.config.appUrl}${SCIM}/Users/${id}`);
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
    expect(created.body).toEqual({
      schemas: [CORE_USER],
      id,
      externalId: '00uTestUser',
      userName,
      name: { familyName: 'Family Test.User', givenName: 'Given Test.User' },
      displayName: 'Given Test.User Family Test.User',
      userType: 'Employee',
      locale: 'en-US',
      active: true,
      emails: [{ value: userName, type: 'work', primary: true }],
      meta: {
        resourceType: 'User',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${t.config.appUrl}${SCIM}/Users/${id}`,
        version: expect.stringMatching(/^W\/".+"$/),
      },
    });
    expect(created.text).not.toMatch(/password|Sup3r/i);

    // 3. Existence check after create: found, case-insensitively, spaces as + or %20.
    for (const query of [
      `filter=userName+eq+%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`,
      `filter=userName%20eq%20%22${encodeURIComponent(userName.toLowerCase())}%22&startIndex=1&count=100`,
      `filter=USERNAME+EQ+%22${encodeURIComponent(userName.toUpperCase())}%22&startIndex=1&count=100`,
    ]) {
      const found = await o.scim.get(`/Users?${query}`);
      expect(found.status).toBe(200);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    }

    // 4. Create again (any case): 409 uniqueness.
    const duplicate = await o.scim.post('/Users', { body: oktaCreateBody(userName.toLowerCase()) });
    expectScimError(duplicate, 409, 'uniqueness');

    // 5. Read.
    const read = await o.scim.get(`/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get('etag')).toBe(created.body.meta.version);

    // 6. PUT with the full object Okta keeps, id, meta and groups included.
    const put = await o.scim.put(`/Users/${id}`, {
      body: {
        ...read.body,
        name: { givenName: 'Renamed', familyName: 'Person' },
        displayName: 'Renamed Person',
        title: 'Engineer',
        groups: [],
        password: 'An0ther-Secret',
      },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id,
      userName,
      name: { givenName: 'Renamed', familyName: 'Person' },
      displayName: 'Renamed Person',
      title: 'Engineer',
      userType: 'Employee',
      locale: 'en-US',
      externalId: '00uTestUser',
      active: true,
    });
    expect(put.body).not.toHaveProperty('groups');
    expect(put.body.meta.created).toBe(created.body.meta.created);
    expect(put.body.meta.version).not.toBe(created.body.meta.version);
    expect(put.headers.get('etag')).toBe(put.body.meta.version);
    expect(put.text).not.toMatch(/password|An0ther/i);

    // 7. Deactivate: PATCH replace without a path.
    const deactivated = await o.scim.patch(`/Users/${id}`, {
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id, active: false, title: 'Engineer' });

    // 8. The deactivated user is still readable and found by the existence check.
    expect((await o.scim.get(`/Users/${id}`)).body.active).toBe(false);
    const stillThere = await existence(userName);
    expect(stillThere.body.totalResults).toBe(1);
    expect(stillThere.body.Resources[0]).toMatchObject({ id, active: false });
    const row = await t.dataSource.query('SELECT active, deleted_at FROM users WHERE id = ?', [Number(id)]);
    expect(row).toEqual([{ active: 0, deleted_at: null }]);

    // 9. Reactivate the same way.
    const reactivated = await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { active: true } }) });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ id, active: true, title: 'Engineer' });
  });

  it('should reactivate a deactivated user when Okta POSTs its userName again: 201, same id, new attributes', async () => {
    const first = await createUser(o.scim, oktaCreateBody('returning@okta.test', { title: 'Old title' }));
    await o.scim.patch(`/Users/${first.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });

    const again = await o.scim.post('/Users', {
      body: oktaCreateBody('RETURNING@okta.test', { title: 'New title', externalId: '00unew' }),
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe(`${t.config.appUrl}${SCIM}/Users/${first.id}`);
    expect(again.body).toMatchObject({
      id: first.id,
      userName: 'returning@okta.test',
      active: true,
      title: 'New title',
      externalId: '00unew',
    });
    expect(again.body.meta.created).toBe(first.meta.created);
    const rows = await t.dataSource.query('SELECT id, active FROM users WHERE organization_id = ? AND user_name_lower = ?', [
      Number(o.org.organizationId),
      'returning@okta.test',
    ]);
    expect(rows).toEqual([{ id: Number(first.id), active: 1 }]);
    // An active user with that userName is still a 409.
    expectScimError(await o.scim.post('/Users', { body: oktaCreateBody('returning@okta.test') }), 409, 'uniqueness');
  });

  it('should keep the role a POST of a deactivated user does not mention, and take the one it does', async () => {
    const first = await createUser(o.scim, oktaCreateBody('buyer@okta.test', { userType: 'Procurement' }));
    await o.scim.patch(`/Users/${first.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
    const again = await o.scim.post('/Users', { body: oktaCreateBody('buyer@okta.test') });
    expect(again.status).toBe(201);
    expect(again.body.userType).toBe('Procurement');
    await o.scim.patch(`/Users/${first.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
    const third = await o.scim.post('/Users', { body: oktaCreateBody('buyer@okta.test', { userType: 'read-only' }) });
    expect(third.body).toMatchObject({ id: first.id, userType: 'Read-only', active: true });
  });

  it('should give a deleted userName a new user (the deleted one stays deleted)', async () => {
    const first = await createUser(o.scim, oktaCreateBody('gone@okta.test'));
    expect((await o.scim.delete(`/Users/${first.id}`)).status).toBe(204);
    const again = await o.scim.post('/Users', { body: oktaCreateBody('gone@okta.test') });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.id);
    expect((await o.scim.get(`/Users/${first.id}`)).status).toBe(404);
  });

  it('should show the provisioned user in the admin API with the same state', async () => {
    const created = await createUser(o.scim, oktaCreateBody('seen@okta.test'));
    await o.scim.patch(`/Users/${created.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
    const admin = client(t.url, o.org.apiKey.key);
    const view = await admin.get(`/v1.0/users/${created.id}`);
    expect(view.body).toMatchObject({
      id: created.id,
      userName: 'seen@okta.test',
      role: 'Employee',
      active: false,
      status: 'inactive',
      externalId: '00useen',
      firstName: 'Given seen',
      lastName: 'Family seen',
    });
  });
});
