import { loadConfig } from '@app/config';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncidentAlerts } from '../apps/server/src/notifications/incident-alerts';
import { DeletedUserPurgeCron } from '../apps/server/src/safety-net/deleted-user-purge.cron';
import { countQueries } from './support/fixtures';
import { client } from './support/http';
import { Client, createUser, oktaCreateBody, patchBody, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * The deprovisioning safety net (contract §10), on the engine under test, with two instances on one
 * database: deleted users kept and restorable, the purge after the retention, bursts opening one
 * incident and one email, undo and dismiss.
 */
describe('Deprovisioning safety net', () => {
  let t: TestApp;
  let second: TestApp;
  let outbox: string;

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-safety-net-outbox-'));
    const mail = loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail;
    t = await startTestApp({ mail });
    second = await startTestApp({ mail }, t.db);
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  /** The outbox's messages, quoted-printable soft line breaks joined. */
  const emails = () =>
    readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(join(outbox, f), 'utf8').replace(/=\r?\n/g, ''));
  const deactivate = (o: ScimOrganization, id: string, scim: Client = o.scim) =>
    scim.patch(`/Users/${id}`, {
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
  const remove = (o: ScimOrganization, id: string, scim: Client = o.scim) => scim.delete(`/Users/${id}`);
  const incidents = async (o: ScimOrganization) => {
    const response = await o.admin.get('/v1.0/settings/deprovisioning-incidents');
    expect(response.status).toBe(200);
    return response.body.incidents as any[];
  };
  /** An organization with `n` users provisioned over SCIM, as Okta would. */
  const organizationWith = async (name: string, n: number) => {
    const o = await scimOrganization(t, name, `admin@${name.toLowerCase()}.test`);
    const users: any[] = [];
    for (let i = 0; i < n; i++) users.push(await createUser(o.scim, oktaCreateBody(`u${i}@${name.toLowerCase()}.test`)));
    return { o, users };
  };
  /** What undo must give back of a user: state, role and where it comes from, groups. */
  const stateOf = async (o: ScimOrganization, id: string) => {
    const view = (await o.admin.get(`/v1.0/users/${id}`)).body;
    const scimUser = (await o.scim.get(`/Users/${id}`)).body;
    return {
      active: view.active,
      role: view.role,
      roleSource: view.roleSource,
      groups: (scimUser.groups ?? []).map((g: any) => g.value).sort(),
    };
  };

  describe('deleted users', () => {
    let o: ScimOrganization;
    beforeAll(async () => {
      o = await scimOrganization(t, 'Deleting', 'admin@deleting.test');
    });

    it('should remove a deleted user from every view, free its userName, and restore it with the same id, role, state and groups', async () => {
      const user = await createUser(
        o.scim,
        oktaCreateBody('ana@deleting.test', {
          userType: 'Procurement',
          title: 'Buyer',
        }),
      );
      const kept = await o.scim.post('/Groups', {
        body: { displayName: 'Kept', members: [{ value: user.id }] },
      });
      const gone = await o.scim.post('/Groups', {
        body: { displayName: 'Gone', members: [{ value: user.id }] },
      });
      expect((await remove(o, user.id)).status).toBe(204);
      expect((await o.scim.get(`/Users/${user.id}`)).status).toBe(404);
      expect((await o.admin.get(`/v1.0/users/${user.id}`)).status).toBe(404);
      expect((await o.scim.get(`/Users?filter=${encodeURIComponent('userName eq "ana@deleting.test"')}`)).body.totalResults).toBe(
        0,
      );
      expect((await o.scim.get(`/Groups/${kept.body.id}`)).body.members ?? []).toEqual([]);

      const deleted = (await o.admin.get('/v1.0/users/deleted')).body;
      expect(deleted).toMatchObject({ count: 1, nextCursor: null });
      expect(deleted.users[0]).toMatchObject({
        id: user.id,
        userName: 'ana@deleting.test',
        deletedBy: {
          type: 'scim-key',
          keyId: o.scimKeyId,
          description: 'Okta',
        },
      });
      const { deletedAt, purgeAt } = deleted.users[0];
      expect(Date.parse(purgeAt) - Date.parse(deletedAt)).toBe(30 * 86_400_000);

      // Its userName and externalId are free: a new user takes them, and restore is then 409.
      const again = await createUser(o.scim, oktaCreateBody('ana@deleting.test'));
      expect(again.id).not.toBe(user.id);
      const refused = await o.admin.post(`/v1.0/users/deleted/${user.id}/restore`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/ana@deleting\.test.*already exists/);
      expect((await remove(o, again.id)).status).toBe(204);

      expect((await o.scim.delete(`/Groups/${gone.body.id}`)).status).toBe(204);
      const restored = await o.admin.post(`/v1.0/users/deleted/${user.id}/restore`);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({
        id: user.id,
        userName: 'ana@deleting.test',
        role: 'Procurement',
        active: true,
      });
      const back = (await o.scim.get(`/Users/${user.id}`)).body;
      expect(back).toMatchObject({
        id: user.id,
        title: 'Buyer',
        externalId: user.externalId,
        active: true,
      });
      expect(back.groups.map((g: any) => g.value)).toEqual([kept.body.id]);
      expect((await o.admin.get('/v1.0/users/deleted')).body.users.map((u: any) => u.id)).toEqual([again.id]);
      const events = (await o.admin.get(`/v1.0/audit-log?targetType=user&targetId=${user.id}`)).body.events;
      expect(events[0]).toMatchObject({
        action: 'user.restored',
        actor: { type: 'api-key' },
      });
    });

    it('should answer 404 for a user that is not deleted, unknown, or of another organization', async () => {
      const live = await createUser(o.scim, oktaCreateBody('live@deleting.test'));
      expect((await o.admin.post(`/v1.0/users/deleted/${live.id}/restore`)).status).toBe(404);
      expect((await o.admin.post('/v1.0/users/deleted/99999999/restore')).status).toBe(404);
      expect((await o.admin.post('/v1.0/users/deleted/abc/restore')).status).toBe(404);
      expect((await remove(o, live.id)).status).toBe(204);
      const other = await scimOrganization(t, 'Elsewhere', 'admin@elsewhere.test');
      expect((await other.admin.get('/v1.0/users/deleted')).body).toMatchObject({ users: [], count: 0 });
      expect((await other.admin.post(`/v1.0/users/deleted/${live.id}/restore`)).status).toBe(404);
      // A SCIM key is not an admin key.
      expect((await client(t.url, o.scimKey).get('/v1.0/users/deleted')).status).toBe(403);
    });

    it('should page deleted users with a cursor, most recently deleted first', async () => {
      const p = await scimOrganization(t, 'Paging', 'admin@paging.test');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const u = await createUser(p.scim, oktaCreateBody(`p${i}@paging.test`));
        ids.push(u.id);
        expect((await remove(p, u.id)).status).toBe(204);
      }
      const first = (await p.admin.get('/v1.0/users/deleted?size=3')).body;
      expect(first.users.map((u: any) => u.id)).toEqual(ids.slice(2).reverse());
      const next = (await p.admin.get(`/v1.0/users/deleted?size=3&cursor=${first.nextCursor}`)).body;
      expect(next).toMatchObject({ count: 2, nextCursor: null });
      expect(next.users.map((u: any) => u.id)).toEqual(ids.slice(0, 2).reverse());
      expect((await o.admin.get(`/v1.0/users/deleted?cursor=${first.nextCursor}`)).status).toBe(400);
    });

    it('should purge a deleted user after the retention, on either instance, once', async () => {
      const p = await scimOrganization(t, 'Purging', 'admin@purging.test');
      const old = await createUser(p.scim, oktaCreateBody('old@purging.test'));
      const recent = await createUser(p.scim, oktaCreateBody('recent@purging.test'));
      t.clock.set('2031-03-01T00:00:00Z');
      expect((await remove(p, old.id)).status).toBe(204);
      t.clock.set('2031-03-20T00:00:00Z');
      expect((await remove(p, recent.id)).status).toBe(204);
      t.clock.set('2031-03-31T00:00:01Z');
      second.clock.set('2031-03-31T00:00:01Z');
      const [a, b] = await Promise.all([t.app.get(DeletedUserPurgeCron).run(), second.app.get(DeletedUserPurgeCron).run()]);
      // Users the other tests deleted are older still and go too; of this organization's, the old one only, once.
      const purgedIds = [...a, ...b].map(String);
      expect(purgedIds.filter((id) => id === old.id)).toHaveLength(1);
      expect(purgedIds).not.toContain(recent.id);
      expect((await p.admin.post(`/v1.0/users/deleted/${old.id}/restore`)).status).toBe(404);
      expect((await p.admin.get('/v1.0/users/deleted')).body.users.map((u: any) => u.id)).toEqual([recent.id]);
      const purged = (await p.admin.get('/v1.0/audit-log?action=user.purged')).body.events;
      expect(purged).toHaveLength(1);
      expect(purged[0]).toMatchObject({
        actor: { type: 'system' },
        target: { id: old.id, display: 'old@purging.test' },
      });
      expect((await p.admin.post(`/v1.0/users/deleted/${recent.id}/restore`)).status).toBe(200);
      t.clock.reset();
      second.clock.reset();
    });

    it('should drop deactivation records and burst counts past the retention, and keep the user and what is recent', async () => {
      const p = await scimOrganization(t, 'Pruning', 'admin@pruning.test');
      const old = await createUser(p.scim, oktaCreateBody('old@pruning.test'));
      const recent = await createUser(p.scim, oktaCreateBody('recent@pruning.test'));
      const count = async (sql: string, id: string | number) =>
        Number(Object.values((await t.dataSource.query(sql, [id]))[0])[0]);
      const records = (userId: string) => count('SELECT COUNT(*) FROM user_deprovisionings WHERE user_id = ?', userId);
      const minutes = () => count('SELECT COUNT(*) FROM deprovisioning_minutes WHERE organization_id = ?', p.org.organizationId);
      t.clock.set('2031-05-01T00:00:00Z');
      expect((await deactivate(p, old.id)).status).toBe(200);
      t.clock.set('2031-05-25T00:00:00Z');
      expect((await deactivate(p, recent.id)).status).toBe(200);
      expect([await records(old.id), await records(recent.id), await minutes()]).toEqual([1, 1, 2]);
      t.clock.set('2031-05-31T00:00:01Z');
      await t.app.get(DeletedUserPurgeCron).run();
      // The old deactivation is past the 30 days: nothing undoes it any more. The user stays, deactivated.
      expect([await records(old.id), await records(recent.id), await minutes()]).toEqual([0, 1, 0]);
      expect((await p.scim.get(`/Users/${old.id}`)).body.active).toBe(false);
      t.clock.reset();
    });
  });

  describe('bursts', () => {
    it('should open nothing below the threshold, nor below 10% of the active users', async () => {
      const { o, users } = await organizationWith('Calm', 12);
      for (const u of users.slice(0, 9)) expect((await deactivate(o, u.id)).status).toBe(200);
      expect(await incidents(o)).toEqual([]);
      expect((await o.admin.get('/v1.0/settings/scim-health')).body.incident).toBeNull();

      const big = await organizationWith('Large', 130);
      for (const u of big.users.slice(0, 12)) expect((await remove(big.o, u.id)).status).toBe(204);
      expect(await incidents(big.o)).toEqual([]);
    });

    it('should answer many concurrent SCIM deactivations and deletions, more than the pool has connections', async () => {
      // The check after each COMMIT runs a transaction of its own: waiting for its turn while holding one stalled every
      // organization's transactions on MariaDB (the bench's 20 connections answered nothing).
      const { o, users } = await organizationWith('Crowded', 48);
      const results = await Promise.all(users.map((u, i) => (i % 4 ? deactivate(o, u.id) : remove(o, u.id))));
      expect(results.map((r: { status: number }) => r.status).sort()).toEqual([...Array(36).fill(200), ...Array(12).fill(204)]);
      const [incident] = await incidents(o);
      expect(incident).toMatchObject({ status: 'open', count: 48 });
    }, 60_000);

    it('should keep the last active Admin through a burst: only its own deactivation is refused', async () => {
      const { o, users } = await organizationWith('Lastadmin', 11);
      const results = await Promise.all([...users.map((u) => deactivate(o, u.id)), deactivate(o, o.org.adminUserId)]);
      expect(results.map((r: { status: number }) => r.status)).toEqual([...Array(11).fill(200), 400]);
      expect(await stateOf(o, o.org.adminUserId)).toMatchObject({
        active: true,
        role: 'Admin',
      });
      expect((await incidents(o))[0]).toMatchObject({
        status: 'open',
        count: 11,
      });
    });

    it('should send no statement about deprovisioning for a request that deprovisions no one', async () => {
      const { o, users } = await organizationWith('Counting', 2);
      const touching = (queries: string[]) => queries.filter((q) => /deprovisioning/i.test(q));
      const requests = [
        () => o.scim.get(`/Users/${users[0].id}`),
        () => o.scim.post('/Users', { body: oktaCreateBody('new@counting.test') }),
        () =>
          o.scim.patch(`/Users/${users[0].id}`, {
            body: patchBody({ op: 'replace', path: 'title', value: 'Buyer' }),
          }),
        () =>
          o.scim.put(`/Users/${users[0].id}`, {
            body: oktaCreateBody(users[0].userName, { title: 'Lead' }),
          }),
        () =>
          o.scim.patch(`/Users/${users[1].id}`, {
            body: patchBody({ op: 'replace', value: { active: true } }),
          }),
      ];
      for (const send of requests) {
        const { result, queries } = await countQueries(t.dataSource, send);
        expect(result.status).toBeLessThan(300);
        expect(queries.length).toBeGreaterThan(0);
        expect(touching(queries)).toEqual([]);
      }
      // A deactivation outside an incident reads the window once (the open incident and the per-minute counts): on
      // SQLite before its record, on MySQL right after its COMMIT, in the COMMIT's round trip (no statement of its own).
      const { queries } = await countQueries(t.dataSource, () => deactivate(o, users[1].id));
      expect(touching(queries).filter((q) => /^SELECT/i.test(q.trim()))).toHaveLength(1);
      expect(queries.join('\n')).toMatch(/INSERT INTO user_deprovisionings/);
      if (t.db.config.type === 'mysql')
        expect(queries.join('\n')).toMatch(/; COMMIT; SELECT \(SELECT id FROM deprovisioning_incidents/);
    });

    it('should open one incident for a burst across two instances, send one email, and let further changes join it', async () => {
      const { o, users } = await organizationWith('Bursting', 20);
      const other = client(`${second.url}/v1.0/scim/v2`, o.scimKey);
      const before = emails().length;
      // 12 at once, half through each instance; two of them deleted rather than deactivated.
      const results = await Promise.all(
        users
          .slice(0, 12)
          .map((u, i) => (i < 2 ? remove(o, u.id, i % 2 ? other : o.scim) : deactivate(o, u.id, i % 2 ? other : o.scim))),
      );
      expect(results.map((r: { status: number }) => r.status)).toEqual([204, 204, ...Array(10).fill(200)]);
      let [incident] = await incidents(o);
      expect(await incidents(o)).toHaveLength(1);
      expect(incident).toMatchObject({
        status: 'open',
        count: 12,
        keyId: o.scimKeyId,
        key: { description: 'Okta' },
      });
      expect(
        incident.users
          .filter((u: any) => u.change === 'deleted')
          .map((u: any) => u.id)
          .sort(),
      ).toEqual([users[0].id, users[1].id].sort());
      expect((await o.admin.get('/v1.0/settings/scim-health')).body.incident).toMatchObject({ id: incident.id, count: 12 });

      const [a, b] = await Promise.all([t.app.get(IncidentAlerts).run(), second.app.get(IncidentAlerts).run()]);
      expect([...a, ...b].filter((id) => id === Number(incident.id))).toHaveLength(1);
      await Promise.all([t.app.get(IncidentAlerts).run(), second.app.get(IncidentAlerts).run()]);
      const sent = emails()
        .slice(before)
        .filter((mail) => mail.includes('admin@bursting.test'));
      expect(sent).toHaveLength(1);
      expect(sent[0]).toContain('admin@bursting.test');
      expect(sent[0]).toMatch(/12 users/);
      expect(sent[0]).toMatch(/deactivate them again on its next/);

      expect((await deactivate(o, users[12].id)).status).toBe(200);
      [incident] = await incidents(o);
      expect(incident.count).toBe(13);
      expect(await incidents(o)).toHaveLength(1);
      const opened = (await o.admin.get('/v1.0/audit-log?action=deprovisioning-incident.opened')).body.events;
      expect(opened).toHaveLength(1);

      if (t.db.config.type !== 'mysql') return;
      // MySQL/MariaDB: an instance that saw the incident open a moment ago (its last deactivation's read after
      // the COMMIT) only records the next ones: no per-minute count, no read of the window.
      t.clock.set(new Date());
      try {
        expect((await deactivate(o, users[13].id)).status).toBe(200);
        let { queries } = await countQueries(t.dataSource, () => deactivate(o, users[14].id));
        const commit = queries.find((q) => /INSERT INTO user_deprovisionings/.test(q))!;
        expect(commit).toMatch(/; COMMIT$/);
        expect(queries.join('\n')).not.toMatch(/deprovisioning_minutes|SELECT \(SELECT id FROM deprovisioning_incidents/);
        expect((await incidents(o))[0].count).toBe(15);
        // Closed on the other instance: this one counts again once a second has passed.
        const secondAdmin = client(second.url, o.org.apiKey.key);
        expect((await secondAdmin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/dismiss`)).status).toBe(200);
        t.clock.advance(1_000);
        ({ queries } = await countQueries(t.dataSource, () => deactivate(o, users[15].id)));
        expect(queries.join('\n')).toMatch(/deprovisioning_minutes.*; COMMIT; SELECT \(SELECT id FROM deprovisioning_incidents/s);
        expect((await incidents(o)).map((i) => i.status)).toEqual(['dismissed']);
      } finally {
        t.clock.reset();
      }
    });
  });

  describe('undo and dismiss', () => {
    it('should put every user back to its pre-incident state, whatever happened since', async () => {
      const { o, users } = await organizationWith('Undoing', 14);
      const [plain, reactivated, deactivatedThenDeleted, taken, inMapped] = users;
      const mapped = await o.scim.post('/Groups', {
        body: {
          displayName: 'Admins',
          members: [{ value: inMapped.id }, { value: deactivatedThenDeleted.id }],
        },
      });
      const doomed = await o.scim.post('/Groups', {
        body: {
          displayName: 'Doomed',
          members: [{ value: deactivatedThenDeleted.id }],
        },
      });
      const stays = await o.scim.post('/Groups', {
        body: { displayName: 'Stays', members: [{ value: plain.id }] },
      });
      expect(
        (
          await o.admin.post('/v1.0/settings/role-mappings', {
            body: { groupId: mapped.body.id, role: 'Admin' },
          })
        ).status,
      ).toBe(201);
      const before = new Map<string, unknown>();
      for (const u of users) before.set(u.id, await stateOf(o, u.id));
      expect(before.get(inMapped.id)).toMatchObject({
        role: 'Admin',
        roleSource: 'group',
      });

      for (const u of users.slice(0, 12)) expect((await deactivate(o, u.id)).status).toBe(200);
      const [incident] = await incidents(o);
      expect(incident).toMatchObject({ status: 'open', count: 12 });
      // Meanwhile: one reactivated, one deleted after its deactivation, one removed from a group, a group
      // deleted, and a deleted user's userName given to a new user.
      expect(
        (
          await o.scim.patch(`/Users/${reactivated.id}`, {
            body: patchBody({ op: 'replace', path: 'active', value: true }),
          })
        ).status,
      ).toBe(200);
      expect((await remove(o, deactivatedThenDeleted.id)).status).toBe(204);
      expect(
        (
          await o.scim.patch(`/Groups/${stays.body.id}`, {
            body: patchBody({
              op: 'remove',
              path: `members[value eq "${plain.id}"]`,
            }),
          })
        ).status,
      ).toBe(204);
      expect((await o.scim.delete(`/Groups/${doomed.body.id}`)).status).toBe(204);
      expect((await remove(o, taken.id)).status).toBe(204);
      const newcomer = await createUser(o.scim, oktaCreateBody(taken.userName));

      const undone = await o.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/undo`);
      expect(undone.status).toBe(200);
      expect(undone.body.incident).toMatchObject({
        id: incident.id,
        status: 'undone',
        closedBy: { type: 'api-key' },
      });
      expect(undone.body.notRestored).toEqual([
        {
          id: taken.id,
          userName: taken.userName,
          reason: expect.stringMatching(/new user holds/),
        },
      ]);
      expect(undone.body.restored).toHaveLength(11);
      for (const u of users) {
        if (u.id === taken.id) continue;
        const expected = before.get(u.id) as any;
        if (u.id === deactivatedThenDeleted.id) expected.groups = [mapped.body.id]; // "Doomed" no longer exists
        expect({ id: u.id, ...(await stateOf(o, u.id)) }).toEqual({
          id: u.id,
          ...expected,
        });
      }
      expect((await o.scim.get(`/Users/${newcomer.id}`)).body.userName).toBe(taken.userName);
      expect((await o.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/undo`)).status).toBe(409);
      expect((await o.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/dismiss`)).status).toBe(409);
      expect((await o.admin.get('/v1.0/settings/scim-health')).body.incident).toBeNull();
      const actions = (await o.admin.get('/v1.0/audit-log?size=200')).body.events.map((e: any) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['deprovisioning-incident.undone', 'user.restored', 'user.reactivated']));
    });

    it('should dismiss without changing anyone, and count afresh after', async () => {
      const { o, users } = await organizationWith('Dismissing', 24);
      for (const u of users.slice(0, 10)) expect((await deactivate(o, u.id)).status).toBe(200);
      const [incident] = await incidents(o);
      const other = await scimOrganization(t, 'Nosy', 'admin@nosy.test');
      expect((await other.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/dismiss`)).status).toBe(404);
      expect((await other.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/undo`)).status).toBe(404);
      expect(await incidents(other)).toEqual([]);
      expect((await client(t.url, o.scimKey).post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/undo`)).status).toBe(
        403,
      );

      const dismissed = await o.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/dismiss`);
      expect(dismissed.status).toBe(200);
      expect(dismissed.body).toMatchObject({ status: 'dismissed', count: 10 });
      for (const u of users.slice(0, 10)) expect((await stateOf(o, u.id)).active).toBe(false);
      // A further deactivation starts a new count rather than reopening at once.
      expect((await deactivate(o, users[10].id)).status).toBe(200);
      expect((await incidents(o)).map((i) => i.status)).toEqual(['dismissed']);
    });

    it('should refuse an undo that would leave the organization without an active Admin', async () => {
      const { o, users } = await organizationWith('Guarded', 12);
      for (const u of users.slice(0, 10)) expect((await deactivate(o, u.id)).status).toBe(200);
      const [incident] = await incidents(o);
      // Meanwhile one of them comes back as the only Admin, and the first Admin is demoted.
      const promoted = users[0];
      expect(
        (
          await o.scim.patch(`/Users/${promoted.id}`, {
            body: patchBody({ op: 'replace', path: 'active', value: true }),
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await o.admin.patch(`/v1.0/users/${promoted.id}`, {
            body: { role: 'Admin' },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, {
            body: { role: 'Employee' },
          })
        ).status,
      ).toBe(200);
      const refused = await o.admin.post(`/v1.0/settings/deprovisioning-incidents/${incident.id}/undo`);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/without an active Admin/);
      expect((await incidents(o))[0].status).toBe('open');
      expect((await stateOf(o, users[1].id)).active).toBe(false);
    });
  });
});
