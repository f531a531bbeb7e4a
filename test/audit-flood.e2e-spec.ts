import { AppConfig, loadConfig } from '@app/config';
import { FailedRequestRecorder } from '../apps/server/src/audit/failed-requests';
import { createTestDatabase, TestDatabase } from './support/database';
import { client, HttpResponse } from './support/http';
import { SCIM, scimOrganization, ScimOrganization, userBody } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Contract §9, "Refused requests are rate-limited too": a flood of failed SCIM requests cannot grow
 * the audit log without bound. Per key, status and minute the first few are recorded one by one,
 * then one event says how many more there were, whatever the number of instances sharing the
 * database. Two instances on the engine under test; their clocks are moved by hand.
 */
describe('a flood of failed SCIM requests in the audit log', () => {
  /** What the audit log records one by one per key, status and minute (audit.service.ts); of 429s, one. */
  const FIRST = 10;
  const MINUTE = '2031-03-04T05:06:00.000Z';
  let db: TestDatabase;
  let one: TestApp;
  let two: TestApp;

  type Event = { id: string; status?: number; detail?: string; target: { display: string | null }; actor: { keyId?: string } };

  beforeAll(async () => {
    db = await createTestDatabase();
    one = await startTestApp({}, db);
    two = await startTestApp({}, db);
  });

  afterAll(async () => {
    await two?.close();
    await one?.close();
    await db?.drop();
  });

  beforeEach(() => {
    for (const t of [one, two]) t.clock.set(new Date(Date.parse(MINUTE) + 5_000));
  });

  /**
   * Every instance writes what it has counted and summarises the minutes that are over (as its timer
   * does), once the last responses' onResponse hooks have run.
   */
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([one, two].map((t) => t.app.get(FailedRequestRecorder).flush()));
  };

  /** The statements both instances send that write the audit log or its counts, while `work` runs. */
  async function auditWrites(work: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const restore = [one, two].map((t) => {
      const logger = t.dataSource.logger;
      const original = logger.logQuery.bind(logger);
      logger.logQuery = (query, parameters, runner) => {
        if (/^(INSERT INTO|DELETE FROM|UPDATE) audit_/.test(query.trim())) seen.push(query);
        return original(query, parameters, runner);
      };
      return () => (logger.logQuery = original);
    });
    try {
      await work();
    } finally {
      restore.forEach((r) => r());
    }
    return seen;
  }
  const advance = (ms: number) => [one, two].forEach((t) => t.clock.advance(ms));

  /** The rows of the key's failed requests, straight from the table. */
  async function rows(keyId: string | number, status?: number): Promise<number> {
    const [{ n }] = await one.dataSource.query(
      `SELECT COUNT(*) AS n FROM audit_events WHERE actor_key_id = ? AND action = 'scim.request-failed'${status ? ' AND status = ?' : ''}`,
      status ? [Number(keyId), status] : [Number(keyId)],
    );
    return Number(n);
  }

  /** `count` requests sent `concurrency` at a time, alternating between the two instances. */
  async function flood(send: (instance: TestApp) => Promise<HttpResponse>, count: number, concurrency = 20): Promise<number[]> {
    const statuses: number[] = [];
    for (let sent = 0; sent < count; sent += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, count - sent) }, (_, i) => send((sent + i) % 2 ? two : one));
      statuses.push(...(await Promise.all(batch)).map((r) => r.status));
    }
    return statuses;
  }

  async function failures(o: ScimOrganization, keyId: string | number): Promise<Event[]> {
    const page = await o.admin.get(`/v1.0/audit-log?action=scim.request-failed&actorKeyId=${keyId}&size=200`);
    expect(page.status).toBe(200);
    return page.body.events as Event[];
  }

  it('should record the first few refusals of a key in a minute, then one event that says how many more', async () => {
    const o = await scimOrganization(one);
    const wrongKey = (t: TestApp) => client(`${t.url}${SCIM}`, o.org.apiKey.key).get('/Users');
    let statuses: number[] = [];
    const writes = await auditWrites(async () => {
      statuses = await flood(wrongKey, 200);
      await settle();
    });
    expect(new Set(statuses)).toEqual(new Set([403]));
    expect(await rows(o.org.apiKey.id)).toBe(FIRST);
    // Not a statement per request: each instance sends the first few one by one, then adds its count.
    expect(writes.length).toBeLessThanOrEqual(2 * FIRST + FIRST + 2 * 3);

    // The minute is over: one more event, with the count of the others.
    advance(2 * 60_000);
    await settle();
    expect(await rows(o.org.apiKey.id)).toBe(FIRST + 1);
    const [summary, ...first] = await failures(o, o.org.apiKey.id);
    expect(summary).toMatchObject({ status: 403, actor: { keyId: String(o.org.apiKey.id) } });
    expect(summary.detail).toMatch(/^190 more requests with this key were answered 403 between 05:06 and 05:07 UTC/);
    expect(summary.detail).toMatch(/needs a Torii SCIM key/);
    expect(first).toHaveLength(FIRST);
    expect(first.every((e) => e.target.display === 'GET /Users')).toBe(true);

    // Summarising again (another instance's timer, a restart) adds nothing.
    await settle();
    expect(await rows(o.org.apiKey.id)).toBe(FIRST + 1);
  });

  it('should count each status and each minute on its own', async () => {
    const o = await scimOrganization(one);
    const badUser = (t: TestApp) => client(`${t.url}${SCIM}`, o.scimKey).post('/Users', { body: userBody('not-an-email') });
    await flood(badUser, 30);
    expect((await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } })).status).toBe(200);
    // The other instance learns it within API_KEY_CACHE_TTL_MS.
    await new Promise((resolve) => setTimeout(resolve, one.config.apiKeys.cacheTtlMs + 50));
    const off = (t: TestApp) => client(`${t.url}${SCIM}`, o.scimKey).get('/Users');
    expect(new Set(await flood(off, 30))).toEqual(new Set([403]));
    advance(60_000);
    expect(new Set(await flood(off, 30))).toEqual(new Set([403]));
    advance(2 * 60_000);
    await settle();

    expect(await rows(o.scimKeyId, 400)).toBe(FIRST + 1);
    expect(await rows(o.scimKeyId, 403)).toBe(2 * (FIRST + 1));
    const summaries = (await failures(o, o.scimKeyId)).filter((e) => /more requests/.test(e.detail ?? ''));
    expect(summaries.map((e) => e.detail!.slice(0, e.detail!.indexOf(' UTC')))).toEqual(
      expect.arrayContaining([
        '20 more requests with this key were answered 400 between 05:06 and 05:07',
        '20 more requests with this key were answered 403 between 05:06 and 05:07',
        '20 more requests with this key were answered 403 between 05:07 and 05:08',
      ]),
    );
  });

  it('should leave a key that fails now and then with one event per failure', async () => {
    const o = await scimOrganization(one);
    for (let i = 0; i < 3; i++) {
      expect((await o.scim.post('/Users', { body: userBody(`bad-${i}`) })).status).toBe(400);
      advance(60_000);
    }
    await settle();
    expect(await rows(o.scimKeyId)).toBe(3);
    expect((await failures(o, o.scimKeyId)).every((e) => !/more requests/.test(e.detail ?? ''))).toBe(true);
  });

  describe('with a rate limit', () => {
    let limited: TestApp;

    beforeAll(async () => {
      const scim: AppConfig['scim'] = { ...loadConfig({}).scim, rateLimitPerMinute: 5, rateLimitBurst: 0 };
      limited = await startTestApp({ scim });
    });

    afterAll(async () => {
      await limited?.close();
    });

    it('should bound the 429s of a refused key as well: one recorded, then the count', async () => {
      limited.clock.set(new Date(Date.parse(MINUTE) + 5_000));
      const o = await scimOrganization(limited);
      const wrong = client(`${limited.url}${SCIM}`, o.org.apiKey.key);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) statuses.push((await wrong.get('/Users')).status);
      expect(statuses.filter((s) => s === 403)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(55);
      limited.clock.advance(2 * 60_000);
      await limited.app.get(FailedRequestRecorder).flush();
      const [{ n403 }] = await limited.dataSource.query(
        "SELECT COUNT(*) AS n403 FROM audit_events WHERE actor_key_id = ? AND status = 403 AND action = 'scim.request-failed'",
        [Number(o.org.apiKey.id)],
      );
      const [{ n429 }] = await limited.dataSource.query(
        "SELECT COUNT(*) AS n429 FROM audit_events WHERE actor_key_id = ? AND status = 429 AND action = 'scim.request-failed'",
        [Number(o.org.apiKey.id)],
      );
      expect([Number(n403), Number(n429)]).toEqual([5, 2]);
      const events = (await o.admin.get(`/v1.0/audit-log?action=scim.request-failed&actorKeyId=${o.org.apiKey.id}`)).body.events;
      expect(events[0].detail).toMatch(/^54 more requests with this key were answered 429 between 05:06 and 05:07 UTC/);
    });
  });
});
