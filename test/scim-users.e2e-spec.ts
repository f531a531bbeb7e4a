import { HttpResponse } from './support/http';
import {
  CORE_USER,
  createUser,
  ENTERPRISE_USER,
  expectScimError,
  oktaCreateBody,
  patchBody,
  SCIM_CONTENT_TYPE,
  scimOrganization,
  ScimOrganization,
  userBody,
  userSnapshot,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

describe('SCIM Users: Torii rules, PUT/PATCH semantics, ETags, media types', () => {
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

  const roleOf = async (id: string) => (await o.admin.get(`/v1.0/users/${id}`)).body.role;

  describe('userType is the Torii role', () => {
    it('should give Employee when userType is absent on create', async () => {
      const user = await createUser(o.scim, userBody('plain@x.test'));
      expect(user.userType).toBe('Employee');
      expect(await roleOf(user.id)).toBe('Employee');
    });

    it.each([
      ['procurement', 'Procurement'],
      ['IT ADMIN', 'IT Admin'],
      ['read-only', 'Read-only'],
      ['admin', 'Admin'],
      ['Employee', 'Employee'],
    ])('should match userType %j to the role %s case-insensitively', async (given, role) => {
      const user = await createUser(o.scim, userBody(`${role.replace(/\W/g, '')}@x.test`, { userType: given }));
      expect(user.userType).toBe(role);
      expect(await roleOf(user.id)).toBe(role);
    });

    it("should take the organization's custom roles", async () => {
      expect((await o.admin.post('/v1.0/settings/roles', { body: { name: 'Finance Team' } })).status).toBe(201);
      const user = await createUser(o.scim, userBody('money@x.test', { userType: 'finance TEAM' }));
      expect(user.userType).toBe('Finance Team');
      const patched = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'replace', path: 'userType', value: 'employee' }),
      });
      expect(patched.body.userType).toBe('Employee');
    });

    it('should refuse an unknown userType with 400 invalidValue listing the valid names, and change nothing', async () => {
      await o.admin.post('/v1.0/settings/roles', { body: { name: 'Auditors' } });
      const refused = await o.scim.post('/Users', { body: userBody('unknown@x.test', { userType: 'Contractor' }) });
      const error = expectScimError(refused, 400, 'invalidValue');
      for (const name of ['Admin', 'Read-only', 'Procurement', 'IT Admin', 'Employee', 'Auditors'])
        expect(error.detail).toContain(name);
      expect(error.detail).toContain('Contractor');
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE user_name_lower = ?', ['unknown@x.test']);
      expect(Number(n)).toBe(0);

      const user = await createUser(o.scim, userBody('known@x.test', { userType: 'Procurement' }));
      const before = await userSnapshot(t.dataSource, user.id);
      expectScimError(
        await o.scim.put(`/Users/${user.id}`, { body: userBody('known@x.test', { userType: 'Boss' }) }),
        400,
        'invalidValue',
      );
      expectScimError(
        await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', value: { userType: 'Boss', title: 'x' } }) }),
        400,
        'invalidValue',
      );
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should leave the role unchanged when PUT or PATCH does not mention userType', async () => {
      const user = await createUser(o.scim, userBody('keeps@x.test', { userType: 'Procurement' }));
      const put = await o.scim.put(`/Users/${user.id}`, { body: userBody('keeps@x.test', { title: 'New' }) });
      expect(put.body.userType).toBe('Procurement');
      const patch = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
      expect(patch.body.userType).toBe('Procurement');
      expect(await roleOf(user.id)).toBe('Procurement');
    });

    it('should keep the role when PATCH removes userType (a user always has a role)', async () => {
      const user = await createUser(o.scim, userBody('removed@x.test', { userType: 'IT Admin' }));
      const response = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'remove', path: 'userType' }) });
      expect(response.status).toBe(200);
      expect(response.body.userType).toBe('IT Admin');
    });

    it('should filter on userType', async () => {
      const buyer = await createUser(o.scim, userBody('buyer@x.test', { userType: 'Procurement' }));
      const list = await o.scim.get(`/Users?filter=${encodeURIComponent('userType eq "PROCUREMENT"')}`);
      expect(list.body.Resources.map((u: { id: string }) => u.id)).toEqual([buyer.id]);
    });
  });

  describe("the organization's last active Admin", () => {
    // "mutability": the change does not fit the user's current state (RFC 7644 §3.12).
    const lastAdminRefused = (response: HttpResponse) => {
      const error = expectScimError(response, 400, 'mutability');
      expect(error.detail).toMatch(/last active Admin and cannot be/);
    };

    it('should refuse to deactivate, delete or demote the last Admin over SCIM, and change nothing', async () => {
      const id = o.org.adminUserId;
      const before = await userSnapshot(t.dataSource, id);
      lastAdminRefused(await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { active: false } }) }));
      lastAdminRefused(
        await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'Replace', path: 'active', value: 'False' }) }),
      );
      lastAdminRefused(
        await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', path: 'userType', value: 'Employee' }) }),
      );
      lastAdminRefused(await o.scim.put(`/Users/${id}`, { body: userBody(o.org.adminEmail, { userType: 'Read-only' }) }));
      lastAdminRefused(await o.scim.put(`/Users/${id}`, { body: userBody(o.org.adminEmail, { active: false }) }));
      lastAdminRefused(await o.scim.delete(`/Users/${id}`));
      expect(await userSnapshot(t.dataSource, id)).toEqual(before);
      expect((await o.scim.get(`/Users/${id}`)).body).toMatchObject({ active: true, userType: 'Admin' });
    });

    it('should allow it once another active Admin exists, and not count a deactivated Admin', async () => {
      const second = await createUser(o.scim, userBody('second.admin@x.test', { userType: 'admin', active: false }));
      lastAdminRefused(await o.scim.delete(`/Users/${o.org.adminUserId}`));
      await o.scim.patch(`/Users/${second.id}`, { body: patchBody({ op: 'replace', value: { active: true } }) });
      const demoted = await o.scim.patch(`/Users/${o.org.adminUserId}`, {
        body: patchBody({ op: 'replace', path: 'userType', value: 'Employee' }),
      });
      expect(demoted.status).toBe(200);
      expect(demoted.body.userType).toBe('Employee');
      // Now the second one is the last.
      lastAdminRefused(await o.scim.delete(`/Users/${second.id}`));
    });

    it('should let an Admin be changed in ways that keep them an active Admin', async () => {
      const response = await o.scim.patch(`/Users/${o.org.adminUserId}`, {
        body: patchBody({ op: 'replace', value: { title: 'Boss', userType: 'ADMIN', active: true } }),
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ title: 'Boss', userType: 'Admin', active: true });
    });
  });

  describe('PUT replaces the mutable attributes', () => {
    it('should drop attributes the body leaves out, ignore read-only and unknown ones, and keep role and state', async () => {
      const user = await createUser(
        o.scim,
        userBody('put@x.test', {
          title: 'Old',
          nickName: 'Nick',
          userType: 'Procurement',
          emails: [{ value: 'put@x.test', type: 'work', primary: true }],
          phoneNumbers: [{ value: '+1 555', type: 'work' }],
          [ENTERPRISE_USER]: { department: 'Ops', manager: { value: 'm1' } },
        }),
      );
      await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
      const response = await o.scim.put(`/Users/${user.id}`, {
        body: {
          schemas: [CORE_USER],
          id: 'something-else',
          meta: { version: 'W/"999"', created: '1999-01-01T00:00:00Z' },
          groups: [{ value: 'g' }],
          userName: 'put@x.test',
          title: 'New',
          emails: [{ value: 'other@x.test', type: 'home' }],
          favouriteColour: 'blue',
          'urn:example:custom:2.0:User': { shoeSize: 44 },
        },
      });
      expect(response.status).toBe(200);
      const { meta, ...rest } = response.body;
      expect(rest).toEqual({
        schemas: [CORE_USER],
        id: user.id,
        userName: 'put@x.test',
        title: 'New',
        userType: 'Procurement',
        active: false,
        emails: [{ value: 'other@x.test', type: 'home' }],
      });
      expect(meta.created).toBe(user.meta.created);
      const values = await t.dataSource.query('SELECT attribute, value FROM user_attribute_values WHERE user_id = ?', [
        Number(user.id),
      ]);
      expect(values).toEqual([{ attribute: 'emails', value: 'other@x.test' }]);
    });

    it('should accept a userName that differs only in case, and keep the stored one', async () => {
      const user = await createUser(o.scim, userBody('Case.Kept@x.test'));
      const response = await o.scim.put(`/Users/${user.id}`, { body: userBody('case.kept@X.TEST', { title: 't' }) });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ userName: 'Case.Kept@x.test', title: 't' });
    });
  });

  describe('PATCH', () => {
    it('should add, replace and remove with paths and value filters, and answer 200 with the user', async () => {
      const user = await createUser(
        o.scim,
        userBody('patch@x.test', {
          emails: [
            { value: 'patch@x.test', type: 'work', primary: true },
            { value: 'p@home.test', type: 'home' },
          ],
        }),
      );
      const response = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody(
          { op: 'add', path: 'emails', value: [{ value: 'p2@other.test', type: 'other', primary: true }] },
          { op: 'remove', path: 'emails[type eq "home"]' },
          { op: 'replace', path: 'name', value: { givenName: 'Pat', familyName: 'Ch' } },
          { op: 'add', path: 'name.middleName', value: 'M' },
          { op: 'add', value: { nickName: 'P', 'name.honorificPrefix': 'Dr' } },
        ),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
      expect(response.body).toMatchObject({
        name: { givenName: 'Pat', familyName: 'Ch', middleName: 'M', honorificPrefix: 'Dr' },
        nickName: 'P',
        // The new primary demotes the old one (RFC 7644 §3.5.2); the home address is gone.
        emails: [
          { value: 'patch@x.test', type: 'work' },
          { value: 'p2@other.test', type: 'other', primary: true },
        ],
      });
    });

    it('should accept a PATCH that sets the value the user already has', async () => {
      const user = await createUser(o.scim, userBody('same@x.test', { title: 'T' }));
      const response = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', path: 'title', value: 'T' }) });
      expect(response.status).toBe(200);
      expect(response.body.title).toBe('T');
    });
  });

  describe('ETag and If-Match', () => {
    it('should send the version as the ETag header on every read and write, changing on each change', async () => {
      const created = await o.scim.post('/Users', { body: userBody('etag@x.test') });
      const v1 = created.headers.get('etag');
      expect(v1).toMatch(/^W\/"[^"]+"$/);
      expect(created.body.meta.version).toBe(v1);
      const read = await o.scim.get(`/Users/${created.body.id}`);
      expect(read.headers.get('etag')).toBe(v1);
      const patched = await o.scim.patch(`/Users/${created.body.id}`, {
        body: patchBody({ op: 'add', path: 'title', value: 'x' }),
      });
      const v2 = patched.headers.get('etag');
      expect(v2).not.toBe(v1);
      expect(patched.body.meta.version).toBe(v2);
      const put = await o.scim.put(`/Users/${created.body.id}`, { body: userBody('etag@x.test', { title: 'y' }) });
      expect(put.headers.get('etag')).not.toBe(v2);
      expect(put.headers.get('etag')).toBe(put.body.meta.version);
      const listed = await o.scim.get(`/Users?filter=${encodeURIComponent('userName eq "etag@x.test"')}`);
      expect(listed.body.Resources[0].meta.version).toBe(put.body.meta.version);
      expect(new Date(put.body.meta.lastModified).getTime()).toBeGreaterThanOrEqual(
        new Date(created.body.meta.lastModified).getTime(),
      );
    });

    it('should keep the version and lastModified when a PUT or PATCH changes nothing', async () => {
      const body = userBody('same@x.test', { title: 'Same', emails: [{ value: 'same@x.test', type: 'work', primary: true }] });
      const created = (await o.scim.post('/Users', { body })).body;
      const put = await o.scim.put(`/Users/${created.id}`, { body });
      expect(put.status).toBe(200);
      const patched = await o.scim.patch(`/Users/${created.id}`, {
        body: patchBody({ op: 'replace', path: 'title', value: 'Same' }, { op: 'replace', path: 'active', value: true }),
      });
      expect(patched.status).toBe(200);
      for (const response of [put, patched]) {
        expect(response.headers.get('etag')).toBe(created.meta.version);
        expect(response.body.meta).toEqual(created.meta);
      }
      const changed = await o.scim.patch(`/Users/${created.id}`, {
        body: patchBody({ op: 'replace', path: 'title', value: 'Other' }),
      });
      expect(changed.body.meta.version).not.toBe(created.meta.version);
    });

    it('should apply PUT, PATCH and DELETE when If-Match is current or *, and refuse a stale one with 412', async () => {
      const user = await createUser(o.scim, userBody('match@x.test'));
      const current = user.meta.version as string;

      const ok = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'add', path: 'title', value: 'one' }),
        headers: { 'if-match': current },
      });
      expect(ok.status).toBe(200);

      const before = await userSnapshot(t.dataSource, user.id);
      for (const call of [
        () =>
          o.scim.patch(`/Users/${user.id}`, {
            body: patchBody({ op: 'add', path: 'title', value: 'two' }),
            headers: { 'if-match': current },
          }),
        () =>
          o.scim.put(`/Users/${user.id}`, { body: userBody('match@x.test', { title: 'two' }), headers: { 'if-match': current } }),
        () => o.scim.delete(`/Users/${user.id}`, { headers: { 'if-match': current } }),
        () => o.scim.delete(`/Users/${user.id}`, { headers: { 'if-match': 'W/"not-a-version"' } }),
      ]) {
        const stale = await call();
        expect(expectScimError(stale, 412).detail).toMatch(/changed since you read it/);
      }
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);

      const list = await o.scim.put(`/Users/${user.id}`, {
        body: userBody('match@x.test', { title: 'three' }),
        headers: { 'if-match': `${current}, ${ok.headers.get('etag')}` },
      });
      expect(list.status).toBe(200);
      const star = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'add', path: 'title', value: 'four' }),
        headers: { 'if-match': '*' },
      });
      expect(star.status).toBe(200);
      const strong = star.headers.get('etag')!.replace(/^W\//, '');
      const deleted = await o.scim.delete(`/Users/${user.id}`, { headers: { 'if-match': strong } });
      expect(deleted.status).toBe(204);
    });

    it('should refuse a malformed If-Match with 412', async () => {
      const user = await createUser(o.scim, userBody('badmatch@x.test'));
      const response = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'add', path: 'title', value: 'x' }),
        headers: { 'if-match': 'garbage' },
      });
      expectScimError(response, 412);
    });

    it('should 404 rather than 412 for a user that does not exist', async () => {
      expectScimError(await o.scim.put('/Users/999999', { body: userBody('x@x.test'), headers: { 'if-match': 'W/"1"' } }), 404);
    });
  });

  describe('password is accepted and never stored or returned', () => {
    it('should keep the password out of every response and every stored row', async () => {
      const secret = 'Pw-Canary-7f3a9c';
      const created = await o.scim.post('/Users', { body: oktaCreateBody('pw@x.test', { password: secret }) });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const responses = [
        created,
        await o.scim.put(`/Users/${id}`, { body: { ...created.body, password: `${secret}-2` } }),
        await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', path: 'password', value: `${secret}-3` }) }),
        await o.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { password: `${secret}-4` } }) }),
        await o.scim.get(`/Users/${id}`),
        await o.scim.get(`/Users/${id}?attributes=password,userName`),
        await o.scim.get('/Users?count=200'),
      ];
      for (const response of responses) {
        expect(response.status).toBeLessThan(300);
        expect(response.text).not.toContain(secret);
        expect(response.text).not.toMatch(/"password"/);
      }
      const rows = JSON.stringify(await t.dataSource.query('SELECT * FROM users'));
      const values = JSON.stringify(await t.dataSource.query('SELECT * FROM user_attribute_values'));
      expect(rows + values).not.toContain(secret);
      const columns = Object.keys((await t.dataSource.query('SELECT * FROM users WHERE id = ?', [Number(id)]))[0]);
      expect(columns.filter((c) => /pass/i.test(c))).toEqual([]);
    });
  });

  describe('media types', () => {
    it.each([
      'application/scim+json',
      'application/json',
      'application/scim+json; charset=utf-8',
      'application/json;charset=UTF-8',
    ])('should accept request bodies sent as %s', async (contentType) => {
      const userName = `ct${contentType.length}${contentType.includes('scim') ? 's' : 'j'}@x.test`;
      const created = await o.scim.post('/Users', { body: userBody(userName), contentType });
      expect(created.status).toBe(201);
      const put = await o.scim.put(`/Users/${created.body.id}`, { body: userBody(userName, { title: 'a' }), contentType });
      expect(put.body.title).toBe('a');
      const patch = await o.scim.patch(`/Users/${created.body.id}`, {
        body: patchBody({ op: 'replace', path: 'title', value: 'b' }),
        contentType,
      });
      expect(patch.body.title).toBe('b');
      const search = await o.scim.post('/Users/.search', { body: { filter: `userName eq "${userName}"` }, contentType });
      expect(search.body.totalResults).toBe(1);
    });

    it('should answer with application/scim+json; charset=utf-8 on every SCIM endpoint', async () => {
      const user = await createUser(o.scim, userBody('media@x.test'));
      const responses = [
        await o.scim.get('/ServiceProviderConfig'),
        await o.scim.get('/ResourceTypes'),
        await o.scim.get('/ResourceTypes/User'),
        await o.scim.get('/Schemas'),
        await o.scim.get(`/Schemas/${CORE_USER}`),
        await o.scim.get('/Users'),
        await o.scim.get(`/Users/${user.id}`),
        await o.scim.put(`/Users/${user.id}`, { body: userBody('media@x.test') }),
        await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'add', path: 'title', value: 'x' }) }),
        await o.scim.post('/Users/.search', { body: {} }),
        await o.scim.post('/Users', { body: userBody('media2@x.test') }),
      ];
      for (const response of responses) {
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
      }
    });
  });

  describe('userName is the email address', () => {
    it.each(['not-an-email', 'two@@x.test', 'spaces in@x.test', '', '   '])(
      'should refuse %j with 400 invalidValue',
      async (userName) => {
        const response = await o.scim.post('/Users', { body: userBody(userName) });
        expect(expectScimError(response, 400, 'invalidValue').detail).toMatch(/userName/);
      },
    );

    it('should refuse a body without userName', async () => {
      expectScimError(await o.scim.post('/Users', { body: { schemas: [CORE_USER], title: 'x' } }), 400, 'invalidValue');
    });

    it('should trim the userName', async () => {
      const user = await createUser(o.scim, userBody('  trimmed@x.test  '));
      expect(user.userName).toBe('trimmed@x.test');
    });
  });
});
