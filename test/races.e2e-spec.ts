import { oktaCreateBody, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Races between legal requests end in 2xx or 4xx with a sentence, never a 500, on both engines.
 * Each case once gave 500s on MariaDB (SQLite runs transactions one at a time, so it never raced).
 */
describe('races between legal requests: never a 500', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t.close();
  });

  it('should delete a role while SCIM provisions users with it: 204 or 409 for the delete, 201 or 400 for each POST', async () => {
    for (let round = 0; round < 12; round++) {
      const name = `Racing ${round}`;
      const role = (await o.admin.post('/v1.0/settings/roles', { body: { name } })).body;
      const posts = Array.from({ length: 8 }, (_, i) =>
        o.scim.post('/Users', { body: oktaCreateBody(`r${round}u${i}@race.test`, { userType: name }) }),
      );
      const [deleted, ...created] = await Promise.all([o.admin.delete(`/v1.0/settings/roles/${role.id}`), ...posts]);
      const statuses = created.map((r) => r.status);
      expect({ round, delete: deleted.status, body: deleted.status === 204 ? undefined : deleted.body.message }).toEqual({
        round,
        delete: deleted.status === 204 ? 204 : 409,
        body: deleted.status === 204 ? undefined : expect.stringContaining(`The role "${name}" still has`),
      });
      for (const response of created) {
        expect([201, 400]).toContain(response.status);
        if (response.status === 400) expect(response.body.detail).toContain(`"${name}" is not a role of this organization`);
      }
      // What the answers say is what is stored: the role exists exactly when a user got it.
      const roles = (await o.admin.get('/v1.0/settings/roles')).body.roles.filter((r: { name: string }) => r.name === name);
      expect(roles.length).toBe(deleted.status === 204 ? 0 : 1);
      if (roles.length) expect(roles[0].userCount).toBe(statuses.filter((s) => s === 201).length);
      else expect(statuses.filter((s) => s === 201)).toEqual([]);
    }
  });

  it('should create one user and refuse the rest when the same userName arrives in many casings at once', async () => {
    for (let round = 0; round < 10; round++) {
      const casings = Array.from({ length: 30 }, (_, i) => {
        const base = `mixed${round}@case.test`;
        return i % 3 === 0 ? base : i % 3 === 1 ? base.toUpperCase() : base.replace(/[aeiou]/g, (c) => c.toUpperCase());
      });
      const responses = await Promise.all(casings.map((userName) => o.scim.post('/Users', { body: oktaCreateBody(userName) })));
      const statuses = responses.map((r) => r.status).sort();
      expect({ round, statuses }).toEqual({ round, statuses: [201, ...Array(29).fill(409)] });
      for (const refused of responses.filter((r) => r.status === 409)) expect(refused.body.scimType).toBe('uniqueness');
    }
  });
});
