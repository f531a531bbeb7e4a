import {
  createUser,
  expectScimError,
  filterQuery,
  oktaCreateBody,
  patchBody,
  scimOrganization,
  ScimOrganization,
  userBody,
  userSnapshot,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

describe("SCIM tenant isolation: organization B's SCIM key never reads or changes organization A's users", () => {
  let t: TestApp;
  let a: ScimOrganization;
  let b: ScimOrganization;
  let aUsers: any[];

  beforeAll(async () => {
    t = await startTestApp();
    a = await scimOrganization(t, 'Alpha', 'admin@alpha.test');
    b = await scimOrganization(t, 'Beta', 'admin@beta.test');
    await a.admin.post('/v1.0/settings/roles', { body: { name: 'Alpha Auditors' } });
    aUsers = [
      await createUser(a.scim, oktaCreateBody('shared.name@corp.test', { userType: 'Alpha Auditors' })),
      await createUser(a.scim, oktaCreateBody('sleeper@corp.test', { active: false, title: 'Dormant' })),
      await createUser(a.scim, oktaCreateBody('other@alpha.test', { externalId: 'alpha-ext-1' })),
    ];
  });

  afterAll(async () => {
    await t.close();
  });

  const snapshotA = async () =>
    Promise.all([...aUsers.map((u) => u.id), a.org.adminUserId].map((id) => userSnapshot(t.dataSource, id)));

  it('should list, filter and search only the calling organization', async () => {
    const list = await b.scim.get('/Users?count=200');
    expect(list.body.totalResults).toBe(1);
    expect(list.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['admin@beta.test']);
    for (const filter of [
      'userName eq "shared.name@corp.test"',
      'userName co "corp"',
      'externalId eq "alpha-ext-1"',
      'title eq "Dormant"',
      'active eq false',
      `id eq "${aUsers[0].id}"`,
      'userType eq "Alpha Auditors"',
      'emails[type eq "work"].value ew "corp.test"',
      'userName eq "admin@alpha.test" or userName eq "admin@beta.test"',
    ]) {
      const response = await b.scim.get(`/Users?${filterQuery(filter)}`);
      expect({ filter, status: response.status }).toEqual({ filter, status: 200 });
      expect({ filter, users: response.body.Resources.map((u: { userName: string }) => u.userName) }).toEqual({
        filter,
        users: filter.startsWith('userName eq "admin') ? ['admin@beta.test'] : [],
      });
    }
    const search = await b.scim.post('/Users/.search', { body: { filter: 'userName co "@"', count: 200 } });
    expect(search.body.totalResults).toBe(1);
    const sorted = await b.scim.get('/Users?sortBy=emails.value&count=0');
    expect(sorted.body.totalResults).toBe(1);
  });

  it("should answer 404 for A's users on every by-id endpoint, exactly as for ids that do not exist", async () => {
    const before = await snapshotA();
    for (const id of [...aUsers.map((u) => u.id), a.org.adminUserId]) {
      const responses = [
        await b.scim.get(`/Users/${id}`),
        await b.scim.get(`/Users/${id}?attributes=userName`),
        await b.scim.put(`/Users/${id}`, { body: userBody('shared.name@corp.test', { title: 'Taken over' }) }),
        await b.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { active: false } }) }),
        await b.scim.put(`/Users/${id}`, { body: userBody('x@x.test'), headers: { 'if-match': '*' } }),
        await b.scim.delete(`/Users/${id}`),
      ];
      for (const response of responses) {
        const error = expectScimError(response, 404);
        expect(error.detail).toBe(`No user with id "${id}" in this organization.`);
      }
    }
    expect(await snapshotA()).toEqual(before);
  });

  it("should create B's own user when B posts a userName A uses, active or deactivated", async () => {
    const before = await snapshotA();
    const same = await b.scim.post('/Users', { body: oktaCreateBody('shared.name@corp.test') });
    expect(same.status).toBe(201);
    expect(aUsers.map((u) => u.id)).not.toContain(same.body.id);
    const sleeper = await b.scim.post('/Users', { body: oktaCreateBody('SLEEPER@corp.test') });
    expect(sleeper.status).toBe(201);
    expect(sleeper.body.id).not.toBe(aUsers[1].id);
    expect(sleeper.body).not.toHaveProperty('title');
    expect(await snapshotA()).toEqual(before);
    expect((await a.scim.get(`/Users/${aUsers[1].id}`)).body).toMatchObject({ active: false, title: 'Dormant' });
    // And A still sees only its own.
    const aList = await a.scim.get(`/Users?${filterQuery('userName eq "shared.name@corp.test"')}`);
    expect(aList.body.Resources.map((u: { id: string }) => u.id)).toEqual([aUsers[0].id]);
  });

  it("should not let B use A's custom role names", async () => {
    const response = await b.scim.post('/Users', { body: userBody('role.thief@beta.test', { userType: 'Alpha Auditors' }) });
    const error = expectScimError(response, 400, 'invalidValue');
    // The valid names listed are B's only.
    expect(error.detail).toBe(
      '"Alpha Auditors" is not a role of this organization. Valid roles: Admin, Read-only, Procurement, IT Admin, Employee.',
    );
  });

  it("should not let A's key reach B either (the key decides the organization, not the ids sent)", async () => {
    const bUser = await createUser(b.scim, userBody('only.beta@beta.test'));
    expectScimError(await a.scim.get(`/Users/${bUser.id}`), 404);
    expect((await a.scim.get(`/Users?${filterQuery('userName eq "only.beta@beta.test"')}`)).body.totalResults).toBe(0);
  });
});
