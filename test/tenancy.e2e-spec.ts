import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe("tenant isolation: organization B's key never reads or changes anything of organization A", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should keep every admin endpoint inside the calling organization', async () => {
    const a = await t.createOrganization('Alpha', 'admin@alpha.test');
    const b = await t.createOrganization('Beta', 'admin@beta.test');
    const alpha = client(t.url, a.apiKey.key);
    const beta = client(t.url, b.apiKey.key);

    await alpha.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    const aKey = (await alpha.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'alpha okta' } })).body;
    const aRole = (await alpha.post('/v1.0/settings/roles', { body: { name: 'Alpha Only' } })).body;
    const aUser = await insertUser(t.dataSource, a.organizationId, 'person@alpha.test', { role: 'Alpha Only' });

    // Reads
    expect((await beta.get('/v1.0/organization')).body.id).toBe(b.organizationId);
    expect((await beta.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: false });
    const betaKeys = (await beta.get('/v1.0/settings/api-keys')).body.apiKeys.map((k: { id: string }) => k.id);
    expect(betaKeys).toEqual([b.apiKey.id]);
    expect((await beta.get(`/v1.0/settings/api-keys/${aKey.id}`)).status).toBe(404);
    expect((await beta.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name)).not.toContain('Alpha Only');
    expect((await beta.get('/v1.0/users')).body.users.map((u: { userName: string }) => u.userName)).toEqual(['admin@beta.test']);
    expect((await beta.get('/v1.0/settings/members')).body.members.map((u: { userName: string }) => u.userName)).toEqual([
      'admin@beta.test',
    ]);
    expect((await beta.get(`/v1.0/users/${aUser.id}`)).status).toBe(404);
    expect((await beta.get(`/v1.0/users/${a.adminUserId}`)).status).toBe(404);

    // Writes
    expect((await beta.patch(`/v1.0/settings/api-keys/${aKey.id}`, { body: { description: 'mine now' } })).status).toBe(404);
    expect((await beta.delete(`/v1.0/settings/api-keys/${aKey.id}`)).status).toBe(404);
    expect((await beta.delete(`/v1.0/settings/api-keys/${a.apiKey.id}`)).status).toBe(404);
    expect((await beta.patch(`/v1.0/settings/roles/${aRole.id}`, { body: { name: 'Taken' } })).status).toBe(404);
    expect((await beta.delete(`/v1.0/settings/roles/${aRole.id}`)).status).toBe(404);
    expect((await beta.patch(`/v1.0/users/${aUser.id}`, { body: { active: false } })).status).toBe(404);
    expect((await beta.patch(`/v1.0/users/${a.adminUserId}`, { body: { role: 'Employee' } })).status).toBe(404);
    // A role name of A means nothing in B.
    const bUser = await insertUser(t.dataSource, b.organizationId, 'person@beta.test');
    expect((await beta.patch(`/v1.0/users/${bUser.id}`, { body: { role: 'Alpha Only' } })).status).toBe(400);
    // B may use a name A uses: uniqueness is per organization.
    expect((await beta.post('/v1.0/settings/roles', { body: { name: 'alpha only' } })).status).toBe(201);

    // A is untouched.
    expect((await alpha.get(`/v1.0/settings/api-keys/${aKey.id}`)).body.description).toBe('alpha okta');
    expect((await alpha.get(`/v1.0/users/${aUser.id}`)).body).toMatchObject({ active: true, role: 'Alpha Only' });
    expect((await alpha.get('/v1.0/settings/roles')).body.roles.find((r: { id: string }) => r.id === aRole.id).name).toBe(
      'Alpha Only',
    );
    expect((await alpha.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: true });
    expect((await alpha.get(`/v1.0/users/${a.adminUserId}`)).body.role).toBe('Admin');
  });
});
