import { HttpResponse } from './support/http';
import { ENTERPRISE_USER, expectScimError, patchBody, scimOrganization, ScimOrganization, userSnapshot } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Strings (contract §9): a lone UTF-16 surrogate in any string of either API is 400, never a 500
 * and never stored as U+FFFD; C0 control characters and DEL are 400 in every string attribute of
 * users and groups, but for tab, LF and CR in the one multi-line attribute (addresses[].formatted);
 * directional overrides are 400 in userName, emails[].value, a group's displayName, role names and
 * key descriptions. Through every way in: POST, PUT, PATCH with and without a path, filters.
 */

/** A lone high surrogate; JSON.stringify sends it as the escape \ud800, as a client's JSON would. */
const HIGH = '\ud800';
/** A lone low surrogate. */
const LOW = '\udc00';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('Strings: lone surrogates, control characters and directional overrides', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let n = 0;
  const unique = (prefix = 'u') => `${prefix}${++n}@strings.test`;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Strings', 'owner@strings.test');
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A SCIM 400 of this scimType whose sentence names `label`. */
  const refused = (response: HttpResponse, label: string, scimType = 'invalidValue', what?: RegExp) => {
    const body = expectScimError(response, 400, scimType);
    expect({ label, detail: body.detail }).toEqual({ label, detail: expect.stringContaining(label) });
    if (what) expect(body.detail).toMatch(what);
  };
  /** An admin API 400 that names `field` in its details. */
  const refusedField = (response: HttpResponse, field: string, what?: RegExp) => {
    expect({ field, status: response.status }).toEqual({ field, status: 400 });
    expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    if (what) expect(response.body.message).toMatch(what);
  };
  const userCount = async () => Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM users'))[0].n);
  const groupRow = async (id: string) =>
    JSON.parse(JSON.stringify(await t.dataSource.query('SELECT * FROM user_groups WHERE id = ?', [Number(id)])));
  const newUser = async (extra: Record<string, unknown> = {}) => {
    const created = await o.scim.post('/Users', {
      body: { userName: unique(), emails: [{ value: unique('mail'), type: 'work', primary: true }], ...extra },
    });
    expect(created.status).toBe(201);
    return created.body as { id: string; userName: string };
  };
  const newGroup = async () => {
    const created = await o.scim.post('/Groups', { body: { displayName: `Group ${++n}` } });
    expect(created.status).toBe(201);
    return created.body as { id: string; displayName: string };
  };

  describe('lone UTF-16 surrogates', () => {
    const SURROGATE = /lone UTF-16 surrogate/;

    it('should refuse the userName of the report (a 500 before), and store nothing', async () => {
      const before = await userCount();
      const response = await o.scim.post('/Users', {
        rawBody: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u\\ud800@ex.test"}',
        contentType: 'application/scim+json',
      });
      refused(response, 'userName', 'invalidValue', SURROGATE);
      expect(await userCount()).toBe(before);
    });

    it('should refuse one in any string of a User body, nested or not, known or not, and store nothing', async () => {
      const before = await userCount();
      for (const [label, extra] of [
        ['name.givenName', { name: { givenName: `Ann${HIGH}` } }],
        ['emails[0].value', { emails: [{ value: `a${LOW}@strings.test` }] }],
        ['addresses[0].formatted', { addresses: [{ formatted: `1 Main St${LOW}` }] }],
        ['addresses[0].locality', { addresses: [{ locality: HIGH }] }],
        [`${ENTERPRISE_USER}.department`, { [ENTERPRISE_USER]: { department: `R&D${HIGH}` } }],
        [`${ENTERPRISE_USER}.manager.displayName`, { [ENTERPRISE_USER]: { manager: { value: '1', displayName: LOW } } }],
        ['customAttribute', { customAttribute: `ignored but ${HIGH} still refused` }],
        ['schemas[1]', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', `urn:x:${LOW}`] }],
      ] as const) {
        refused(await o.scim.post('/Users', { body: { userName: unique(), ...extra } }), label, 'invalidValue', SURROGATE);
      }
      // A member name (key) is a string too.
      refused(
        await o.scim.post('/Users', { body: { userName: unique(), [`ti${HIGH}tle`]: 'x' } }),
        'a member name',
        'invalidValue',
      );
      expect(await userCount()).toBe(before);
    });

    it('should take a well-formed pair written as escapes (an emoji)', async () => {
      const userName = unique();
      const response = await o.scim.post('/Users', {
        rawBody: `{"userName":"${userName}","title":"Launch \\ud83d\\ude80"}`,
        contentType: 'application/scim+json',
      });
      expect(response.status).toBe(201);
      expect(response.body.title).toBe('Launch 🚀');
      expect((await o.scim.get(`/Users/${response.body.id}`)).body.title).toBe('Launch 🚀');
    });

    it('should refuse one through PUT and PATCH (with and without a path, in value objects and in path filters), changing nothing', async () => {
      const user = await newUser({ title: 'Engineer' });
      const before = await userSnapshot(t.dataSource, user.id);
      refused(
        await o.scim.put(`/Users/${user.id}`, { body: { userName: user.userName, title: `Lead${HIGH}` } }),
        'title',
        'invalidValue',
        SURROGATE,
      );
      for (const [label, operation] of [
        ['Operations[0].value', { op: 'replace', path: 'title', value: `Lead${LOW}` }],
        ['Operations[0].value.name.familyName', { op: 'replace', value: { name: { familyName: HIGH } } }],
        ['Operations[0].value.title', { op: 'add', value: { title: LOW } }],
        ['Operations[0].value[0].value', { op: 'add', path: 'emails', value: [{ value: `b${HIGH}@strings.test` }] }],
        ['Operations[0].value', { op: 'replace', path: 'emails[type eq "work"].value', value: `c${LOW}@strings.test` }],
        ['Operations[0].path', { op: 'replace', path: `emails[value eq "${HIGH}"].type`, value: 'home' }],
      ] as const) {
        refused(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), label, 'invalidValue', SURROGATE);
      }
      // Written as an escape inside the path's filter string: the filter parser decodes it and refuses it.
      const escaped = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'replace', path: 'emails[value eq "\\ud800"].type', value: 'home' }),
      });
      expectScimError(escaped, 400, 'invalidPath');
      expect(escaped.body.detail).toMatch(SURROGATE);
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should refuse one in a filter, in the query string or in a .search body', async () => {
      for (const resource of ['Users', 'Groups']) {
        const attribute = resource === 'Users' ? 'userName' : 'displayName';
        for (const escape of ['\\ud800', '\\udc00x', 'x\\udbff']) {
          const response = await o.scim.get(`/${resource}?filter=${encodeURIComponent(`${attribute} eq "${escape}"`)}`);
          expectScimError(response, 400, 'invalidFilter');
          expect(response.body.detail).toMatch(SURROGATE);
        }
        const search = await o.scim.post(`/${resource}/.search`, { body: { filter: `${attribute} sw "\\udfff"` } });
        expectScimError(search, 400, 'invalidFilter');
        refused(await o.scim.post(`/${resource}/.search`, { body: { filter: `${attribute} sw "${HIGH}"` } }), 'filter');
      }
      // A percent-encoded surrogate is not UTF-8: the query string's value is left undecoded, so the
      // filter parser sees '%' where a quote was written, and refuses it (no lone surrogate is ever made).
      expectScimError(await o.scim.get('/Users?filter=userName%20eq%20%22%ED%A0%80%22'), 400, 'invalidFilter');
    });

    it('should refuse one in a Group body through POST, PUT and PATCH, changing nothing', async () => {
      const group = await newGroup();
      const before = await groupRow(group.id);
      refused(await o.scim.post('/Groups', { body: { displayName: `Team${HIGH}` } }), 'displayName', 'invalidValue', SURROGATE);
      refused(await o.scim.post('/Groups', { body: { displayName: 'Fine', externalId: LOW } }), 'externalId');
      refused(await o.scim.post('/Groups', { body: { displayName: 'Fine', members: [{ value: HIGH }] } }), 'members[0].value');
      refused(
        await o.scim.put(`/Groups/${group.id}`, { body: { schemas: [CORE_GROUP], displayName: `Team${LOW}` } }),
        'displayName',
      );
      for (const [label, operation] of [
        ['Operations[0].value', { op: 'replace', path: 'displayName', value: `Team${HIGH}` }],
        ['Operations[0].value.displayName', { op: 'replace', value: { displayName: `Team${LOW}` } }],
        ['Operations[0].value[0].value', { op: 'add', path: 'members', value: [{ value: HIGH }] }],
      ] as const) {
        refused(await o.scim.patch(`/Groups/${group.id}`, { body: patchBody(operation) }), label, 'invalidValue', SURROGATE);
      }
      expect(await groupRow(group.id)).toEqual(before);
      const groups = await t.dataSource.query('SELECT display_name FROM user_groups WHERE display_name LIKE ?', ['Team%']);
      expect(groups).toEqual([]);
    });

    it('should refuse one in any field of the admin API, naming the field, and store nothing', async () => {
      const role = (await o.admin.post('/v1.0/settings/roles', { body: { name: 'Surrogates' } })).body;
      const key = (await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Surrogates' } })).body;
      const group = await newGroup();
      for (const [field, call] of [
        ['name', () => o.admin.post('/v1.0/settings/roles', { body: { name: `Ops${HIGH}` } })],
        ['description', () => o.admin.post('/v1.0/settings/roles', { body: { name: 'Ops', description: LOW } })],
        ['name', () => o.admin.patch(`/v1.0/settings/roles/${role.id}`, { body: { name: `Ops${LOW}` } })],
        ['description', () => o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: HIGH } })],
        ['description', () => o.admin.patch(`/v1.0/settings/api-keys/${key.id}`, { body: { description: `x${LOW}` } })],
        ['role', () => o.admin.post('/v1.0/settings/role-mappings', { body: { groupId: group.id, role: `Admin${HIGH}` } })],
        ['role', () => o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { role: LOW } })],
      ] as const) {
        refusedField(await call(), field, /lone UTF-16 surrogate/);
      }
      const roles = (await o.admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name);
      expect(roles).toContain('Surrogates');
      expect(roles).not.toContain('Ops');
      expect((await o.admin.get(`/v1.0/settings/api-keys/${key.id}`)).body.description).toBe('Surrogates');
      expect((await o.admin.get('/v1.0/settings/role-mappings')).body.roleMappings).toEqual([]);
    });
  });

  describe('control characters', () => {
    const CONTROL = /control characters/;

    it('should refuse C0 and DEL in every string attribute of a User, tab, LF and CR included, and store nothing', async () => {
      const before = await userCount();
      for (const [label, extra] of [
        ['userName', { userName: 'u\r@strings.test' }],
        ['name.givenName', { name: { givenName: 'Ann\u0007' } }],
        ['name.formatted', { name: { formatted: 'Ann\nLee' } }],
        ['displayName', { displayName: '\u007f' }],
        ['title', { title: 'Lead\u0000' }],
        ['nickName', { nickName: 'Al\tex' }],
        ['externalId', { externalId: 'e\u0002' }],
        ['emails[0].value', { emails: [{ value: 'a\u0001@strings.test' }] }],
        ['emails[0].type', { emails: [{ value: 'a@strings.test', type: 'work\u001f' }] }],
        ['phoneNumbers[0].value', { phoneNumbers: [{ value: '+1 555\u001b' }] }],
        ['addresses[0].streetAddress', { addresses: [{ streetAddress: '1 Main St\nApt 2' }] }],
        ['addresses[0].locality', { addresses: [{ locality: 'Paris\t' }] }],
        ['addresses[0].formatted', { addresses: [{ formatted: '1 Main St\u0000' }] }],
        [`${ENTERPRISE_USER}:department`, { [ENTERPRISE_USER]: { department: 'R&D\u0003' } }],
        [`${ENTERPRISE_USER}:manager.displayName`, { [ENTERPRISE_USER]: { manager: { value: '1', displayName: 'Boss\u0008' } } }],
      ] as const) {
        const body = Object.assign({ userName: unique() }, extra);
        refused(await o.scim.post('/Users', { body }), label, 'invalidValue', CONTROL);
      }
      expect(await userCount()).toBe(before);
    });

    it('should keep tab, LF and CR in addresses[].formatted, the multi-line attribute, as sent', async () => {
      const formatted = '1 Main St\r\nSpringfield\tIL 62701\nUSA';
      const created = await o.scim.post('/Users', { body: { userName: unique(), addresses: [{ formatted, type: 'work' }] } });
      expect(created.status).toBe(201);
      expect(created.body.addresses).toEqual([{ formatted, type: 'work' }]);
      expect((await o.scim.get(`/Users/${created.body.id}`)).body.addresses).toEqual([{ formatted, type: 'work' }]);
      const patched = await o.scim.patch(`/Users/${created.body.id}`, {
        body: patchBody({ op: 'replace', path: 'addresses[type eq "work"].formatted', value: 'PO Box 1\nNowhere' }),
      });
      expect(patched.status).toBe(200);
      expect(patched.body.addresses).toEqual([{ formatted: 'PO Box 1\nNowhere', type: 'work' }]);
    });

    it('should refuse them through PUT and PATCH (with and without a path, value objects, filtered paths), changing nothing', async () => {
      const user = await newUser({ title: 'Engineer', addresses: [{ formatted: 'a', type: 'work' }] });
      const before = await userSnapshot(t.dataSource, user.id);
      refused(await o.scim.put(`/Users/${user.id}`, { body: { userName: user.userName, title: 'Lead\u0007' } }), 'title');
      refused(
        await o.scim.put(`/Users/${user.id}`, { body: { userName: user.userName, addresses: [{ formatted: 'x\u000b' }] } }),
        'addresses[0].formatted',
      );
      for (const [label, operation] of [
        ['title', { op: 'replace', path: 'title', value: 'Lead\u0001' }],
        ['name.givenName', { op: 'replace', path: 'name.givenName', value: 'Ann\n' }],
        ['name.familyName', { op: 'replace', value: { name: { familyName: 'Lee\u007f' } } }],
        ['name.familyName', { op: 'add', value: { 'name.familyName': 'Lee\t' } }],
        ['title', { op: 'add', value: { title: '\u001f' } }],
        ['emails[0].value', { op: 'add', path: 'emails', value: [{ value: 'b\u0007@strings.test' }] }],
        ['emails[type eq "work"].value', { op: 'replace', path: 'emails[type eq "work"].value', value: 'c\u0000@strings.test' }],
        ['addresses[type eq "work"].formatted', { op: 'replace', path: 'addresses[type eq "work"].formatted', value: 'x\u0000' }],
        [`${ENTERPRISE_USER}:department`, { op: 'replace', path: `${ENTERPRISE_USER}:department`, value: 'Ops\u0002' }],
      ] as const) {
        refused(await o.scim.patch(`/Users/${user.id}`, { body: patchBody(operation) }), label, 'invalidValue', CONTROL);
      }
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(before);
    });

    it('should not let a value stored before the rule block a PATCH of other attributes', async () => {
      const user = await newUser();
      await t.dataSource.query('UPDATE users SET title = ? WHERE id = ?', ['Old\u0007title', Number(user.id)]);
      const patched = await o.scim.patch(`/Users/${user.id}`, {
        body: patchBody({ op: 'replace', path: 'active', value: false }),
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ active: false, title: 'Old\u0007title' });
    });

    it('should refuse them in a Group through POST, PUT and PATCH, changing nothing', async () => {
      const group = await newGroup();
      const before = await groupRow(group.id);
      refused(await o.scim.post('/Groups', { body: { displayName: 'Team\u0007' } }), 'displayName', 'invalidValue', CONTROL);
      refused(await o.scim.post('/Groups', { body: { displayName: 'Team\n' } }), 'displayName', 'invalidValue', CONTROL);
      refused(await o.scim.post('/Groups', { body: { displayName: 'Team', externalId: 'e\u0001' } }), 'externalId');
      refused(await o.scim.put(`/Groups/${group.id}`, { body: { displayName: 'Team\t' } }), 'displayName');
      for (const operation of [
        { op: 'replace', path: 'displayName', value: 'Team\u007f' },
        { op: 'replace', value: { displayName: 'Team\r' } },
        { op: 'replace', path: 'externalId', value: 'e\u0000' },
      ]) {
        refused(
          await o.scim.patch(`/Groups/${group.id}`, { body: patchBody(operation) }),
          String(operation.path ?? 'displayName'),
        );
      }
      expect(await groupRow(group.id)).toEqual(before);
    });
  });

  describe('directional overrides', () => {
    const DIRECTIONAL = /directional formatting characters/;
    const OVERRIDES = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

    it('should refuse each in userName and emails[].value, through POST, PUT and PATCH', async () => {
      const before = await userCount();
      for (const c of OVERRIDES) {
        refused(
          await o.scim.post('/Users', { body: { userName: `${c}moc.evil@strings.test` } }),
          'userName',
          'invalidValue',
          DIRECTIONAL,
        );
      }
      refused(
        await o.scim.post('/Users', { body: { userName: unique(), emails: [{ value: `admin\u202e@strings.test` }] } }),
        'emails[0].value',
        'invalidValue',
        DIRECTIONAL,
      );
      expect(await userCount()).toBe(before);
      const user = await newUser();
      const snapshot = await userSnapshot(t.dataSource, user.id);
      refused(
        await o.scim.put(`/Users/${user.id}`, { body: { userName: user.userName, emails: [{ value: `x\u2066@strings.test` }] } }),
        'emails[0].value',
      );
      refused(
        await o.scim.patch(`/Users/${user.id}`, {
          body: patchBody({ op: 'replace', path: 'emails[type eq "work"].value', value: `y\u2069@strings.test` }),
        }),
        'emails[type eq "work"].value',
      );
      refused(
        await o.scim.patch(`/Users/${user.id}`, {
          body: patchBody({ op: 'add', value: { emails: [{ value: `z\u202d@strings.test` }] } }),
        }),
        'emails[0].value',
      );
      expect(await userSnapshot(t.dataSource, user.id)).toEqual(snapshot);
    });

    it('should take them in names meant for display (a right-to-left name may hold one)', async () => {
      const created = await o.scim.post('/Users', {
        body: { userName: unique(), displayName: '\u202bשלום\u202c', name: { givenName: '\u2067سلام\u2069' } },
      });
      expect(created.status).toBe(201);
      expect(created.body.displayName).toBe('\u202bשלום\u202c');
    });

    it("should refuse each in a group's displayName, through POST, PUT and PATCH", async () => {
      for (const c of OVERRIDES) {
        refused(
          await o.scim.post('/Groups', { body: { displayName: `Admins${c}` } }),
          'displayName',
          'invalidValue',
          DIRECTIONAL,
        );
      }
      const group = await newGroup();
      const before = await groupRow(group.id);
      refused(await o.scim.put(`/Groups/${group.id}`, { body: { displayName: '\u202eAdmins' } }), 'displayName');
      refused(
        await o.scim.patch(`/Groups/${group.id}`, { body: patchBody({ op: 'replace', path: 'displayName', value: 'A\u2066' }) }),
        'displayName',
      );
      refused(
        await o.scim.patch(`/Groups/${group.id}`, { body: patchBody({ op: 'replace', value: { displayName: 'A\u2068' } }) }),
        'displayName',
      );
      expect(await groupRow(group.id)).toEqual(before);
    });

    it('should refuse each in role names and key descriptions, naming the field', async () => {
      const role = (await o.admin.post('/v1.0/settings/roles', { body: { name: 'Directional' } })).body;
      const key = (await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Directional' } })).body;
      for (const c of OVERRIDES) {
        refusedField(await o.admin.post('/v1.0/settings/roles', { body: { name: `Admin${c}` } }), 'name', DIRECTIONAL);
        refusedField(
          await o.admin.patch(`/v1.0/settings/roles/${role.id}`, { body: { name: `${c}Admin` } }),
          'name',
          DIRECTIONAL,
        );
        refusedField(
          await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: `Okta${c}` } }),
          'description',
          DIRECTIONAL,
        );
        refusedField(
          await o.admin.patch(`/v1.0/settings/api-keys/${key.id}`, { body: { description: `${c}Okta` } }),
          'description',
          DIRECTIONAL,
        );
      }
      expect((await o.admin.get(`/v1.0/settings/roles`)).body.roles.map((r: { name: string }) => r.name)).toContain(
        'Directional',
      );
      expect((await o.admin.get(`/v1.0/settings/api-keys/${key.id}`)).body.description).toBe('Directional');
    });
  });
});
