import { loadConfig } from '@app/config';
import { createTestDatabase, TestDatabase } from './support/database';
import { createUser, oktaCreateBody, patchBody, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * An identity provider pushing group memberships over many connections while role mappings apply
 * (Okta's Group Push and Entra's cycles do), against a connection pool smaller than the number of
 * clients (contract §9, "Concurrency on the production engine"). Once, on MariaDB: deadlocks
 * answered 500, and a transaction that held row locks while it waited for a second pooled
 * connection stalled every organization for MariaDB's lock-wait timeout (50 s).
 *
 * Proves: no 5xx; another organization's reads never wait on this one's locks (a generous bound
 * that a lock-wait stall breaks by far: timing targets are the bench's job); and every user ends
 * with the role its final memberships and the mappings imply.
 */
/** Pool sizes on MySQL/MariaDB: transactions leave one connection to reads, so 2 serializes them and 8 lets seven race (SQLite: its one connection). */
const POOLS = loadConfig().database.type === 'mysql' ? [2, 8] : [1];
const CLIENTS = 12;
const REQUESTS_PER_CLIENT = 30;
const USERS = 24;
const GROUPS = 4;
const STALL_MS = 5_000;

describe.each(POOLS)('group pushes over more connections than a pool of %i has, with role mappings', (pool) => {
  let db: TestDatabase;
  let t: TestApp;
  let a: ScimOrganization;
  let b: ScimOrganization;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The pool as DATABASE_POOL_SIZE sets it, smaller than the number of clients.
    const database = db.config.type === 'mysql' ? { ...db.config, poolSize: pool } : db.config;
    t = await startTestApp({ database }, db);
    a = await scimOrganization(t);
    b = await scimOrganization(t);
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('should answer every request with 2xx/4xx, keep another organization responsive, and settle every role', async () => {
    const users: string[] = [];
    for (let i = 0; i < USERS; i++) users.push((await createUser(a.scim, oktaCreateBody(`push${i}@a.test`))).id);
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const created = await a.scim.post('/Groups', { body: { displayName: `Push ${g}`, members: [] } });
      expect(created.status).toBe(201);
      groups.push(created.body.id);
    }
    // Two mapped groups, one of them to Admin (the last-Admin rule is in play); a third mapped mid-run.
    const mappingIds: string[] = [];
    for (const [g, role] of [
      [0, 'Admin'],
      [1, 'Procurement'],
    ] as const) {
      const mapped = await a.admin.post('/v1.0/settings/role-mappings', { body: { groupId: groups[g], role } });
      expect(mapped.status).toBe(201);
      mappingIds.push(mapped.body.id);
    }
    const other = await createUser(b.scim, oktaCreateBody('watcher@b.test'));

    let random = 42;
    const next = (n: number) => {
      random = (Math.imul(random, 1103515245) + 12345) >>> 0;
      return (random >>> 16) % n;
    };
    const plan = Array.from({ length: CLIENTS }, () =>
      Array.from({ length: REQUESTS_PER_CLIENT }, () => {
        const group = groups[next(GROUPS)];
        const members = Array.from({ length: 1 + next(3) }, () => users[next(USERS)]);
        const body = next(2)
          ? patchBody({ op: 'add', path: 'members', value: members.map((value) => ({ value })) })
          : patchBody({ op: 'remove', path: `members[value eq "${members[0]}"]` });
        return { body, group };
      }),
    );

    const statuses: number[] = [];
    const failures: string[] = [];
    const answered = (what: string, response: { status: number; text: string }, ok: number[]) => {
      statuses.push(response.status);
      // A member deleted meanwhile is refused with a sentence, never a 500.
      const refusedMember = response.status === 400 && response.text.includes('no user with id');
      if (!ok.includes(response.status) && !refusedMember) failures.push(`${what} ${response.status}: ${response.text}`);
    };
    let done = false;
    const pushes = Promise.all(
      plan.map(async (requests) => {
        for (const { body, group } of requests) answered('push', await a.scim.patch(`/Groups/${group}`, { body }), [204]);
      }),
    );
    // Meanwhile: the admin changes and adds mappings, the identity provider deletes users and sets own roles.
    const deleted = new Set(users.slice(-3));
    const ownRoles = new Map(users.slice(0, 3).map((id) => [id, 'IT Admin']));
    const admin = (async () => {
      answered(
        'mapping',
        await a.admin.patch(`/v1.0/settings/role-mappings/${mappingIds[1]}`, { body: { role: 'IT Admin' } }),
        [200],
      );
      const added = await a.admin.post('/v1.0/settings/role-mappings', {
        body: { groupId: groups[2], role: 'Read-only', priority: 5 },
      });
      answered('mapping', added, [201]);
      mappingIds.push(added.body.id);
      answered('mapping', await a.admin.patch(`/v1.0/settings/role-mappings/${mappingIds[0]}`, { body: { priority: 1 } }), [200]);
      answered(
        'mapping',
        await a.admin.patch(`/v1.0/settings/role-mappings/${mappingIds[1]}`, { body: { role: 'Procurement', priority: 50 } }),
        [200],
      );
    })();
    const provisioning = (async () => {
      for (const id of deleted) answered('delete', await a.scim.delete(`/Users/${id}`), [204]);
      for (const [id, role] of ownRoles)
        answered(
          'userType',
          await a.scim.patch(`/Users/${id}`, { body: patchBody({ op: 'replace', path: 'userType', value: role }) }),
          [200],
        );
    })();
    const work = Promise.all([pushes, admin, provisioning]).finally(() => (done = true));

    // The other organization reads one of its users, one request at a time, while the work lasts.
    const waits: number[] = [];
    let stalled = false;
    const watch = (async () => {
      while (!done && !stalled) {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), STALL_MS)));
        const response = await Promise.race([b.scim.get(`/Users/${other.id}`), late]);
        clearTimeout(timer);
        if (!response) stalled = true;
        else expect(response.status).toBe(200);
        waits.push(Date.now() - started);
      }
    })();
    await watch;
    expect({ stalled, slowest: Math.max(...waits) }).toEqual({ stalled: false, slowest: expect.any(Number) });
    await work;
    expect(failures).toEqual([]);

    // Each live user's role is what its memberships and the final mappings imply (the lowest priority
    // wins), or its own role outside mapped groups; a deleted user is in no group.
    const mappings = (
      (await a.admin.get('/v1.0/settings/role-mappings')).body.roleMappings as Array<{
        groupId: string;
        role: string;
        priority: number;
      }>
    ).sort((x, y) => x.priority - y.priority);
    const memberships = new Map<string, Set<string>>();
    for (const group of groups) {
      const read = await a.scim.get(`/Groups/${group}`);
      for (const m of read.body.members ?? []) memberships.set(m.value, (memberships.get(m.value) ?? new Set()).add(group));
    }
    for (const id of users) {
      const user = await a.scim.get(`/Users/${id}`);
      if (deleted.has(id)) {
        expect({ id, status: user.status, groups: memberships.has(id) }).toEqual({ id, status: 404, groups: false });
        continue;
      }
      const mine = memberships.get(id) ?? new Set<string>();
      const expected = mappings.find((m) => mine.has(m.groupId))?.role ?? ownRoles.get(id) ?? 'Employee';
      expect({ id, userType: user.body.userType }).toEqual({ id, userType: expected });
    }
  }, 180_000);
});
