import {
  createUser,
  ENTERPRISE_USER,
  expectScimError,
  oktaCreateBody,
  patchBody,
  scimOrganization,
  ScimOrganization,
  userBody,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

const ROUNDS = 8;

describe('SCIM under concurrency: the database decides', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t.close();
  });

  const statuses = (responses: Array<{ status: number }>) => responses.map((r) => r.status).sort();

  it('should give exactly one 201 and one 409 to two simultaneous POSTs of the same userName, every time', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const userName = `race${round}@x.test`;
      const responses = await Promise.all([
        o.scim.post('/Users', { body: oktaCreateBody(userName) }),
        o.scim.post('/Users', { body: oktaCreateBody(round % 2 ? userName.toUpperCase() : userName) }),
      ]);
      expect({ round, statuses: statuses(responses) }).toEqual({ round, statuses: [201, 409] });
      expectScimError(
        responses.find((r) => r.status === 409)!,
        409,
        'uniqueness',
      );
      const rows = await t.dataSource.query('SELECT id FROM users WHERE organization_id = ? AND user_name_lower = ?', [
        Number(o.org.organizationId),
        userName,
      ]);
      expect(rows).toHaveLength(1);
      expect(String(rows[0].id)).toBe(responses.find((r) => r.status === 201)!.body.id);
    }
  });

  it('should give exactly one 201 among five simultaneous POSTs', async () => {
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => o.scim.post('/Users', { body: oktaCreateBody('crowd@x.test') })),
    );
    expect(statuses(responses)).toEqual([201, 409, 409, 409, 409]);
  });

  it('should reactivate a deactivated user once when two POSTs of its userName race (one 201, one 409)', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const user = await createUser(o.scim, oktaCreateBody(`back${round}@x.test`));
      await o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', value: { active: false } }) });
      const responses = await Promise.all([
        o.scim.post('/Users', { body: oktaCreateBody(`back${round}@x.test`, { title: 'first' }) }),
        o.scim.post('/Users', { body: oktaCreateBody(`back${round}@x.test`, { title: 'second' }) }),
      ]);
      expect({ round, statuses: statuses(responses) }).toEqual({ round, statuses: [201, 409] });
      expect(responses.find((r) => r.status === 201)!.body.id).toBe(user.id);
    }
  });

  it('should never lose an update when PATCHes of different attributes arrive at once', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const user = await createUser(o.scim, userBody(`many${round}@x.test`));
      const changes: Array<[string, string]> = [
        ['title', 'Title'],
        ['nickName', 'Nick'],
        ['displayName', 'Display'],
        ['locale', 'fr-FR'],
        ['timezone', 'Europe/Paris'],
        ['preferredLanguage', 'fr'],
        ['name.givenName', 'Given'],
        ['name.familyName', 'Family'],
        [`${ENTERPRISE_USER}:department`, 'Dept'],
        [`${ENTERPRISE_USER}:costCenter`, 'CC'],
      ];
      const responses = await Promise.all(
        changes.map(([path, value]) => o.scim.patch(`/Users/${user.id}`, { body: patchBody({ op: 'replace', path, value }) })),
      );
      expect(responses.map((r) => r.status)).toEqual(changes.map(() => 200));
      const final = (await o.scim.get(`/Users/${user.id}`)).body;
      expect(final).toMatchObject({
        title: 'Title',
        nickName: 'Nick',
        displayName: 'Display',
        locale: 'fr-FR',
        timezone: 'Europe/Paris',
        preferredLanguage: 'fr',
        name: { givenName: 'Given', familyName: 'Family' },
        [ENTERPRISE_USER]: { department: 'Dept', costCenter: 'CC' },
      });
      // Each change made its own version.
      const versions = new Set(responses.map((r) => r.headers.get('etag')));
      expect(versions.size).toBe(changes.length);
      expect(final.meta.version).toBe(`W/"${changes.length + 1}"`);
    }
  });

  it('should keep every element when PATCHes add to the same multi-valued attribute at once', async () => {
    const user = await createUser(o.scim, userBody('emails@x.test'));
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        o.scim.patch(`/Users/${user.id}`, {
          body: patchBody({ op: 'add', path: 'emails', value: [{ value: `e${i}@x.test`, type: 'other' }] }),
        }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const final = (await o.scim.get(`/Users/${user.id}`)).body;
    expect(final.emails.map((e: { value: string }) => e.value).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `e${i}@x.test`).sort(),
    );
  });

  it('should let only one If-Match writer win when several send the same version', async () => {
    const user = await createUser(o.scim, userBody('ifmatch.race@x.test'));
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd'].map((title) =>
        o.scim.patch(`/Users/${user.id}`, {
          body: patchBody({ op: 'replace', path: 'title', value: title }),
          headers: { 'if-match': user.meta.version },
        }),
      ),
    );
    expect(statuses(responses)).toEqual([200, 412, 412, 412]);
    const winner = responses.find((r) => r.status === 200)!;
    expect((await o.scim.get(`/Users/${user.id}`)).body.title).toBe(winner.body.title);
  });

  it('should keep an active Admin when the last two are deactivated at once', async () => {
    for (let round = 0; round < ROUNDS / 2; round++) {
      const own = await scimOrganization(t);
      const second = await createUser(own.scim, userBody(`second${round}@x.test`, { userType: 'Admin' }));
      const responses = await Promise.all(
        [own.org.adminUserId, second.id].map((id) =>
          own.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', value: { active: false } }) }),
        ),
      );
      expect({ round, statuses: statuses(responses) }).toEqual({ round, statuses: [200, 400] });
      const admins = await own.scim.get(`/Users?filter=${encodeURIComponent('userType eq "Admin" and active eq true')}`);
      expect(admins.body.totalResults).toBe(1);
    }
  });

  it('should keep an active Admin when one is deleted and the other demoted at once', async () => {
    const own = await scimOrganization(t);
    const second = await createUser(own.scim, userBody('second.del@x.test', { userType: 'Admin' }));
    const responses = await Promise.all([
      own.scim.delete(`/Users/${own.org.adminUserId}`),
      own.scim.patch(`/Users/${second.id}`, { body: patchBody({ op: 'replace', path: 'userType', value: 'Employee' }) }),
    ]);
    expect(responses.filter((r) => r.status >= 400).map((r) => r.status)).toEqual([400]);
    const admins = await own.scim.get(`/Users?filter=${encodeURIComponent('userType eq "Admin" and active eq true')}`);
    expect(admins.body.totalResults).toBe(1);
  });
});
