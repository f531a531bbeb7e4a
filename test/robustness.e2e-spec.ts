import { scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Hostile and unlucky input: each case here once answered 500 (or, for the filters, the wrong
 * users) and must now be a 400 with a sentence that names what is wrong, with nothing changed.
 */
describe('robustness: bad input is a 400 that names the problem, never a 500', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('null for a field of the admin API', () => {
    it('should refuse null role and active of a user, naming the field, and change nothing', async () => {
      const user = (await o.scim.post('/Users', { body: { userName: 'null@robust.test', userType: 'Read-only' } })).body;
      for (const body of [{ role: null }, { active: null }, { role: null, active: false }]) {
        const response = await o.admin.patch(`/v1.0/users/${user.id}`, { body });
        expect(response.status).toBe(400);
        const field = Object.keys(body)[0];
        expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
        expect(response.body.message).toContain(`${field} cannot be null`);
      }
      const after = await o.admin.get(`/v1.0/users/${user.id}`);
      expect(after.body).toMatchObject({ role: 'Read-only', active: true });
    });

    it('should refuse a null role name, and keep the role', async () => {
      const role = (await o.admin.post('/v1.0/settings/roles', { body: { name: 'Nullable' } })).body;
      const response = await o.admin.patch(`/v1.0/settings/roles/${role.id}`, { body: { name: null } });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([expect.objectContaining({ field: 'name' })]);
      expect((await o.admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name)).toContain('Nullable');
    });

    it('should take null where it is documented: a description cleared, a key without expiry', async () => {
      const key = await o.admin.post('/v1.0/settings/api-keys', {
        body: { type: 'api', description: 'temp', expiresAt: null },
      });
      expect(key.status).toBe(201);
      expect(key.body.expiresAt).toBeNull();
      const cleared = await o.admin.patch(`/v1.0/settings/api-keys/${key.body.id}`, { body: { description: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.description).toBeNull();
    });
  });

  describe('JSON nested deeper than 64 levels', () => {
    const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

    it('should be a 400 on the admin API, whatever the depth', async () => {
      for (const levels of [65, 100_000]) {
        const response = await o.admin.post('/v1.0/settings/api-keys', { rawBody: deep(levels) });
        expect(response.status).toBe(400);
        expect(response.body.message).toBe('The request body nests JSON deeper than 64 levels; send a flatter body.');
      }
      const nested = `{"type":"api","description":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}`;
      expect((await o.admin.post('/v1.0/settings/api-keys', { rawBody: nested })).status).toBe(400);
    });

    it('should be a 400 invalidSyntax on SCIM, for both media types', async () => {
      for (const contentType of ['application/scim+json', 'application/json']) {
        const response = await o.scim.post('/Users', { rawBody: deep(100_000), contentType });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ scimType: 'invalidSyntax', status: '400' });
        expect(response.body.detail).toContain('deeper than 64 levels');
      }
    });

    it('should still take 64 levels, and brackets inside strings do not count', async () => {
      const atLimit = `{"userName":"deep@robust.test","displayName":"${'['.repeat(200)}","x":${deep(63)}}`;
      const response = await o.scim.post('/Users', { rawBody: atLimit, contentType: 'application/scim+json' });
      expect(response.status).toBe(201);
      expect(response.body.displayName).toBe('['.repeat(200));
    });
  });

  describe('media types and headers', () => {
    it('should take only JSON bodies on the admin API: a form or text body is 415', async () => {
      for (const [contentType, rawBody] of [
        ['application/x-www-form-urlencoded', 'type=api&description=form'],
        ['text/plain', '{"type":"api"}'],
      ]) {
        const response = await o.admin.post('/v1.0/settings/api-keys', { rawBody, contentType });
        expect([contentType, response.status]).toEqual([contentType, 415]);
      }
      const keys = (await o.admin.get('/v1.0/settings/api-keys')).body.apiKeys;
      expect(keys.map((k: { description: string | null }) => k.description)).not.toContain('form');
    });

    it('should mark every API answer no-store and nosniff, errors and the one that carries a new secret included', async () => {
      const answers = [
        await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'headers' } }),
        await o.admin.get('/v1.0/organization'),
        await o.admin.get('/v1.0/users/999999'),
        await o.scim.get('/Users?count=1'),
        await o.scim.get('/Users/nope'),
        await o.scim.get('/Nothing'),
      ];
      expect(answers.map((r) => r.status)).toEqual([201, 200, 404, 200, 404, 404]);
      for (const response of answers) {
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    it('should mark /health and every 404 nosniff, routed or not, wherever the path is', async () => {
      const expected: Array<[string, number, string]> = [
        ['/health', 200, 'nosniff'],
        ['/health/ready', 200, 'nosniff'],
        ['/nope', 404, 'nosniff'],
        ['/nope/deeper?q=1', 404, 'nosniff'],
        ['/v1.0/nope', 404, 'nosniff'],
        ['/v1.0/scim/v2/Nothing', 404, 'nosniff'],
        // Refused by the router before any hook runs (not percent-encoding): still a 404 with the headers.
        ['/v1.0/scim/v2/Users/%zz', 404, 'nosniff'],
        ['/settings/assets/missing.js', 404, 'nosniff'],
        ['/docs/missing', 404, 'nosniff'],
      ];
      const answers: Array<[string, number, string | null]> = [];
      for (const [path] of expected) {
        const response = await fetch(`${t.url}${path}`);
        await response.arrayBuffer();
        answers.push([path, response.status, response.headers.get('x-content-type-options')]);
      }
      expect(answers).toEqual(expected);
      // Under /v1.0, a 404 is an API answer: not cached either, even when the router refused it.
      // The router matches paths case-insensitively, so do the headers.
      for (const path of ['/v1.0/scim/v2/Users/%zz', '/V1.0/Organization', '/V1.0/SCIM/V2/Users']) {
        const response = await fetch(`${t.url}${path}`);
        await response.arrayBuffer();
        expect([path, response.headers.get('cache-control')]).toEqual([path, 'no-store']);
      }
    });

    it('should give /docs a Content-Security-Policy and refuse framing', async () => {
      for (const path of ['/docs', '/docs/openapi.json']) {
        const response = await fetch(`${t.url}${path}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(response.headers.get('x-frame-options')).toBe('DENY');
      }
    });
  });

  describe('input hygiene', () => {
    it('should refuse control characters in role names, descriptions and userNames', async () => {
      for (const [path, body] of [
        ['/v1.0/settings/roles', { name: 'Admin\u0000' }],
        ['/v1.0/settings/roles', { name: 'Ops', description: 'bell\u0007' }],
        ['/v1.0/settings/api-keys', { type: 'api', description: 'tab\there' }],
      ] as const) {
        const response = await o.admin.post(path, { body });
        expect([path, response.status]).toEqual([path, 400]);
        expect(response.body.message).toMatch(/must not contain control characters/);
      }
      expect((await o.admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name)).not.toContain('Ops');
      const user = await o.scim.post('/Users', { body: { userName: 'ctl\u0001@robust.test' } });
      expect(user.status).toBe(400);
      expect(user.body.detail).toMatch(/control characters/);
    });

    it('should treat NFC and NFD spellings of one userName or role name as the same', async () => {
      const nfd = 'jose\u0301@robust.test';
      const nfc = 'jos\u00e9@robust.test';
      const created = await o.scim.post('/Users', { body: { userName: nfd } });
      expect(created.status).toBe(201);
      expect(created.body.userName).toBe(nfc);
      const again = await o.scim.post('/Users', { body: { userName: nfc } });
      expect(again.status).toBe(409);
      const found = await o.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${nfd.toUpperCase()}"`)}`);
      expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([created.body.id]);

      expect((await o.admin.post('/v1.0/settings/roles', { body: { name: 'Cafe\u0301' } })).status).toBe(201);
      expect((await o.admin.post('/v1.0/settings/roles', { body: { name: 'CAF\u00c9' } })).status).toBe(409);
      const assigned = await o.scim.post('/Users', { body: { userName: 'role@robust.test', userType: 'caf\u00e9' } });
      expect(assigned.status).toBe(201);
      expect(assigned.body.userType).toBe('Caf\u00e9');
    });

    it('should refuse a body that is not UTF-8 instead of storing U+FFFD', async () => {
      for (const [path, key, contentType] of [
        ['/v1.0/scim/v2/Users', o.scimKey, 'application/scim+json'],
        ['/v1.0/settings/roles', o.org.apiKey.key, 'application/json'],
      ]) {
        const field = path.endsWith('Users') ? 'userName' : 'name';
        const body = Buffer.concat([Buffer.from(`{"${field}":"bad`), Buffer.from([0xff, 0xfe]), Buffer.from('@robust.test"}')]);
        const response = await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
          body,
        });
        expect([path, response.status]).toEqual([path, 400]);
        expect(await response.text()).toContain('not valid UTF-8');
      }
      const stored = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE user_name LIKE ?', ['bad%']);
      expect(Number(stored[0].n)).toBe(0);
    });

    it('should match ids as the server writes them: id eq "01" is no user, as GET /Users/01 is a 404', async () => {
      const user = (await o.scim.post('/Users', { body: { userName: 'ids@robust.test' } })).body;
      const ids = async (filter: string) =>
        (await o.scim.get(`/Users?filter=${encodeURIComponent(filter)}`)).body.Resources.map((u: { id: string }) => u.id);
      expect(await ids(`id eq "${user.id}"`)).toEqual([user.id]);
      expect(await ids(`id eq "0${user.id}"`)).toEqual([]);
      expect((await o.scim.get(`/Users/0${user.id}`)).status).toBe(404);
    });
  });

  describe('both engines compare alike', () => {
    it('should treat trailing spaces as significant in filters and uniqueness (MySQL/MariaDB padded them away)', async () => {
      const plain = (await o.scim.post('/Users', { body: { userName: 'pad@robust.test', externalId: 'abc' } })).body;
      const padded = (await o.scim.post('/Users', { body: { userName: 'pad2@robust.test', externalId: 'abc  ' } })).body;
      const ids = async (filter: string) =>
        (await o.scim.get(`/Users?filter=${encodeURIComponent(filter)}`)).body.Resources.map((u: { id: string }) => u.id);
      expect(await ids('externalId eq "abc   "')).toEqual([]);
      expect(await ids('externalId eq "abc"')).toEqual([plain.id]);
      expect(await ids('externalId eq "abc  "')).toEqual([padded.id]);
      expect(await ids('externalId gt "abc" and userName ew "@robust.test"')).toEqual([padded.id]);
      // Role names are trimmed; a role's name with trailing characters that are not spaces stays distinct.
      expect((await o.admin.post('/v1.0/settings/roles', { body: { name: 'Pad' } })).status).toBe(201);
      expect((await o.admin.post('/v1.0/settings/roles', { body: { name: 'Pad.' } })).status).toBe(201);
    });
  });

  describe('control characters in filter strings', () => {
    it('should refuse them (a NUL made SQLite match every user with ew and co)', async () => {
      await o.scim.post('/Users', { body: { userName: 'nul@robust.test' } });
      for (const filter of ['userName ew "\\u0000nonexistent"', 'userName co "a\\u0001"', 'displayName eq "\\u007f"']) {
        const response = await o.scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
        expect(response.status).toBe(400);
        expect(response.body.scimType).toBe('invalidFilter');
        expect(response.body.detail).toMatch(/control character/);
      }
    });
  });
});
