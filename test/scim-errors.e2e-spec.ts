import { client, request } from './support/http';
import {
  CORE_USER,
  createUser,
  ERROR_SCHEMA,
  expectScimError,
  filterQuery,
  patchBody,
  SCIM,
  SCIM_CONTENT_TYPE,
  scimOrganization,
  ScimOrganization,
  userBody,
  userSnapshot,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

describe('SCIM errors: every status with the SCIM Error body', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let user: any;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
  });

  beforeEach(async () => {
    t.clock.reset();
    user = await createUser(o.scim, userBody(`u${Date.now()}${Math.random().toString(36).slice(2, 6)}@x.test`, { title: 'T' }));
  });

  afterAll(async () => {
    await t.close();
  });

  const raw = (method: string, path: string, rawBody: string, contentType = 'application/scim+json') =>
    request(`${t.url}${SCIM}`, method, path, { key: o.scimKey, rawBody, contentType });

  describe('400 invalidSyntax', () => {
    it.each([
      ['POST', '/Users', '{"userName": "a@b.test",'],
      ['POST', '/Users', "{'userName': 'a@b.test'}"],
      ['POST', '/Users', '{"userName": "a@b.test"} trailing'],
      ['PUT', '/Users/:id', '{"userName": '],
      ['PATCH', '/Users/:id', '{"Operations": [}'],
      ['POST', '/Users/.search', '{filter: "x"}'],
      ['POST', '/Users', ''],
    ])('should refuse malformed JSON in %s %s', async (method, path, body) => {
      const before = await userSnapshot(t.dataSource, user.id);
      const response = await raw(method, path.replace(':id', user.id), body);
      expect(expectScimError(response, 400, 'invalidSyntax').detail).toMatch(/JSON/);
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should refuse malformed JSON sent as application/json too', async () => {
      expectScimError(await raw('POST', '/Users', '{"a":', 'application/json'), 400, 'invalidSyntax');
    });

    it.each([
      ['a JSON array', '[]'],
      ['a JSON string', '"user"'],
      ['null', 'null'],
    ])('should refuse %s as a User', async (_what, body) => {
      expectScimError(await raw('POST', '/Users', body), 400, 'invalidSyntax');
    });

    it.each([
      [{}],
      [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }],
      [{ Operations: [] }],
      [{ Operations: 'replace' }],
      [{ Operations: [{ op: 'move', path: 'title', value: 'x' }] }],
      [{ Operations: [{ path: 'title', value: 'x' }] }],
      [{ Operations: ['replace'] }],
      [{ schemas: ['urn:wrong'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }],
    ])('should refuse the PATCH body %j', async (body) => {
      const before = await userSnapshot(t.dataSource, user.id);
      expectScimError(await o.scim.patch(`/Users/${user.id}`, { body }), 400, 'invalidSyntax');
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });
  });

  describe('400 invalidValue', () => {
    it.each([
      [{ active: 'maybe' }],
      [{ emails: 'not-a-list' }],
      [{ name: 5 }],
      [{ title: { nested: true } }],
      [{ title: 'x'.repeat(5000) }],
      [
        {
          emails: [
            { value: 'a@b.test', primary: true },
            { value: 'c@d.test', primary: true },
          ],
        },
      ],
      [{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'] }],
      [{ schemas: 'not-an-array' }],
      [{ meta: { created: 'x' }, userType: 42 }],
    ])('should refuse the User body %j', async (extra) => {
      const response = await o.scim.post('/Users', { body: { ...userBody('invalid.value@x.test'), ...extra } });
      expectScimError(response, 400, 'invalidValue');
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE user_name_lower = ?', [
        'invalid.value@x.test',
      ]);
      expect(Number(n)).toBe(0);
    });

    it.each([
      [{ op: 'replace', path: 'active', value: 'perhaps' }],
      [{ op: 'add', path: 'emails', value: 'x' }],
      [{ op: 'replace', value: 'not-an-object' }],
      [{ op: 'add', path: 'title' }],
    ])('should refuse the PATCH operation %j and change nothing', async (operation) => {
      const before = await userSnapshot(t.dataSource, user.id);
      expectScimError(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), 400, 'invalidValue');
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });
  });

  describe('400 invalidFilter', () => {
    it.each([
      'userName eq',
      'userName xx "a"',
      '(userName eq "a"',
      'userName eq "a")',
      'userName eq "unterminated',
      'nonsense eq "x"',
      'name.nosuch eq "x"',
      'emails[type eq "work"',
      'emails[type eq "work"].nosuch eq "x"',
      'userName eq "a" and',
      'not userName eq "a"',
      'userName gt true',
      'meta.created gt "not a date"',
      'active eq "yes"',
      'and',
      '',
      'userName eq "a" '.repeat(200),
      `${'('.repeat(100)}userName eq "a"${')'.repeat(100)}`,
    ])('should refuse the filter %j', async (filter) => {
      const response = await o.scim.get(`/Users?${filterQuery(filter)}`);
      expectScimError(response, 400, 'invalidFilter');
    });

    it('should refuse a bad filter in POST /Users/.search', async () => {
      expectScimError(await o.scim.post('/Users/.search', { body: { filter: 'userName eq' } }), 400, 'invalidFilter');
    });
  });

  describe('400 invalidPath and noTarget', () => {
    it.each([
      [{ op: 'replace', path: 'nonsense', value: 'x' }],
      [{ op: 'replace', path: 'name.nosuch', value: 'x' }],
      [{ op: 'replace', path: 'emails[type eq]', value: 'x' }],
      [{ op: 'replace', path: 'title[value eq "x"]', value: 'x' }],
      [{ op: 'replace', path: 'emails[type eq "work"].nosuch', value: 'x' }],
      [{ op: 'remove', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch' }],
    ])('should refuse the path in %j with invalidPath', async (operation) => {
      const before = await userSnapshot(t.dataSource, user.id);
      expectScimError(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), 400, 'invalidPath');
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should read an empty path as no path (a path-less value must then be an object)', async () => {
      const response = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'add', path: '', value: 'x' }) });
      expectScimError(response, 400, 'invalidValue');
    });

    it.each([
      [{ op: 'remove' }],
      [{ op: 'replace', path: 'emails[type eq "work" or type eq "home"].value', value: 'x@y.test' }],
      [{ op: 'remove', path: 'urn:ietf:params:scim:schemas:core:2.0:User' }],
    ])('should refuse %j with noTarget', async (operation) => {
      const before = await userSnapshot(t.dataSource, user.id);
      expectScimError(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), 400, 'noTarget');
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should apply no operation of a PATCH when one of them fails', async () => {
      const before = await userSnapshot(t.dataSource, user.id);
      const response = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'replace', path: 'title', value: 'Changed' }, { op: 'replace', path: 'nonsense', value: 1 }),
      });
      expect(expectScimError(response, 400, 'invalidPath').detail).toMatch(/^Operation 2/);
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });
  });

  describe('400 mutability: userName cannot change', () => {
    it.each([
      ['PUT', () => ({ ...userBody('someone.else@x.test'), title: 'T' })],
      ['PATCH with a path', () => patchBody({ op: 'replace', path: 'userName', value: 'someone.else@x.test' })],
      ['PATCH without a path', () => patchBody({ op: 'replace', value: { userName: 'someone.else@x.test' } })],
      ['PATCH removing it', () => patchBody({ op: 'remove', path: 'userName' })],
    ])('should refuse a userName change by %s', async (how, body) => {
      const before = await userSnapshot(t.dataSource, user.id);
      const response =
        how === 'PUT'
          ? await o.scim.put(`/Users/${user.id}`, { body: body() })
          : await o.scim.patch(`/Users/${user.id}`, { body: body() });
      expect(expectScimError(response, 400, 'mutability').detail).toMatch(/userName/);
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it.each([
      [{ op: 'replace', path: 'id', value: '42' }],
      [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }],
    ])('should refuse to change what the server assigns: %j', async (operation) => {
      expectScimError(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), 400, 'mutability');
    });
  });

  describe('400 mutability: active cannot be removed', () => {
    it.each([
      [{ op: 'remove', path: 'active' }],
      [{ op: 'Remove', path: 'urn:ietf:params:scim:schemas:core:2.0:User:active' }],
      [{ op: 'replace', path: 'active', value: null }],
      [{ op: 'replace', value: { active: null } }],
    ])('should refuse %j with a sentence saying to replace it with false, and change nothing', async (operation) => {
      const before = await userSnapshot(t.dataSource, user.id);
      const response = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'replace', path: 'title', value: 'New' }, operation),
      });
      const error = expectScimError(response, 400, 'mutability');
      expect(error.detail).toMatch(
        /^Operation 2 \(.*\): active cannot be removed; replace it with false to deactivate the user\.$/,
      );
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
      expect((await o.scim.get(`/Users/${user.id}`)).body).toMatchObject({ active: true, title: 'T' });
    });

    it('should still deactivate with replace false, as Okta and Entra send it', async () => {
      const entra = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'Replace', path: 'active', value: 'False' }),
      });
      expect([entra.status, entra.body.active]).toEqual([200, false]);
      const okta = await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', value: { active: true } }) });
      expect([okta.status, okta.body.active]).toEqual([200, true]);
    });
  });

  describe('401 and 403', () => {
    it.each([
      ['no Authorization header', undefined],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['an empty bearer', 'Bearer '],
      ['a malformed key', 'Bearer not-a-key'],
      ['a truncated key', 'TRUNCATE'],
      ['a well-formed unknown key', 'UNKNOWN'],
    ])('should refuse %s with 401 and WWW-Authenticate', async (_what, header) => {
      let authorization = header;
      if (header === 'TRUNCATE') authorization = `Bearer ${o.scimKey.slice(0, -3)}`;
      if (header === 'UNKNOWN') {
        // A key of the right format whose hash is not stored: delete a fresh one.
        const fresh = await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } });
        await o.admin.delete(`/v1.0/settings/api-keys/${fresh.body.id}`);
        authorization = `Bearer ${fresh.body.key}`;
      }
      const response = await request(`${t.url}${SCIM}`, 'GET', '/Users', {
        headers: authorization === undefined ? {} : { authorization },
      });
      expectScimError(response, 401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('should refuse an expired SCIM key with 401 saying when it expired', async () => {
      const key = await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', expiresAt: '2030-01-01' } });
      const scim = client(`${t.url}${SCIM}`, key.body.key);
      expect((await scim.get('/Users?count=1')).status).toBe(200);
      t.clock.set('2030-01-01T00:00:00.000Z');
      const response = await scim.get('/Users?count=1');
      expect(expectScimError(response, 401).detail).toMatch(/expired at 2030-01-01T00:00:00.000Z/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('should refuse a Torii API key on the SCIM API with 403 naming the SCIM key', async () => {
      const response = await request(`${t.url}${SCIM}`, 'GET', '/Users', { key: o.org.apiKey.key });
      expect(expectScimError(response, 403).detail).toMatch(/Torii SCIM/);
      const discovery = await request(`${t.url}${SCIM}`, 'GET', '/ServiceProviderConfig', { key: o.org.apiKey.key });
      expectScimError(discovery, 403);
    });

    it('should refuse a SCIM key on the admin API with 403 in the admin error format', async () => {
      const response = await request(t.url, 'GET', '/v1.0/users', { key: o.scimKey });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ statusCode: 403, message: expect.stringMatching(/Torii API/) });
      expect(response.body).not.toHaveProperty('schemas');
    });

    it('should refuse every SCIM call with 403 while SCIM is off, and take the same key again once it is on', async () => {
      const own = await scimOrganization(t);
      const id = (await createUser(own.scim, userBody('toggle@x.test'))).id;
      expect((await own.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } })).status).toBe(200);
      for (const response of [
        await own.scim.get('/Users'),
        await own.scim.get(`/Users/${id}`),
        await own.scim.post('/Users', { body: userBody('new@x.test') }),
        await own.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { active: false } }) }),
        await own.scim.delete(`/Users/${id}`),
        await own.scim.get('/ServiceProviderConfig'),
      ]) {
        expect(expectScimError(response, 403).detail).toMatch(/SCIM is turned off/);
      }
      expect((await own.scim.get(`/Users/${id}`)).status).toBe(403);
      expect(await t.dataSource.query('SELECT active FROM users WHERE id = ?', [Number(id)])).toEqual([{ active: 1 }]);

      await own.admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      expect((await own.scim.get(`/Users/${id}`)).status).toBe(200);
      expect((await own.scim.post('/Users', { body: userBody('new@x.test') })).status).toBe(201);
    });
  });

  describe('404', () => {
    it.each([
      '010101001010101011001010101011',
      '0',
      '-1',
      'abc',
      '1e3',
      '1.0',
      '99999999',
      '2147483648',
      '9'.repeat(400),
      'a'.repeat(400),
      '7'.repeat(2000),
      '%E0%A4%A',
      '%FF',
      '%20',
      '..%2F..%2Fetc',
      "1' OR '1'='1",
    ])('should answer 404 for the id %j on GET, PUT, PATCH and DELETE', async (id) => {
      const path = `/Users/${id.startsWith('%') || id.includes('%2F') ? id : encodeURIComponent(id)}`;
      for (const response of [
        await o.scim.get(path),
        await o.scim.put(path, { body: userBody('x@x.test') }),
        await o.scim.patch(path, { body: patchBody({ op: 'replace', value: { active: false } }) }),
        await o.scim.delete(path),
      ]) {
        expectScimError(response, 404);
      }
    });

    it('should answer 404 for an id in the SCIM path case', async () => {
      expectScimError(await o.scim.get('/users/0'), 404);
    });
  });

  describe('409 uniqueness', () => {
    it('should refuse a userName that exists, whatever its case', async () => {
      await createUser(o.scim, userBody('A@Case.test'));
      for (const userName of ['A@Case.test', 'a@case.test', 'A@CASE.TEST', ' a@case.test ']) {
        const response = await o.scim.post('/Users', { body: userBody(userName) });
        expect(expectScimError(response, 409, 'uniqueness').detail).toMatch(/already exists/);
      }
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE user_name_lower = ?', ['a@case.test']);
      expect(Number(n)).toBe(1);
    });
  });

  describe('413 and 415', () => {
    it('should refuse a body over 1 MiB with 413', async () => {
      const big = JSON.stringify({ ...userBody('big@x.test'), title: 'x'.repeat(1024 * 1024) });
      for (const contentType of ['application/scim+json', 'application/json']) {
        const response = await raw('POST', '/Users', big, contentType);
        expect(expectScimError(response, 413).detail).toMatch(/1 MiB/);
      }
      const patch = await raw(
        'PATCH',
        `/Users/${user.id}`,
        JSON.stringify(patchBody({ op: 'add', path: 'title', value: 'y'.repeat(1100000) })),
      );
      expectScimError(patch, 413);
    });

    it('should take a large body under 1 MiB (and refuse a too-long value as invalidValue, not 413)', async () => {
      const emails = Array.from({ length: 100 }, (_, i) => ({ value: `e${i}@x.test`, display: 'd'.repeat(200) }));
      const created = await o.scim.post('/Users', { body: userBody('many@x.test', { emails }) });
      expect(created.status).toBe(201);
      expect(created.body.emails).toHaveLength(100);
      expectScimError(
        await o.scim.post('/Users', { body: userBody('long@x.test', { title: 'x'.repeat(900_000) }) }),
        400,
        'invalidValue',
      );
    });

    it('should read a body sent without a Content-Type as JSON', async () => {
      const response = await fetch(`${t.url}${SCIM}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.scimKey}` },
        body: new TextEncoder().encode(JSON.stringify(userBody('no.type@x.test'))),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ userName: 'no.type@x.test' });
      const malformed = await fetch(`${t.url}${SCIM}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.scimKey}` },
        body: new TextEncoder().encode('{"userName": '),
      });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
    });

    it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'should refuse a body sent as %s with 415',
      async (contentType) => {
        const response = await raw('POST', '/Users', JSON.stringify(userBody('ct@x.test')), contentType);
        expect(expectScimError(response, 415).detail).toMatch(/application\/scim\+json/);
      },
    );
  });

  describe('500', () => {
    it('should answer an unexpected failure with a SCIM 500 that leaks nothing', async () => {
      // Make the database fail under the server: the users table disappears for a moment.
      await t.dataSource.query('ALTER TABLE users RENAME TO users_gone');
      try {
        const response = await o.scim.get('/Users?filter=userName%20eq%20%22a@b.test%22');
        expect(response.status).toBe(500);
        expect(response.body).toEqual({ schemas: [ERROR_SCHEMA], status: '500', detail: expect.stringMatching(/request id/) });
        expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
        expect(response.text).not.toMatch(/users|SELECT|sqlite|mysql|ER_|stack|\.ts|node_modules/i);
        expect(response.headers.get('x-request-id')).toBeTruthy();
      } finally {
        await t.dataSource.query('ALTER TABLE users_gone RENAME TO users');
      }
      expect((await o.scim.get('/Users?count=1')).status).toBe(200);
    });
  });

  it('should never use the admin error format under the SCIM path, whatever the case of the path', async () => {
    const response = await request(t.url, 'GET', '/V1.0/SCIM/V2/Users', {});
    expectScimError(response, 401);
    expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
    const unknown = await request(t.url, 'GET', `${SCIM}/Unknown`, { key: o.scimKey });
    expectScimError(unknown, 404);
    expect(CORE_USER).toBeTruthy();
  });
});
