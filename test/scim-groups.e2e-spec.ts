import { PATCH_OP, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/*
 * SCIM Groups with the request shapes Okta's Group Push and Microsoft Entra's group provisioning
 * send (their documentation's examples), on the engine under test.
 */
describe('SCIM Groups', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let other: ScimOrganization;
  const ids: string[] = [];

  const patch = (id: string, Operations: unknown[]) =>
    o.scim.patch(`/Groups/${id}`, { body: { schemas: [PATCH_OP], Operations } });
  const memberIds = async (id: string) =>
    ((await o.scim.get(`/Groups/${id}`)).body.members ?? []).map((m: { value: string }) => m.value).sort();
  const sorted = (list: string[]) => [...list].sort();

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Groups');
    other = await scimOrganization(t, 'Other');
    for (let i = 0; i < 5; i++) {
      ids.push((await o.scim.post('/Users', { body: { userName: `g${i}@groups.test`, displayName: `Member ${i}` } })).body.id);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should be listed by discovery, with its schema', async () => {
    const types = (await o.scim.get('/ResourceTypes')).body.Resources.map((r: { name: string }) => r.name);
    expect(types).toEqual(['User', 'Group']);
    const schema = await o.scim.get(`/Schemas/${CORE_GROUP}`);
    expect(schema.status).toBe(200);
    expect(schema.body.attributes.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['displayName', 'members', 'externalId']),
    );
    const user = (await o.scim.get('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).body;
    expect(user.attributes.find((a: { name: string }) => a.name === 'userName').mutability).toBe('immutable');
  });

  it('should be in the OpenAPI document, whose keys are opaque bearer tokens (not JWTs)', async () => {
    const document = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, { bearerFormat?: string }> };
    };
    expect(Object.keys(document.paths['/v1.0/scim/v2/Groups/{id}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(Object.keys(document.paths['/v1.0/scim/v2/Groups']).sort()).toEqual(['get', 'post']);
    expect(document.paths['/v1.0/scim/v2/Groups/.search']).toBeDefined();
    for (const scheme of Object.values(document.components.securitySchemes)) expect(scheme.bearerFormat).not.toBe('JWT');
  });

  it("should create a group with Okta's body, show it, and refuse a second one of the same name in any case", async () => {
    const created = await o.scim.post('/Groups', {
      body: { schemas: [CORE_GROUP], displayName: 'Torii Admins', members: [{ value: ids[0], display: 'g0@groups.test' }] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(created.body).toMatchObject({
      schemas: [CORE_GROUP],
      displayName: 'Torii Admins',
      members: [{ value: ids[0], display: 'Member 0', type: 'User' }],
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    const again = await o.scim.post('/Groups', { body: { schemas: [CORE_GROUP], displayName: 'torii admins' } });
    expect(again.status).toBe(409);
    expect(again.body.scimType).toBe('uniqueness');
    // The other organization may use the name.
    expect((await other.scim.post('/Groups', { body: { displayName: 'Torii Admins' } })).status).toBe(201);
  });

  it('should find a group by displayName, page, and leave members out (unread) when excluded', async () => {
    const found = await o.scim.get(
      `/Groups?filter=${encodeURIComponent('displayName eq "TORII ADMINS"')}&excludedAttributes=members`,
    );
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].members).toBeUndefined();
    expect(found.body.Resources[0].displayName).toBe('Torii Admins');
    const page = await o.scim.get('/Groups?startIndex=1&count=100');
    expect(page.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(page.body.Resources[0].members).toHaveLength(1);
    const byMember = await o.scim.get(`/Groups?filter=${encodeURIComponent(`members.value eq "${ids[0]}"`)}`);
    expect(byMember.body.totalResults).toBe(1);
    const none = await o.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "nobody"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    const bad = await o.scim.get(`/Groups?filter=${encodeURIComponent('userName eq "x"')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe('invalidFilter');
  });

  it('should search by POST /Groups/.search, sort by displayName, and project attributes', async () => {
    for (const name of ['b-sorted', 'A-sorted', 'c-sorted']) await o.scim.post('/Groups', { body: { displayName: name } });
    const searched = await o.scim.post('/Groups/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'displayName ew "-sorted"',
        sortBy: 'displayName',
        sortOrder: 'descending',
        attributes: ['displayName'],
        count: 2,
      },
    });
    expect(searched.status).toBe(200);
    expect(searched.body.totalResults).toBe(3);
    expect(searched.body.Resources).toEqual([
      { schemas: [CORE_GROUP], id: expect.any(String), displayName: 'c-sorted' },
      { schemas: [CORE_GROUP], id: expect.any(String), displayName: 'b-sorted' },
    ]);
    const ascending = await o.scim.get(`/Groups?filter=${encodeURIComponent('displayName ew "-SORTED"')}&sortBy=displayName`);
    expect(ascending.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'A-sorted',
      'b-sorted',
      'c-sorted',
    ]);
    const refused = await o.scim.post('/Groups', { body: { displayName: '  ' } });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
  });

  it("should take Okta's membership PATCHes: add, remove exactly the filtered member, rename without a path", async () => {
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Okta Push' } })).body.id;
    expect(
      (await patch(id, [{ op: 'add', path: 'members', value: ids.slice(0, 3).map((value) => ({ value, display: value })) }]))
        .status,
    ).toBe(204);
    expect(await memberIds(id)).toEqual(sorted(ids.slice(0, 3)));
    // Removes that member only: not nothing, not everyone.
    expect((await patch(id, [{ op: 'remove', path: `members[value eq "${ids[1]}"]` }])).status).toBe(204);
    expect(await memberIds(id)).toEqual(sorted([ids[0], ids[2]]));
    expect((await patch(id, [{ op: 'replace', value: { id, displayName: 'Okta Push Renamed' } }])).status).toBe(204);
    const group = (await o.scim.get(`/Groups/${id}`)).body;
    expect(group.displayName).toBe('Okta Push Renamed');
    expect(group.members).toHaveLength(2);
  });

  it("should take Entra's capitalised ops with value lists, and Replace of displayName and externalId", async () => {
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Entra Group', externalId: 'e-1' } })).body.id;
    await patch(id, [{ op: 'Add', path: 'members', value: [{ value: ids[3] }, { value: ids[4] }] }]);
    expect(await memberIds(id)).toEqual(sorted([ids[3], ids[4]]));
    await patch(id, [{ op: 'Remove', path: 'members', value: [{ value: ids[3] }] }]);
    expect(await memberIds(id)).toEqual([ids[4]]);
    await patch(id, [
      { op: 'Replace', path: 'displayName', value: 'Entra Group 2' },
      { op: 'Replace', path: 'externalId', value: 'e-2' },
    ]);
    expect((await o.scim.get(`/Groups/${id}`)).body).toMatchObject({ displayName: 'Entra Group 2', externalId: 'e-2' });
  });

  it('should not mind adding a member twice or removing a non-member, and not bump the version then', async () => {
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Idempotent', members: [{ value: ids[0] }] } })).body.id;
    expect((await patch(id, [{ op: 'add', path: 'members', value: [{ value: ids[0] }] }])).status).toBe(204);
    expect((await patch(id, [{ op: 'remove', path: `members[value eq "${ids[4]}"]` }])).status).toBe(204);
    expect((await patch(id, [{ op: 'replace', path: 'displayName', value: 'Idempotent' }])).status).toBe(204);
    const group = (await o.scim.get(`/Groups/${id}`)).body;
    expect(group.meta.version).toBe('W/"1"');
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([ids[0]]);
  });

  it("should refuse an unknown or another organization's member with 400 invalidValue, changing nothing", async () => {
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Strict' } })).body.id;
    const stranger = (await other.scim.post('/Users', { body: { userName: 'stranger@other.test' } })).body.id;
    // Only an id's canonical form names its user: with a space or a leading zero it names nobody.
    for (const value of [stranger, '999999', 'abc', '01', ` ${ids[1]}`, `${ids[1]} `, `0${ids[1]}`]) {
      const response = await patch(id, [
        { op: 'add', path: 'members', value: [{ value: ids[0] }] },
        { op: 'add', path: 'members', value: [{ value }] },
      ]);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(response.body.detail).toContain(JSON.stringify(value));
    }
    expect(await memberIds(id)).toEqual([]);
    const post = await o.scim.post('/Groups', { body: { displayName: 'Strict 2', members: [{ value: stranger }] } });
    expect(post.status).toBe(400);
    const spaced = await o.scim.post('/Groups', { body: { displayName: 'Strict 2', members: [{ value: `${ids[1]} ` }] } });
    expect(spaced.status).toBe(400);
    expect(spaced.body.detail).toContain(JSON.stringify(`${ids[1]} `));
    expect((await o.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Strict 2"')}`)).body.totalResults).toBe(0);
  });

  it("should show a user's groups, filter users by groups.value, and take a deleted user out of its groups", async () => {
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Visible', members: [{ value: ids[2] }] } })).body.id;
    const user = (await o.scim.get(`/Users/${ids[2]}`)).body;
    expect(user.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ value: id, display: 'Visible', $ref: expect.stringContaining(`/Groups/${id}`) }),
      ]),
    );
    const members = await o.scim.get(`/Users?filter=${encodeURIComponent(`groups.value eq "${id}"`)}`);
    expect(members.body.Resources.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
    expect((await o.scim.get(`/Users/${ids[2]}?excludedAttributes=groups`)).body.groups).toBeUndefined();
    const victim = (await o.scim.post('/Users', { body: { userName: 'leaver@groups.test' } })).body.id;
    await patch(id, [{ op: 'add', path: 'members', value: [{ value: victim }] }]);
    expect(await memberIds(id)).toEqual(sorted([ids[2], victim]));
    expect((await o.scim.delete(`/Users/${victim}`)).status).toBe(204);
    expect(await memberIds(id)).toEqual([ids[2]]);
  });

  it('should add 10,000 members in one PATCH, replace them all with a PUT, and delete the group but not its users', async () => {
    const many: string[] = [];
    for (let start = 0; start < 10_000; start += 500) {
      const rows = await Promise.all(
        Array.from({ length: 500 }, (_, i) => o.scim.post('/Users', { body: { userName: `bulk${start + i}@groups.test` } })),
      );
      many.push(...rows.map((r) => r.body.id));
    }
    const id = (await o.scim.post('/Groups', { body: { displayName: 'Everyone' } })).body.id;
    const added = await patch(id, [{ op: 'add', path: 'members', value: many.map((value) => ({ value })) }]);
    expect(added.status).toBe(204);
    const listed = await o.scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Everyone"')}`);
    expect(listed.body.Resources[0].members).toHaveLength(10_000);
    const put = await o.scim.put(`/Groups/${id}`, {
      body: { schemas: [CORE_GROUP], displayName: 'Everyone', members: [{ value: ids[0] }, { value: ids[1] }] },
    });
    expect(put.status).toBe(200);
    expect(put.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([ids[0], ids[1]]));
    expect((await o.scim.delete(`/Groups/${id}`)).status).toBe(204);
    expect((await o.scim.get(`/Groups/${id}`)).status).toBe(404);
    expect((await o.scim.get(`/Users/${ids[0]}`)).status).toBe(200);
  }, 180_000);
});
