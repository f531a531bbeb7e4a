import {
  CORE_USER,
  createUser,
  ENTERPRISE_USER,
  expectScimError,
  filterQuery,
  patchBody,
  scimOrganization,
  ScimOrganization,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/** Microsoft Entra ID's provisioning service, with the request shapes it really sends. */
describe('SCIM: the Microsoft Entra ID flow', () => {
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

  const entraCreateBody = (userName: string, externalId: string) => ({
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    roles: [],
  });

  it('should run the Entra flow: match on externalId, create, PATCH its shapes, match on work email, delete', async () => {
    const externalId = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
    const userName = 'Ada.Lovelace@contoso.test';

    // Matching attribute lookups before create.
    const none = await o.scim.get(`/Users?${filterQuery(`externalId eq "${externalId}"`)}`);
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

    const created = await o.scim.post('/Users', {
      body: entraCreateBody(userName, externalId),
      contentType: 'application/scim+json',
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;

    const byExternalId = await o.scim.get(`/Users?${filterQuery(`externalId eq "${externalId}"`)}`);
    expect(byExternalId.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);

    // Entra's PATCH: capitalised ops, value-filter paths, enterprise URN paths, manager as a plain id, "False".
    const patched = await o.scim.patch(`/Users/${id}`, {
      body: patchBody(
        { op: 'Replace', path: 'displayName', value: 'Ada King' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.king@contoso.test' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 20 7946 0000' },
        { op: 'Replace', path: 'name.familyName', value: 'King' },
        { op: 'Add', path: `${ENTERPRISE_USER}:department`, value: 'Analytical Engines' },
        { op: 'Add', path: `${ENTERPRISE_USER}:employeeNumber`, value: '1815' },
        { op: 'Add', path: `${ENTERPRISE_USER}:manager`, value: 'babbage-id' },
        { op: 'Replace', path: 'title', value: 'Countess' },
        { op: 'Remove', path: 'name.formatted' },
        { op: 'Replace', path: 'active', value: 'False' },
      ),
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      schemas: [CORE_USER, ENTERPRISE_USER],
      id,
      userName,
      displayName: 'Ada King',
      name: { familyName: 'King', givenName: 'Ada' },
      title: 'Countess',
      active: false,
      emails: [{ type: 'work', value: 'ada.king@contoso.test', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+44 20 7946 0000' }],
      [ENTERPRISE_USER]: { department: 'Analytical Engines', employeeNumber: '1815', manager: { value: 'babbage-id' } },
    });
    expect(patched.body.name).not.toHaveProperty('formatted');

    // Path-less values whose keys are dotted paths and URNs; a string boolean.
    const pathless = await o.scim.patch(`/Users/${id}`, {
      body: patchBody({
        op: 'Replace',
        value: {
          'name.givenName': 'Augusta Ada',
          [`${ENTERPRISE_USER}:costCenter`]: 'CC-1',
          [`${ENTERPRISE_USER}:manager`]: { value: 'menabrea-id' },
          active: 'True',
        },
      }),
    });
    expect(pathless.status).toBe(200);
    expect(pathless.body).toMatchObject({
      name: { givenName: 'Augusta Ada', familyName: 'King' },
      active: true,
      [ENTERPRISE_USER]: { costCenter: 'CC-1', department: 'Analytical Engines', manager: { value: 'menabrea-id' } },
    });

    // Stored as columns, so the database filters on them.
    const [row] = await t.dataSource.query(
      'SELECT display_name, name_family_name, department, manager_value, active FROM users WHERE id = ?',
      [Number(id)],
    );
    expect(row).toEqual({
      display_name: 'Ada King',
      name_family_name: 'King',
      department: 'Analytical Engines',
      manager_value: 'menabrea-id',
      active: 1,
    });

    // Filters Entra uses to match.
    const byWorkEmail = await o.scim.get(`/Users?${filterQuery('emails[type eq "work"].value eq "ADA.KING@contoso.test"')}`);
    expect(byWorkEmail.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    const byOldEmail = await o.scim.get(`/Users?${filterQuery(`emails[type eq "work"].value eq "${userName}"`)}`);
    expect(byOldEmail.body.totalResults).toBe(0);
    const byManager = await o.scim.get(`/Users?${filterQuery(`${ENTERPRISE_USER}:manager.value eq "menabrea-id"`)}`);
    expect(byManager.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);

    // Remove the manager (Entra clears it this way).
    const removed = await o.scim.patch(`/Users/${id}`, {
      body: patchBody({ op: 'Remove', path: `${ENTERPRISE_USER}:manager` }),
    });
    expect(removed.body[ENTERPRISE_USER]).not.toHaveProperty('manager');

    // DELETE: 204, then 404 to every SCIM call, the row kept.
    const deleted = await o.scim.delete(`/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectScimError(await o.scim.get(`/Users/${id}`), 404);
    expectScimError(await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'Replace', path: 'title', value: 'x' }) }), 404);
    expectScimError(await o.scim.put(`/Users/${id}`, { body: { userName } }), 404);
    expectScimError(await o.scim.delete(`/Users/${id}`), 404);
    expect((await o.scim.get(`/Users?${filterQuery(`externalId eq "${externalId}"`)}`)).body.totalResults).toBe(0);
    const kept = await t.dataSource.query('SELECT user_name, external_id, deleted_at FROM users WHERE id = ?', [Number(id)]);
    expect(kept).toEqual([{ user_name: userName, external_id: externalId, deleted_at: expect.anything() }]);
    const [values] = await t.dataSource.query('SELECT COUNT(*) AS n FROM user_attribute_values WHERE user_id = ?', [Number(id)]);
    expect(Number(values.n)).toBe(2);
  });

  it('should accept "active": "False" in a path-less replace and in a POST body', async () => {
    const user = await createUser(o.scim, entraCreateBody('string.bool@contoso.test', 'ext-bool'));
    const off = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'Replace', value: { active: 'False' } }) });
    expect(off.body.active).toBe(false);
    const created = await o.scim.post('/Users', {
      body: { ...entraCreateBody('inactive@contoso.test', 'ext-inactive'), active: 'false' },
    });
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(false);
  });

  it('should take a path-less Add whose key is a value-filter path', async () => {
    const user = await createUser(o.scim, entraCreateBody('keys@contoso.test', 'ext-keys'));
    const response = await o.scim.patch(`/Users/${user.id}`, {
      body: patchBody({
        op: 'Add',
        value: { 'emails[type eq "home"].value': 'home@contoso.test', 'addresses[type eq "work"].locality': 'London' },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.body.emails).toEqual([
      { value: 'keys@contoso.test', type: 'work', primary: true },
      { value: 'home@contoso.test', type: 'home' },
    ]);
    expect(response.body.addresses).toEqual([{ locality: 'London', type: 'work' }]);
  });

  it('should accept the manager as a one-element array of { value } and clear it with an empty string', async () => {
    const user = await createUser(o.scim, entraCreateBody('managed@contoso.test', 'ext-managed'));
    const set = await o.scim.patch(`/Users/${user.id}`, {
      body: patchBody({ op: 'Replace', path: `${ENTERPRISE_USER}:manager`, value: [{ value: 'boss-1' }] }),
    });
    expect(set.body[ENTERPRISE_USER]).toEqual({ manager: { value: 'boss-1' } });
    const cleared = await o.scim.patch(`/Users/${user.id}`, {
      body: patchBody({ op: 'Replace', path: `${ENTERPRISE_USER}:manager`, value: '' }),
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty(ENTERPRISE_USER);
    expect(cleared.body.schemas).toEqual([CORE_USER]);
  });

  it('should treat op names in any case', async () => {
    const user = await createUser(o.scim, entraCreateBody('ops@contoso.test', 'ext-ops'));
    for (const [op, title] of [
      ['REPLACE', 'one'],
      ['replace', 'two'],
      ['rEpLaCe', 'three'],
    ]) {
      const response = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op, path: 'title', value: title }) });
      expect(response.body.title).toBe(title);
    }
    const removed = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'REMOVE', path: 'title' }) });
    expect(removed.body).not.toHaveProperty('title');
  });
});
