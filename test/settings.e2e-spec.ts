import { OnboardedOrganization } from '../apps/server/src/onboarding/onboarding.service';
import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('Settings: organization, security, roles, members, users', () => {
  let t: TestApp;
  let org: OnboardedOrganization;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp();
  });

  beforeEach(async () => {
    org = await t.createOrganization();
    admin = client(t.url, org.apiKey.key);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('organization and security', () => {
    it('should show the organization of the calling key', async () => {
      const response = await admin.get('/v1.0/organization');
      expect(response.body).toEqual({ id: org.organizationId, name: org.organizationName, createdAt: expect.any(String) });
    });

    it('should start with SCIM off and toggle it', async () => {
      expect((await admin.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: false });
      expect((await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } })).body).toEqual({ scimEnabled: true });
      expect((await admin.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: true });
    });

    it.each([[{}], [{ scimEnabled: 'yes' }], [{ scimEnabled: true, extra: 1 }], [null]])(
      'should refuse %j naming the field',
      async (body) => {
        const response = await admin.patch('/v1.0/settings/security', { body });
        expect(response.status).toBe(400);
        expect(response.body.details?.[0]?.field ?? response.body.message).toMatch(/scimEnabled|extra|body/);
        expect((await admin.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: false });
      },
    );
  });

  describe('roles', () => {
    it('should list the five pre-defined roles first, with user counts', async () => {
      await insertUser(t.dataSource, org.organizationId, 'e1@x.test');
      await insertUser(t.dataSource, org.organizationId, 'e2@x.test', { active: false });
      const roles = (await admin.get('/v1.0/settings/roles')).body.roles;
      expect(roles.map((r: { name: string }) => r.name)).toEqual(['Admin', 'Read-only', 'Procurement', 'IT Admin', 'Employee']);
      expect(roles.every((r: { predefined: boolean }) => r.predefined)).toBe(true);
      expect(Object.fromEntries(roles.map((r: { name: string; userCount: number }) => [r.name, r.userCount]))).toEqual({
        Admin: 1,
        'Read-only': 0,
        Procurement: 0,
        'IT Admin': 0,
        Employee: 2,
      });
    });

    it('should create, rename and delete a custom role', async () => {
      const created = await admin.post('/v1.0/settings/roles', { body: { name: ' Finance  Team ', description: 'Money' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Finance Team', description: 'Money', predefined: false, userCount: 0 });
      const renamed = await admin.patch(`/v1.0/settings/roles/${created.body.id}`, { body: { name: 'Finance' } });
      expect(renamed.body).toMatchObject({ id: created.body.id, name: 'Finance' });
      expect((await admin.delete(`/v1.0/settings/roles/${created.body.id}`)).status).toBe(204);
      expect((await admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name)).not.toContain('Finance');
    });

    it('should keep names unique case-insensitively, pre-defined ones included (409)', async () => {
      await admin.post('/v1.0/settings/roles', { body: { name: 'Finance' } });
      for (const name of ['finance', 'FINANCE', 'admin', 'employee', 'it admin']) {
        const response = await admin.post('/v1.0/settings/roles', { body: { name } });
        expect(response.status).toBe(409);
        expect(response.body.message).toMatch(/already exists/);
      }
      const other = await admin.post('/v1.0/settings/roles', { body: { name: 'Legal' } });
      expect((await admin.patch(`/v1.0/settings/roles/${other.body.id}`, { body: { name: 'ADMIN' } })).status).toBe(409);
    });

    it('should refuse to change or delete a pre-defined role', async () => {
      const roles = (await admin.get('/v1.0/settings/roles')).body.roles;
      const employee = roles.find((r: { name: string }) => r.name === 'Employee');
      const rename = await admin.patch(`/v1.0/settings/roles/${employee.id}`, { body: { name: 'Staff' } });
      expect(rename.status).toBe(400);
      expect(rename.body.message).toMatch(/pre-defined role and cannot be changed/);
      expect((await admin.delete(`/v1.0/settings/roles/${employee.id}`)).status).toBe(400);
    });

    it('should refuse to delete a role that still has users, saying how many', async () => {
      const role = await admin.post('/v1.0/settings/roles', { body: { name: 'Auditors' } });
      await insertUser(t.dataSource, org.organizationId, 'a1@x.test', { role: 'Auditors' });
      await insertUser(t.dataSource, org.organizationId, 'a2@x.test', { role: 'auditors' });
      const response = await admin.delete(`/v1.0/settings/roles/${role.body.id}`);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/still has 2 users/);
      expect((await admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name)).toContain('Auditors');
    });

    it.each([[{}], [{ name: '' }], [{ name: '   ' }], [{ name: 'x'.repeat(65) }], [{ name: 'Ok', colour: 'red' }]])(
      'should refuse %j naming the field',
      async (body) => {
        const response = await admin.post('/v1.0/settings/roles', { body });
        expect(response.status).toBe(400);
        expect(response.body.details.length).toBeGreaterThan(0);
      },
    );
  });

  describe('users and members', () => {
    it('should page users with size and cursor, without overlap, and filter by status and role', async () => {
      for (let i = 0; i < 7; i++)
        await insertUser(t.dataSource, org.organizationId, `u${i}@x.test`, {
          active: i % 2 === 0,
          role: i < 2 ? 'Procurement' : 'Employee',
        });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await admin.get(`/v1.0/users?size=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.total).toBe(8);
        expect(page.body.count).toBe(page.body.users.length);
        seen.push(...page.body.users.map((u: { id: string }) => u.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);

      const inactive = await admin.get('/v1.0/users?status=inactive');
      expect(inactive.body.users.map((u: { userName: string }) => u.userName)).toEqual(['u1@x.test', 'u3@x.test', 'u5@x.test']);
      const procurement = await admin.get('/v1.0/users?role=procurement');
      expect(procurement.body.total).toBe(2);
    });

    it.each(['size=0', 'size=201', 'size=abc', 'status=gone', 'cursor=notacursor', 'sort=name'])(
      'should refuse the query %s',
      async (query) => {
        const response = await admin.get(`/v1.0/users?${query}`);
        expect(response.status).toBe(400);
        expect(response.body.message).toBeTruthy();
      },
    );

    it('should list as members only users whose role is not Employee', async () => {
      await insertUser(t.dataSource, org.organizationId, 'emp@x.test');
      await insertUser(t.dataSource, org.organizationId, 'buyer@x.test', { role: 'Procurement' });
      const members = await admin.get('/v1.0/settings/members');
      expect(members.body.members.map((m: { userName: string; role: string }) => `${m.userName}:${m.role}`).sort()).toEqual([
        `${org.adminEmail}:Admin`,
        'buyer@x.test:Procurement',
      ]);
      expect(members.body).toMatchObject({ count: 2, total: 2, nextCursor: null });
    });

    it('should change a role and deactivate/reactivate through PATCH /users/{id}', async () => {
      const user = await insertUser(t.dataSource, org.organizationId, 'm@x.test');
      const promoted = await admin.patch(`/v1.0/users/${user.id}`, { body: { role: 'it admin' } });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ role: 'IT Admin', active: true, status: 'active' });
      expect((await admin.patch(`/v1.0/users/${user.id}`, { body: { active: false } })).body).toMatchObject({
        active: false,
        status: 'inactive',
      });
      expect((await admin.get(`/v1.0/users/${user.id}`)).body).toMatchObject({ active: false, role: 'IT Admin' });
      expect((await admin.patch(`/v1.0/users/${user.id}`, { body: { active: true } })).body.active).toBe(true);
    });

    it('should refuse an unknown role listing the valid ones, and an email change', async () => {
      const user = await insertUser(t.dataSource, org.organizationId, 'r@x.test');
      const unknown = await admin.patch(`/v1.0/users/${user.id}`, { body: { role: 'Overlord' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(
        /"Overlord" is not a role of this organization\. Valid roles: Admin, Read-only, Procurement, IT Admin, Employee/,
      );
      const email = await admin.patch(`/v1.0/users/${user.id}`, { body: { userName: 'new@x.test' } });
      expect(email.status).toBe(400);
      expect((await admin.get(`/v1.0/users/${user.id}`)).body.userName).toBe('r@x.test');
    });

    it('should protect the last active Admin from deactivation and from losing the role', async () => {
      const deactivate = await admin.patch(`/v1.0/users/${org.adminUserId}`, { body: { active: false } });
      expect(deactivate.status).toBe(400);
      expect(deactivate.body.message).toMatch(/last active Admin and cannot be deactivated; make another user an Admin first/);
      const demote = await admin.patch(`/v1.0/users/${org.adminUserId}`, { body: { role: 'Employee' } });
      expect(demote.status).toBe(400);
      expect(demote.body.message).toMatch(/cannot be given another role/);

      const second = await insertUser(t.dataSource, org.organizationId, 'second@x.test', { role: 'Admin' });
      expect((await admin.patch(`/v1.0/users/${org.adminUserId}`, { body: { role: 'Employee' } })).status).toBe(200);
      const last = await admin.patch(`/v1.0/users/${second.id}`, { body: { active: false } });
      expect(last.status).toBe(400);
    });

    it('should let only one of two concurrent demotions of the last two Admins through', async () => {
      const second = await insertUser(t.dataSource, org.organizationId, 'race@x.test', { role: 'Admin' });
      const results = await Promise.all([
        admin.patch(`/v1.0/users/${org.adminUserId}`, { body: { active: false } }),
        admin.patch(`/v1.0/users/${second.id}`, { body: { active: false } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      const admins = (await admin.get('/v1.0/users?role=admin&status=active')).body;
      expect(admins.total).toBe(1);
    });

    it('should answer 404 for ids that are not users of this organization', async () => {
      for (const id of ['999999', 'abc', '010101001010101011001010101011']) {
        expect((await admin.get(`/v1.0/users/${id}`)).status).toBe(404);
        expect((await admin.patch(`/v1.0/users/${id}`, { body: { active: true } })).status).toBe(404);
      }
    });
  });
});
