import { createHash } from 'node:crypto';
import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { Client, expectScimError, filterQuery, SCIM, scimOrganization, ScimOrganization } from './support/scim';
import { createTestDatabase } from './support/database';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Contract §9, "Cursors are unforgeable": a cursor the server did not issue is 400 (`invalidCursor`
 * on SCIM, the admin error naming `cursor` on the admin API), an expired SCIM cursor is 400
 * `expiredCursor` (RFC 9865), and a cursor works on every instance sharing the database.
 */
describe('Cursors', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Cursors', 'owner@cursors.test');
    for (let i = 0; i < 5; i++) await insertUser(t.dataSource, Number(o.org.organizationId), `u${i}@cursors.test`);
    for (let i = 0; i < 3; i++) expect((await o.scim.post('/Groups', { body: { displayName: `G${i}` } })).status).toBe(201);
  });

  afterEach(() => t.clock.reset());

  afterAll(async () => {
    await t?.close();
  });

  /** The admin API's cursor-paged lists. */
  const ADMIN_LISTS = [
    '/v1.0/users',
    '/v1.0/settings/members',
    '/v1.0/groups',
    '/v1.0/audit-log',
    '/v1.0/settings/notifications',
  ];

  const expectCursorRefused = (response: { status: number; body: any }) => {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message).toMatch(/cursor is not a cursor this list returned/);
    expect(response.body.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  };

  describe('admin API', () => {
    it('should walk each list with the cursors it gives', async () => {
      for (const [path, items] of [
        ['/v1.0/users', 'users'],
        ['/v1.0/groups', 'groups'],
        ['/v1.0/audit-log', 'events'],
      ] as const) {
        const all = (await o.admin.get(`${path}?size=200`)).body[items].map((x: { id: string }) => x.id);
        expect(all.length).toBeGreaterThan(2);
        const walked: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { status: number; body: any } = await o.admin.get(`${path}?size=2${cursor ? `&cursor=${cursor}` : ''}`);
          expect(page.status).toBe(200);
          walked.push(...page.body[items].map((x: { id: string }) => x.id));
          cursor = page.body.nextCursor;
          if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9._~-]+$/);
        } while (cursor);
        expect(walked).toEqual(all);
      }
    });

    it('should refuse a cursor it did not give, naming the cursor field', async () => {
      for (const path of ADMIN_LISTS) {
        // The form these cursors used to have (base64url of "id:<n>"), and plain junk.
        for (const made of [Buffer.from('id:1').toString('base64url'), Buffer.from('id:999999').toString('base64url'), 'nope']) {
          expectCursorRefused(await o.admin.get(`${path}?cursor=${made}`));
        }
      }
    });

    it("should refuse a cursor of another list, or of another organization's same list", async () => {
      const users = (await o.admin.get('/v1.0/users?size=1')).body.nextCursor;
      expect(users).toEqual(expect.any(String));
      expectCursorRefused(await o.admin.get(`/v1.0/groups?cursor=${users}`));
      expectCursorRefused(await o.admin.get(`/v1.0/audit-log?cursor=${users}`));
      const other = await scimOrganization(t, 'Other cursors');
      expectCursorRefused(await other.admin.get(`/v1.0/users?cursor=${users}`));
      // Altered by one character.
      const altered = users.slice(0, -1) + (users.endsWith('A') ? 'B' : 'A');
      expectCursorRefused(await o.admin.get(`/v1.0/users?cursor=${altered}`));
    });

    it('should keep a cursor valid however long it is kept (admin cursors do not expire)', async () => {
      const next = (await o.admin.get('/v1.0/users?size=1')).body.nextCursor;
      t.clock.set(new Date(Date.now() + 400 * 24 * 3600_000));
      expect((await o.admin.get(`/v1.0/users?size=1&cursor=${next}`)).status).toBe(200);
    });
  });

  describe('SCIM', () => {
    it('should refuse a cursor it did not give with 400 invalidCursor, including the form it used to give', async () => {
      // The old cursor: base64url of "<id>.<12 characters of the SHA-256 of public values>", computable by anyone.
      const walk = `Users\u0000${o.org.organizationId}\u0000null`;
      const print = createHash('sha256').update(walk).digest('base64url').slice(0, 12);
      const forged = Buffer.from(`1.${print}`).toString('base64url');
      const refused = expectScimError(await o.scim.get(`/Users?cursor=${forged}&count=2`), 400, 'invalidCursor');
      expect(refused.detail).toMatch(/not one this server gave/);
      const next: string = (await o.scim.get('/Users?cursor=&count=2')).body.nextCursor;
      expect(next).toMatch(/^[A-Za-z0-9._~-]+$/);
      const altered = next.replace(/^\d+/, (id) => String(Number(id) + 1));
      expectScimError(await o.scim.get(`/Users?cursor=${altered}&count=2`), 400, 'invalidCursor');
      // Bound to its query: another filter, another resource type.
      const other = expectScimError(
        await o.scim.get(`/Users?${filterQuery('userName sw "u"')}&cursor=${next}&count=2`),
        400,
        'invalidCursor',
      );
      expect(other.detail).toMatch(/same filter/);
      expectScimError(await o.scim.get(`/Groups?cursor=${next}`), 400, 'invalidCursor');
    });

    it('should refuse a cursor older than cursorTimeout with 400 expiredCursor, and advertise the timeout', async () => {
      const timeout = (await o.scim.get('/ServiceProviderConfig')).body.pagination.cursorTimeout;
      expect(timeout).toBe(3600);
      t.clock.set('2031-01-01T00:00:00Z');
      const next: string = (await o.scim.get('/Users?cursor=&count=2')).body.nextCursor;
      t.clock.set(new Date(Date.parse('2031-01-01T00:00:00Z') + timeout * 1000));
      const inTime = await o.scim.get(`/Users?cursor=${next}&count=2`);
      expect(inTime.status).toBe(200);
      t.clock.set(new Date(Date.parse('2031-01-01T00:00:00Z') + (timeout + 1) * 1000));
      const late = expectScimError(await o.scim.get(`/Users?cursor=${next}&count=2`), 400, 'expiredCursor');
      expect(late.detail).toMatch(/expired.*empty cursor/);
      // A cursor given by the late request's predecessor is fresh again.
      expect((await o.scim.get(`/Users?cursor=${inTime.body.nextCursor}&count=2`)).status).toBe(200);
    });
  });

  it('should never log the cursor key, even with every SQL statement logged', async () => {
    const db = await createTestDatabase();
    const printed: string[] = [];
    const capture = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(capture),
    );
    let app: TestApp | undefined;
    try {
      app = await startTestApp({ database: { ...db.config, logQueries: true } }, db);
      const [{ value }] = await app.dataSource.query('SELECT value FROM server_secrets');
      // TypeORM colours its log when the environment says the terminal can (CI=true does):
      // strip the colour codes, or a value split by them would pass unseen.
      // eslint-disable-next-line no-control-regex
      const log = printed.join('\n').replace(/\u001b\[[0-9;]*m/g, '');
      expect(log).toMatch(/INSERT (OR )?IGNORE INTO server_secrets/);
      expect(log).not.toContain(value);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
      await app?.close();
      await db.drop();
    }
  });

  it('should accept a cursor on every instance sharing the database, with one secret however many start at once', async () => {
    const db = await createTestDatabase();
    const first = await startTestApp({}, db);
    await first.dataSource.query('DELETE FROM server_secrets');
    await first.close();
    const apps = await Promise.all([0, 1, 2].map(() => startTestApp({}, db)));
    try {
      const [{ n }] = await apps[0].dataSource.query('SELECT COUNT(*) AS n FROM server_secrets');
      expect(Number(n)).toBe(1);
      const org = await scimOrganization(apps[0], 'Shared');
      for (let i = 0; i < 4; i++) await insertUser(apps[0].dataSource, Number(org.org.organizationId), `s${i}@shared.test`);
      const on = (app: TestApp): { admin: Client; scim: Client } => ({
        admin: client(app.url, org.org.apiKey.key),
        scim: client(`${app.url}${SCIM}`, org.scimKey),
      });
      const scimNext = (await on(apps[0]).scim.get('/Users?cursor=&count=2')).body.nextCursor;
      const adminNext = (await on(apps[1]).admin.get('/v1.0/users?size=2')).body.nextCursor;
      for (const app of apps) {
        expect((await on(app).scim.get(`/Users?cursor=${scimNext}&count=2`)).status).toBe(200);
        expect((await on(app).admin.get(`/v1.0/users?size=2&cursor=${adminNext}`)).status).toBe(200);
      }
    } finally {
      for (const app of apps) await app.close();
      await db.drop();
    }
  });
});
