import fc from 'fast-check';
import { insertUser } from './support/fixtures';
import {
  createUser,
  expectScimError,
  filterQuery,
  LIST_RESPONSE,
  scimOrganization,
  ScimOrganization,
  userBody,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

const ids = (resources: Array<{ id: string }>) => resources.map((r) => r.id);

/** The organization's live users, counted in the table (what totalResults must equal). */
async function liveUsers(t: TestApp, o: ScimOrganization): Promise<number> {
  const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE organization_id = ? AND deleted_at IS NULL', [
    o.org.organizationId,
  ]);
  return Number(n);
}

describe('SCIM paging: walks of every page, totalResults, RFC 9865 cursors', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  describe('totalResults', () => {
    it('should be exact on every page while nothing changes, and follow creates and deletes', async () => {
      const o = await scimOrganization(t);
      for (let i = 0; i < 45; i++) await insertUser(t.dataSource, o.org.organizationId, `t${i}@total.test`);
      for (const start of [1, 11, 21, 31, 41, 46]) {
        const page = await o.scim.get(`/Users?startIndex=${start}&count=10`);
        expect(page.body).toMatchObject({ totalResults: 46, startIndex: start });
      }
      expect((await o.scim.get('/Users?count=0')).body).toEqual({
        schemas: [LIST_RESPONSE],
        totalResults: 46,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
      const created = await createUser(o.scim, userBody('new@total.test'));
      expect((await o.scim.get('/Users?count=0')).body.totalResults).toBe(47);
      // A deactivated user is still listed; a deleted one is not.
      await o.scim.patch(`/Users/${created.id}`, { body: { Operations: [{ op: 'replace', value: { active: false } }] } });
      expect((await o.scim.get('/Users?count=0')).body.totalResults).toBe(47);
      expect((await o.scim.delete(`/Users/${created.id}`)).status).toBe(204);
      expect((await o.scim.get('/Users?count=0')).body.totalResults).toBe(46);
      // Deleting again changes nothing.
      expect((await o.scim.delete(`/Users/${created.id}`)).status).toBe(404);
      // A POST that reactivates a deactivated user is not a new user.
      const again = await createUser(o.scim, userBody('again@total.test', { active: false }));
      await createUser(o.scim, userBody('again@total.test'));
      expect((await o.scim.get('/Users/' + again.id)).body.active).toBe(true);
      expect((await o.scim.get('/Users?count=0')).body.totalResults).toBe(47);
      expect(await liveUsers(t, o)).toBe(47);
      // A filtered list counts its matches.
      expect((await o.scim.get(`/Users?${filterQuery('userName sw "t1"')}&count=1`)).body.totalResults).toBe(11);
    });

    it('should stay exact under concurrent creates and deletes', async () => {
      const o = await scimOrganization(t);
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) => createUser(o.scim, userBody(`c${i}@concurrent.test`))),
      );
      await Promise.all([
        ...created.slice(0, 12).map((u) => o.scim.delete(`/Users/${u.id}`)),
        ...Array.from({ length: 12 }, (_, i) => createUser(o.scim, userBody(`d${i}@concurrent.test`))),
      ]);
      const live = await liveUsers(t, o);
      expect(live).toBe(1 + 30 - 12 + 12);
      expect((await o.scim.get('/Users?count=0')).body.totalResults).toBe(live);
    });

    it("should not count another organization's users", async () => {
      const a = await scimOrganization(t);
      const b = await scimOrganization(t);
      await createUser(a.scim, userBody('only@a.test'));
      expect((await a.scim.get('/Users?count=0')).body.totalResults).toBe(2);
      expect((await b.scim.get('/Users?count=0')).body.totalResults).toBe(1);
    });
  });

  describe('walks across concurrent creates and deletes', () => {
    /**
     * Walks every page while other requests create and delete users at the same time; every user that
     * exists from the walk's start to its end must be seen exactly once, and no user twice.
     */
    async function walkWhileChanging(
      o: ScimOrganization,
      method: 'index' | 'cursor',
      count: number,
      changes: Array<{ deletes: number[]; creates: number }>,
    ): Promise<{ seen: string[]; survivors: string[] }> {
      const start = ids((await o.scim.get('/Users?count=200')).body.Resources);
      const deleted = new Set<string>();
      const seen: string[] = [];
      let startIndex = 1;
      let cursor = '';
      let created = 0;
      for (let page = 0; page < 100; page++) {
        const change = changes[page % changes.length];
        // The deletes pick among users not yet deleted, by position in the starting list.
        const victims = change.deletes.map((i) => start[i % start.length]).filter((id) => !deleted.has(id));
        victims.forEach((id) => deleted.add(id));
        const [answer] = await Promise.all([
          o.scim.get(
            method === 'index' ? `/Users?startIndex=${startIndex}&count=${count}` : `/Users?cursor=${cursor}&count=${count}`,
          ),
          ...victims.map((id) => o.scim.delete(`/Users/${id}`)),
          ...Array.from({ length: change.creates }, () =>
            o.scim.post('/Users', { body: userBody(`n${++created}-${Math.random().toString(36).slice(2)}@walk.test`) }),
          ),
        ]);
        expect(answer.status).toBe(200);
        const resources = answer.body.Resources as Array<{ id: string }>;
        seen.push(...ids(resources));
        if (method === 'cursor') {
          if (!answer.body.nextCursor) break;
          cursor = answer.body.nextCursor;
        } else {
          if (resources.length < count) break;
          startIndex += count;
        }
      }
      return { seen, survivors: start.filter((id) => !deleted.has(id)) };
    }

    for (const method of ['index', 'cursor'] as const) {
      it(`should never repeat or skip a user that exists throughout (${method} paging, property)`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 3, max: 17 }),
            fc.array(
              fc.record({
                deletes: fc.array(fc.nat({ max: 59 }), { maxLength: 3 }),
                creates: fc.integer({ min: 0, max: 2 }),
              }),
              { minLength: 1, maxLength: 5 },
            ),
            async (count, changes) => {
              const o = await scimOrganization(t);
              for (let i = 0; i < 59; i++) await insertUser(t.dataSource, o.org.organizationId, `w${i}@walk.test`);
              const { seen, survivors } = await walkWhileChanging(o, method, count, changes);
              expect(new Set(seen).size).toBe(seen.length);
              const seenSet = new Set(seen);
              expect(survivors.filter((id) => !seenSet.has(id))).toEqual([]);
            },
          ),
          { numRuns: 6 },
        );
      });
    }
  });

  describe('RFC 9865 cursors', () => {
    let o: ScimOrganization;

    beforeAll(async () => {
      o = await scimOrganization(t);
      for (let i = 0; i < 24; i++)
        await insertUser(t.dataSource, o.org.organizationId, `c${String(i).padStart(2, '0')}@cursor.test`);
    });

    it('should be advertised in /ServiceProviderConfig', async () => {
      expect((await o.scim.get('/ServiceProviderConfig')).body.pagination).toEqual({
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: 100,
        maxPageSize: 200,
        cursorTimeout: 3600,
      });
    });

    it('should walk a filtered list with nextCursor, without startIndex, and end without nextCursor', async () => {
      const all = ids((await o.scim.get(`/Users?${filterQuery('userName ew "@cursor.test"')}&count=200`)).body.Resources);
      expect(all).toHaveLength(24);
      const walked: string[] = [];
      let cursor = '';
      for (;;) {
        const page = await o.scim.get(`/Users?${filterQuery('userName ew "@cursor.test"')}&cursor=${cursor}&count=10`);
        expect(page.status).toBe(200);
        expect(page.body.startIndex).toBeUndefined();
        expect(page.body.totalResults).toBe(24);
        expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
        walked.push(...ids(page.body.Resources));
        if (!page.body.nextCursor) break;
        expect(page.body.nextCursor).toMatch(/^[A-Za-z0-9._~-]+$/);
        cursor = page.body.nextCursor;
      }
      expect(walked).toEqual(all);
    });

    it('should take the cursor in a POST /.search body', async () => {
      const first = await o.scim.post('/Users/.search', { body: { cursor: '', count: 20 } });
      expect(first.status).toBe(200);
      const second = await o.scim.post('/Users/.search', { body: { cursor: first.body.nextCursor, count: 20 } });
      expect(second.body.Resources).toHaveLength(5);
      expect(second.body.nextCursor).toBeUndefined();
      expect(new Set([...ids(first.body.Resources), ...ids(second.body.Resources)]).size).toBe(25);
    });

    it('should refuse a cursor it did not give, or one of another query, with 400 invalidCursor', async () => {
      expectScimError(await o.scim.get('/Users?cursor=not-a-cursor'), 400, 'invalidCursor');
      expectScimError(await o.scim.get('/Users?cursor=a%2Fb'), 400, 'invalidCursor');
      const next = (await o.scim.get('/Users?cursor=&count=5')).body.nextCursor;
      const error = expectScimError(
        await o.scim.get(`/Users?${filterQuery('userName sw "c1"')}&cursor=${next}&count=5`),
        400,
        'invalidCursor',
      );
      expect(error.detail).toMatch(/same filter/);
      expectScimError(await o.scim.get(`/Groups?cursor=${next}`), 400, 'invalidCursor');
    });

    it('should refuse cursor with startIndex, or with sortBy, with 400 invalidValue', async () => {
      expect(expectScimError(await o.scim.get('/Users?cursor=&startIndex=1'), 400, 'invalidValue').detail).toMatch(
        /startIndex.*cursor.*not both/,
      );
      expect(expectScimError(await o.scim.get('/Users?cursor=&sortBy=userName'), 400, 'invalidValue').detail).toMatch(/sortBy/);
    });

    it('should answer count=0 with the total only', async () => {
      const page = await o.scim.get('/Users?cursor=&count=0');
      expect(page.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 25, itemsPerPage: 0, Resources: [] });
    });

    it('should page Groups too', async () => {
      for (let i = 0; i < 5; i++) expect((await o.scim.post('/Groups', { body: { displayName: `G${i}` } })).status).toBe(201);
      const first = await o.scim.get('/Groups?cursor=&count=3&excludedAttributes=members');
      const second = await o.scim.get(`/Groups?cursor=${first.body.nextCursor}&count=3&excludedAttributes=members`);
      expect([...first.body.Resources, ...second.body.Resources].map((g: { displayName: string }) => g.displayName)).toEqual([
        'G0',
        'G1',
        'G2',
        'G3',
        'G4',
      ]);
      expect(second.body.nextCursor).toBeUndefined();
      // And index paging of Groups continues from the previous page.
      const index = await o.scim.get('/Groups?startIndex=4&count=3&excludedAttributes=members');
      expect(index.body).toMatchObject({ totalResults: 5, startIndex: 4, itemsPerPage: 2 });
    });
  });
});
