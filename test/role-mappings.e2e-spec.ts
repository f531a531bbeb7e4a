import { client } from './support/http';
import { Client, PATCH_OP, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Roles from groups (contract §7): the role-mappings admin API, precedence, the user's own role
 * behind a mapping, roleSource, the 409 on a group-given role, and the last active Admin rule for
 * every membership and mapping change, on the engine under test.
 */
describe('Roles from groups', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let admin: Client;
  let scim: Client;

  const user = async (userName: string, userType?: string): Promise<string> => {
    const created = await scim.post('/Users', { body: { userName, ...(userType ? { userType } : {}) } });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  const group = async (displayName: string, members: string[] = []): Promise<string> => {
    const created = await scim.post('/Groups', { body: { displayName, members: members.map((value) => ({ value })) } });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  const members = (id: string, op: 'add' | 'remove', ids: string[]) =>
    scim.patch(`/Groups/${id}`, {
      body: {
        schemas: [PATCH_OP],
        Operations:
          op === 'add'
            ? [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }]
            : ids.map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` })),
      },
    });
  const map = (groupId: string, role: string, priority?: number) =>
    admin.post('/v1.0/settings/role-mappings', { body: { groupId, role, ...(priority === undefined ? {} : { priority }) } });
  const userType = async (id: string) => (await scim.get(`/Users/${id}`)).body.userType;
  const view = async (id: string) => (await admin.get(`/v1.0/users/${id}`)).body;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Mapped', 'owner@mapped.test');
    admin = o.admin;
    scim = o.scim;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should give a mapped group’s members its role over userType, keep their own role, and give it back', async () => {
    const alice = await user('alice@mapped.test', 'IT Admin');
    const admins = await group('Torii Admins');

    const created = await map(admins, 'admin');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      groupId: admins,
      groupDisplayName: 'Torii Admins',
      role: 'Admin',
      priority: 10,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const before = (await scim.get(`/Users/${alice}`)).body.meta.version;

    // Joining the group: the mapping wins over userType, in the same request.
    expect((await members(admins, 'add', [alice])).status).toBe(204);
    const joined = (await scim.get(`/Users/${alice}`)).body;
    expect(joined.userType).toBe('Admin');
    expect(joined.meta.version).not.toBe(before);
    expect(await view(alice)).toMatchObject({
      role: 'Admin',
      roleSource: 'group',
      roleGroup: { id: admins, displayName: 'Torii Admins' },
    });

    // userType sent by the identity provider while the group gives the role: kept as the own role, not shown.
    const put = await scim.put(`/Users/${alice}`, { body: { userName: 'alice@mapped.test', userType: 'Procurement' } });
    expect(put.status).toBe(200);
    expect(put.body.userType).toBe('Admin');
    // A PATCH that does not touch userType keeps the own role.
    const renamed = await scim.patch(`/Users/${alice}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Alice' }] },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.userType).toBe('Admin');

    // Leaving the group: the own role comes back.
    expect((await members(admins, 'remove', [alice])).status).toBe(204);
    expect(await userType(alice)).toBe('Procurement');
    expect(await view(alice)).toMatchObject({ role: 'Procurement', roleSource: 'user', roleGroup: null });
  });

  it('should let the lowest priority win, older mapping on a tie, and follow a priority change at once', async () => {
    const bob = await user('bob@mapped.test');
    const readers = await group('Readers', [bob]);
    const buyers = await group('Buyers', [bob]);
    const readersMapping = (await map(readers, 'Read-only', 100)).body;
    expect(await userType(bob)).toBe('Read-only');
    const buyersMapping = (await map(buyers, 'Procurement', 5)).body;
    expect(await userType(bob)).toBe('Procurement');
    expect(await view(bob)).toMatchObject({ roleSource: 'group', roleGroup: { id: buyers, displayName: 'Buyers' } });

    const moved = await admin.patch(`/v1.0/settings/role-mappings/${buyersMapping.id}`, { body: { priority: 200 } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ priority: 200, role: 'Procurement' });
    expect(await userType(bob)).toBe('Read-only');

    // A tie: the older mapping (Readers) wins.
    await admin.patch(`/v1.0/settings/role-mappings/${buyersMapping.id}`, { body: { priority: 100 } });
    expect(await userType(bob)).toBe('Read-only');

    // The list is in precedence order.
    const list = (await admin.get('/v1.0/settings/role-mappings')).body.roleMappings;
    const mine = list.filter((m: { id: string }) => [readersMapping.id, buyersMapping.id].includes(m.id));
    expect(mine.map((m: { groupDisplayName: string }) => m.groupDisplayName)).toEqual(['Readers', 'Buyers']);

    // Changing the role of a mapping changes its members' roles.
    await admin.patch(`/v1.0/settings/role-mappings/${readersMapping.id}`, { body: { role: 'IT Admin' } });
    expect(await userType(bob)).toBe('IT Admin');

    // Deleting mappings: the next one applies, then the own role.
    expect((await admin.delete(`/v1.0/settings/role-mappings/${readersMapping.id}`)).status).toBe(204);
    expect(await userType(bob)).toBe('Procurement');
    expect((await admin.delete(`/v1.0/settings/role-mappings/${buyersMapping.id}`)).status).toBe(204);
    expect(await userType(bob)).toBe('Employee');
    expect(await view(bob)).toMatchObject({ roleSource: 'user', roleGroup: null });
  });

  it('should refuse, with 409 naming the group, an admin’s change of a group-given role', async () => {
    const carol = await user('carol@mapped.test');
    const itTeam = await group('IT');
    await map(itTeam, 'IT Admin');
    await members(itTeam, 'add', [carol]);
    const refused = await admin.patch(`/v1.0/users/${carol}`, { body: { role: 'Employee' } });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('"IT"');
    expect(await userType(carol)).toBe('IT Admin');
    // The same role, or only active: fine.
    expect((await admin.patch(`/v1.0/users/${carol}`, { body: { role: 'it admin' } })).status).toBe(200);
    const deactivated = await admin.patch(`/v1.0/users/${carol}`, { body: { active: false } });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ active: false, role: 'IT Admin', roleSource: 'group' });
  });

  it('should give back the own role when a mapped group is deleted, and drop its mapping', async () => {
    const dave = await user('dave@mapped.test', 'Read-only');
    const temp = await group('Temporary', [dave]);
    const mapping = (await map(temp, 'IT Admin')).body;
    expect(await userType(dave)).toBe('IT Admin');
    expect((await scim.delete(`/Groups/${temp}`)).status).toBe(204);
    expect(await userType(dave)).toBe('Read-only');
    const list = (await admin.get('/v1.0/settings/role-mappings')).body.roleMappings;
    expect(list.map((m: { id: string }) => m.id)).not.toContain(mapping.id);
  });

  it('should show groups with member counts and mapped roles, and list a group’s members', async () => {
    const erin = await user('erin@mapped.test');
    const sales = await group('Sales', [erin]);
    await map(sales, 'Read-only');
    const groups = (await admin.get('/v1.0/groups?size=200')).body;
    expect(groups.groups.find((g: { id: string }) => g.id === sales)).toMatchObject({
      displayName: 'Sales',
      memberCount: 1,
      role: 'Read-only',
      roleMappingId: expect.any(String),
    });
    expect((await admin.get(`/v1.0/groups/${sales}`)).body).toMatchObject({ id: sales, memberCount: 1 });
    const listed = (await admin.get(`/v1.0/users?group=${sales}`)).body;
    expect(listed.users.map((u: { id: string }) => u.id)).toEqual([erin]);
    expect(listed.users[0]).toMatchObject({ role: 'Read-only', roleSource: 'group', roleGroup: { displayName: 'Sales' } });
    // The Members page shows where a role comes from.
    const page = (await admin.get('/v1.0/settings/members?size=200')).body.members;
    expect(page.find((m: { id: string }) => m.id === erin)).toMatchObject({ roleSource: 'group' });
  });

  it('should keep an automatic priority within 0–1,000,000: past the maximum it takes the maximum, and comes last on the tie', async () => {
    const b = await scimOrganization(t, 'Bounded');
    const carol = (await b.scim.post('/Users', { body: { userName: 'carol@bounded.test' } })).body.id;
    const mapIn = async (displayName: string, role: string, priority?: number) => {
      const groupId = (await b.scim.post('/Groups', { body: { displayName, members: [{ value: carol }] } })).body.id;
      return b.admin.post('/v1.0/settings/role-mappings', {
        body: { groupId, role, ...(priority === undefined ? {} : { priority }) },
      });
    };
    const carolsRole = async () => (await b.scim.get(`/Users/${carol}`)).body.userType;

    const near = await mapIn('Near the end', 'Read-only', 999_995);
    expect(near.body.priority).toBe(999_995);
    const first = await mapIn('First automatic', 'Procurement');
    expect(first.status).toBe(201);
    expect(first.body.priority).toBe(1_000_000);
    const second = await mapIn('Second automatic', 'IT Admin');
    expect(second.body.priority).toBe(1_000_000);
    // Precedence: the lowest number, then the older mapping.
    expect(await carolsRole()).toBe('Read-only');
    expect((await b.admin.delete(`/v1.0/settings/role-mappings/${near.body.id}`)).status).toBe(204);
    expect(await carolsRole()).toBe('Procurement');
    const listed = (await b.admin.get('/v1.0/settings/role-mappings')).body.roleMappings;
    expect(listed.map((m: { groupDisplayName: string; priority: number }) => [m.groupDisplayName, m.priority])).toEqual([
      ['First automatic', 1_000_000],
      ['Second automatic', 1_000_000],
    ]);

    // A priority the client gives out of range stays a 400 naming the field.
    const above = await mapIn('Too far', 'Admin', 1_000_001);
    expect(above.status).toBe(400);
    expect(above.body.details).toEqual([{ field: 'priority', message: 'priority must be at most 1000000' }]);
    const moved = await b.admin.patch(`/v1.0/settings/role-mappings/${first.body.id}`, { body: { priority: 1_000_001 } });
    expect(moved.status).toBe(400);
    expect(moved.body.details).toEqual([{ field: 'priority', message: 'priority must be at most 1000000' }]);
  });

  it('should refuse bad mappings with a sentence and change nothing', async () => {
    const other = await scimOrganization(t, 'Elsewhere');
    const foreign = (await other.scim.post('/Groups', { body: { displayName: 'Theirs' } })).body.id;
    const mine = await group('Refusals');

    const unknownGroup = await map('999999', 'Admin');
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.body.message).toContain('groupId');
    // Only the canonical form of the group's id names it.
    for (const groupId of [` ${mine}`, `${mine} `, `0${mine}`]) {
      const refused = await map(groupId, 'Admin');
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain(JSON.stringify(groupId));
    }
    expect((await map(foreign, 'Admin')).status).toBe(400);
    const unknownRole = await map(mine, 'Wizard');
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.message).toContain('Valid roles');
    const badPriority = await map(mine, 'Admin', -1);
    expect(badPriority.status).toBe(400);
    expect(badPriority.body.details).toEqual([{ field: 'priority', message: expect.stringContaining('at least 0') }]);
    expect((await map(mine, 'Employee')).status).toBe(201);
    const twice = await map(mine, 'Admin');
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain('"Refusals"');

    expect((await admin.patch('/v1.0/settings/role-mappings/999999', { body: { priority: 1 } })).status).toBe(404);
    expect((await admin.delete('/v1.0/settings/role-mappings/abc')).status).toBe(404);
    // Another organization's mapping is not found.
    const theirs = (await other.admin.post('/v1.0/settings/role-mappings', { body: { groupId: foreign, role: 'Admin' } })).body;
    expect((await admin.delete(`/v1.0/settings/role-mappings/${theirs.id}`)).status).toBe(404);
    expect((await other.admin.get('/v1.0/settings/role-mappings')).body.roleMappings).toHaveLength(1);
    // A SCIM key cannot manage mappings.
    expect((await client(t.url, o.scimKey).get('/v1.0/settings/role-mappings')).status).toBe(403);
  });

  it('should refuse to delete a role that a mapping gives, or that is someone’s own role behind a mapping', async () => {
    const finance = (await admin.post('/v1.0/settings/roles', { body: { name: 'Finance' } })).body;
    const frank = await user('frank@mapped.test', 'Finance');
    const fin = await group('Finance team');
    const mapping = (await map(fin, 'Finance')).body;
    const refused = await admin.delete(`/v1.0/settings/roles/${finance.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('"Finance team"');
    // Mapped to another role: frank's own role (Finance) is still behind it.
    await admin.patch(`/v1.0/settings/role-mappings/${mapping.id}`, { body: { role: 'Read-only' } });
    await members(fin, 'add', [frank]);
    expect(await userType(frank)).toBe('Read-only');
    expect((await admin.delete(`/v1.0/settings/roles/${finance.id}`)).status).toBe(409);
    await members(fin, 'remove', [frank]);
    expect(await userType(frank)).toBe('Finance');
  });

  describe('the last active Admin', () => {
    let x: ScimOrganization;
    const mapIn = (groupId: string, role: string) => x.admin.post('/v1.0/settings/role-mappings', { body: { groupId, role } });
    const patchMembers = (id: string, op: 'add' | 'remove', ids: string[]) =>
      x.scim.patch(`/Groups/${id}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [
            op === 'add'
              ? { op: 'add', path: 'members', value: ids.map((value) => ({ value })) }
              : { op: 'remove', path: 'members', value: ids.map((value) => ({ value })) },
          ],
        },
      });
    const activeAdmins = async () =>
      (await x.admin.get('/v1.0/users?role=Admin&status=active&size=200')).body.users.map(
        (u: { userName: string }) => u.userName,
      );

    beforeEach(async () => {
      x = await scimOrganization(t, 'Guarded', `owner${Math.random().toString(36).slice(2, 8)}@guarded.test`);
    });

    it('should refuse a membership, mapping or group change that leaves no active Admin, changing nothing', async () => {
      const owner = x.org.adminUserId;
      const demoted = (await x.scim.post('/Groups', { body: { displayName: 'Demoted' } })).body.id;
      const mapping = (await mapIn(demoted, 'Read-only')).body;

      // Adding the only Admin to a group mapped to Read-only.
      const added = await patchMembers(demoted, 'add', [owner]);
      expect(added.status).toBe(400);
      expect(added.body.scimType).toBe('mutability');
      expect(added.body.detail).toContain(x.org.adminEmail);
      expect((await x.scim.get(`/Groups/${demoted}`)).body.members ?? []).toEqual([]);

      // Creating a group with the Admin in it is fine while it has no mapping; mapping it is not.
      const staff = (await x.scim.post('/Groups', { body: { displayName: 'Staff', members: [{ value: owner }] } })).body.id;
      const mapped = await mapIn(staff, 'Employee');
      expect(mapped.status).toBe(400);
      expect((await x.admin.get('/v1.0/settings/role-mappings')).body.roleMappings).toHaveLength(1);

      // The Admin's role from a group: Admins map, then the own role is lowered, then the mapping is changed or deleted.
      const admins = (await x.scim.post('/Groups', { body: { displayName: 'Admins', members: [{ value: owner }] } })).body.id;
      const adminMapping = (await mapIn(admins, 'Admin')).body;
      expect((await x.admin.get(`/v1.0/users/${owner}`)).body).toMatchObject({ role: 'Admin', roleSource: 'group' });
      const put = await x.scim.put(`/Users/${owner}`, { body: { userName: x.org.adminEmail, userType: 'Employee' } });
      expect(put.status).toBe(200);
      const toReader = await x.admin.patch(`/v1.0/settings/role-mappings/${adminMapping.id}`, { body: { role: 'Read-only' } });
      expect(toReader.status).toBe(400);
      expect(toReader.body.message).toContain('without an active Admin');
      expect((await x.admin.delete(`/v1.0/settings/role-mappings/${adminMapping.id}`)).status).toBe(400);
      expect((await x.scim.delete(`/Groups/${admins}`)).status).toBe(400);
      expect((await patchMembers(admins, 'remove', [owner])).status).toBe(400);
      const put2 = await x.scim.put(`/Groups/${admins}`, { body: { displayName: 'Admins', members: [] } });
      expect(put2.status).toBe(400);
      expect(await memberIdsIn(x, admins)).toEqual([owner]);
      expect(await activeAdmins()).toEqual([x.org.adminEmail]);

      // A second Admin first, and the same change is fine.
      const second = (await x.scim.post('/Users', { body: { userName: 'second@guarded.test', userType: 'Admin' } })).body.id;
      expect((await x.admin.delete(`/v1.0/settings/role-mappings/${adminMapping.id}`)).status).toBe(204);
      expect((await x.admin.get(`/v1.0/users/${owner}`)).body).toMatchObject({ role: 'Employee', roleSource: 'user' });
      expect(await activeAdmins()).toEqual(['second@guarded.test']);
      expect(second).toBeDefined();
      expect(mapping.id).toBeDefined();
    });

    it('should keep one Admin when two PATCHes remove the last two Admins’ memberships at once', async () => {
      const owner = x.org.adminUserId;
      const a = (await x.scim.post('/Users', { body: { userName: 'a@guarded.test' } })).body.id;
      const b = (await x.scim.post('/Users', { body: { userName: 'b@guarded.test' } })).body.id;
      const g1 = (await x.scim.post('/Groups', { body: { displayName: 'Admins 1', members: [{ value: a }] } })).body.id;
      const g2 = (await x.scim.post('/Groups', { body: { displayName: 'Admins 2', members: [{ value: b }] } })).body.id;
      expect((await mapIn(g1, 'Admin')).status).toBe(201);
      expect((await mapIn(g2, 'Admin')).status).toBe(201);
      // The owner steps down: a and b, Admins through their groups, are the last two.
      expect((await x.admin.patch(`/v1.0/users/${owner}`, { body: { role: 'Employee' } })).status).toBe(200);
      expect((await activeAdmins()).sort()).toEqual(['a@guarded.test', 'b@guarded.test']);

      for (let round = 0; round < 5; round++) {
        const [r1, r2] = await Promise.all([patchMembers(g1, 'remove', [a]), patchMembers(g2, 'remove', [b])]);
        const statuses = [r1.status, r2.status].sort();
        expect(statuses).toEqual([204, 400]);
        expect(await activeAdmins()).toHaveLength(1);
        // Put things back for the next round.
        const back = r1.status === 204 ? patchMembers(g1, 'add', [a]) : patchMembers(g2, 'add', [b]);
        expect((await back).status).toBe(204);
        expect(await activeAdmins()).toHaveLength(2);
      }
    });
  });

  it('should give a mapping’s role to 2,000 members at once and take it back', async () => {
    const ids: string[] = [];
    for (let start = 0; start < 2_000; start += 250) {
      const rows = await Promise.all(
        Array.from({ length: 250 }, (_, i) => scim.post('/Users', { body: { userName: `many${start + i}@mapped.test` } })),
      );
      ids.push(...rows.map((r) => r.body.id));
    }
    const everyone = await group('Everyone');
    expect((await members(everyone, 'add', ids)).status).toBe(204);
    const mapping = (await map(everyone, 'Read-only')).body;
    const readers = (await admin.get(`/v1.0/users?group=${everyone}&role=Read-only&size=1`)).body;
    expect(readers.total).toBe(2_000);
    expect((await admin.delete(`/v1.0/settings/role-mappings/${mapping.id}`)).status).toBe(204);
    expect((await admin.get(`/v1.0/users?group=${everyone}&role=Employee&size=1`)).body.total).toBe(2_000);
  }, 120_000);
});

async function memberIdsIn(o: ScimOrganization, id: string): Promise<string[]> {
  return ((await o.scim.get(`/Groups/${id}`)).body.members ?? []).map((m: { value: string }) => m.value).sort();
}
