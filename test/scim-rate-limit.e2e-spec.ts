import { AppConfig, loadConfig } from '@app/config';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './support/database';
import { client, HttpResponse } from './support/http';
import { expectScimError, SCIM, scimOrganization, userBody } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';

const scimConfig = (rateLimitPerMinute: number, extra: Partial<AppConfig['scim']> = {}): Partial<AppConfig> => ({
  scim: {
    rateLimitPerMinute,
    rateLimitBurst: 0,
    redisKeyPrefix: 'torii:',
    searchTimeoutMs: 2000,
    searchMaxRows: 5_000_000,
    ...extra,
  },
});

/** Asserts a 429 as identity providers read it: Retry-After in whole seconds, within the minute. */
function expectRetryAfter(response: HttpResponse): number {
  expect(response.status).toBe(429);
  const header = response.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

describe('SCIM rate limit per key', () => {
  describe('in memory (no Redis)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(scimConfig(5));
    });

    afterAll(async () => {
      await t.close();
    });

    it('should answer 429 with Retry-After and a SCIM body once a key has used its requests for the minute', async () => {
      const o = await scimOrganization(t);
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const response = i % 2 ? await o.scim.get('/ServiceProviderConfig') : await o.scim.get('/Users?count=1');
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-limit')).toBe('5');
        remaining.push(response.headers.get('ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['4', '3', '2', '1', '0']);
      for (const response of [
        await o.scim.get('/Users'),
        await o.scim.post('/Users', { body: userBody('late@x.test') }),
        await o.scim.get('/Schemas'),
      ]) {
        const error = expectScimError(response, 429);
        expect(error.detail).toMatch(/limit is 5 a minute/);
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter)).toBe(true);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      // Nothing was created by the refused POST.
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users WHERE user_name_lower = ?', ['late@x.test']);
      expect(Number(n)).toBe(0);
    });

    it('should count each key on its own, and leave the admin API alone', async () => {
      const o = await scimOrganization(t);
      for (let i = 0; i < 5; i++) await o.scim.get('/Users?count=0');
      expect((await o.scim.get('/Users?count=0')).status).toBe(429);
      // A second key of the same organization (rotation) has its own budget.
      const second = await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } });
      expect((await client(`${t.url}${SCIM}`, second.body.key).get('/Users?count=0')).status).toBe(200);
      // Another organization is not affected.
      expect((await (await scimOrganization(t)).scim.get('/Users?count=0')).status).toBe(200);
      // The admin API is not rate limited by the SCIM limit.
      for (let i = 0; i < 8; i++) expect((await o.admin.get('/v1.0/settings/security')).status).toBe(200);
    });

    it('should not count requests refused before a key is known', async () => {
      const o = await scimOrganization(t);
      for (let i = 0; i < 8; i++) {
        expect((await client(`${t.url}${SCIM}`).get('/Users')).status).toBe(401);
      }
      expect((await o.scim.get('/Users?count=0')).status).toBe(200);
    });
  });

  describe('with the default settings', () => {
    let t: TestApp;

    beforeAll(async () => {
      // The defaults of an empty environment, not the test suites' (which turn the limit off).
      t = await startTestApp({ scim: { ...loadConfig({}).scim } });
    });

    afterAll(async () => {
      await t.close();
    });

    it('should allow at least 1,500 requests a minute per key (25 a second, what Microsoft asks of gallery apps), with a burst', () => {
      const defaults = loadConfig({}).scim;
      expect(defaults.rateLimitPerMinute).toBeGreaterThanOrEqual(1500);
      expect(defaults.rateLimitBurst).toBeGreaterThan(0);
    });

    it('should not refuse 300 requests sent at once by one key', async () => {
      const o = await scimOrganization(t);
      const statuses: number[] = [];
      for (let round = 0; round < 10; round++) {
        const responses = await Promise.all(Array.from({ length: 30 }, () => o.scim.get('/Users?count=0')));
        statuses.push(...responses.map((r) => r.status));
      }
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const last = await o.scim.get('/ServiceProviderConfig');
      expect(last.headers.get('ratelimit-limit')).toBe(String(loadConfig({}).scim.rateLimitPerMinute));
      expect(Number(last.headers.get('ratelimit-remaining'))).toBe(loadConfig({}).scim.rateLimitPerMinute - 301);
    });
  });

  describe('with a burst allowance', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(scimConfig(5, { rateLimitBurst: 3 }));
    });

    afterAll(async () => {
      await t.close();
    });

    it('should take the burst once the minute is used up, then answer 429 until the minute is over', async () => {
      const o = await scimOrganization(t);
      const seen: Array<[number, string | null]> = [];
      for (let i = 0; i < 8; i++) {
        const response = await o.scim.get('/Users?count=0');
        seen.push([response.status, response.headers.get('ratelimit-remaining')]);
      }
      // The headers speak of the per-minute quota; the burst carries the client past it without a 429.
      expect(seen).toEqual([
        [200, '4'],
        [200, '3'],
        [200, '2'],
        [200, '1'],
        [200, '0'],
        [200, '0'],
        [200, '0'],
        [200, '0'],
      ]);
      const refused = await o.scim.get('/Users?count=0');
      expectScimError(refused, 429);
      const seconds = expectRetryAfter(refused);
      expect(refused.headers.get('ratelimit-limit')).toBe('5');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('ratelimit-reset'))).toBe(seconds);
      expect(refused.body.detail).toMatch(/limit is 5 a minute/);
    });
  });

  describe('refused requests of a recognised key', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(scimConfig(5));
    });

    afterAll(async () => {
      await t.close();
    });

    it('should count an API key sent to SCIM against that key, and answer 429 once it is used up', async () => {
      const o = await scimOrganization(t);
      const wrong = client(`${t.url}${SCIM}`, o.org.apiKey.key);
      for (let i = 0; i < 5; i++) {
        const response = await wrong.get('/Users');
        expectScimError(response, 403);
        expect(response.headers.get('ratelimit-remaining')).toBe(String(4 - i));
      }
      const refused = await wrong.post('/Users', { body: userBody('flood@x.test') });
      expectScimError(refused, 429);
      expectRetryAfter(refused);
      // Still says why the requests are refused in the first place.
      expect(refused.body.detail).toMatch(/limit is 5 a minute.*needs a Torii SCIM key/);
      // The key still works where it belongs (the admin API has no rate limit).
      expect((await o.admin.get('/v1.0/settings/security')).status).toBe(200);
    });

    it('should count a SCIM key sent while SCIM is off against that key', async () => {
      const o = await scimOrganization(t);
      await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } });
      for (let i = 0; i < 5; i++) expectScimError(await o.scim.get('/Users'), 403);
      const refused = await o.scim.get('/Users');
      expectScimError(refused, 429);
      expectRetryAfter(refused);
      expect(refused.body.detail).toMatch(/SCIM is turned off/);
    });

    it('should count a SCIM key sent to the admin API against that key, with the admin API’s error body', async () => {
      const o = await scimOrganization(t);
      for (let i = 0; i < 3; i++) expect((await o.scim.get('/Users?count=0')).status).toBe(200);
      const admin = client(t.url, o.scimKey);
      for (let i = 0; i < 2; i++) expect((await admin.get('/v1.0/settings/security')).status).toBe(403);
      const refused = await admin.get('/v1.0/settings/security');
      expectRetryAfter(refused);
      expect(refused.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.stringMatching(/Torii API key/),
      });
      // One budget per key: the identity provider's own requests wait too.
      expectRetryAfter(await o.scim.get('/Users?count=0'));
    });

    it('should not count an expired key (its 401 says what to do)', async () => {
      const o = await scimOrganization(t);
      const expiring = await o.admin.post('/v1.0/settings/api-keys', {
        body: { type: 'scim', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      });
      t.clock.set(new Date(Date.now() + 2 * 3_600_000));
      try {
        const expired = client(`${t.url}${SCIM}`, expiring.body.key);
        for (let i = 0; i < 8; i++) expect((await expired.get('/Users')).status).toBe(401);
      } finally {
        t.clock.reset();
      }
    });
  });

  describe('turned off with 0', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(scimConfig(0));
    });

    afterAll(async () => {
      await t.close();
    });

    it('should never answer 429', async () => {
      const o = await scimOrganization(t);
      const responses = await Promise.all(Array.from({ length: 250 }, () => o.scim.get('/Users?count=0')));
      expect(responses.filter((r) => r.status !== 200)).toEqual([]);
      expect(responses[0].headers.get('ratelimit-limit')).toBeNull();
    });
  });

  describe('shared through Redis by two instances', () => {
    const prefix = `torii-test:${randomBytes(6).toString('hex')}:`;
    let one: TestApp;
    let two: TestApp;
    let redis: Redis;

    beforeAll(async () => {
      redis = new Redis(REDIS_URL);
      const db = await createTestDatabase();
      one = await startTestApp(scimConfig(6, { redisUrl: REDIS_URL, redisKeyPrefix: prefix }), db);
      two = await startTestApp(scimConfig(6, { redisUrl: REDIS_URL, redisKeyPrefix: prefix }), db);
    });

    afterAll(async () => {
      await two.close();
      await one.close();
      await one.db.drop();
      // Only this test's keys: never FLUSHALL a shared Redis.
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('should hold the limit across instances that share Redis, under the configured key prefix', async () => {
      const o = await scimOrganization(one);
      const viaOne = client(`${one.url}${SCIM}`, o.scimKey);
      const viaTwo = client(`${two.url}${SCIM}`, o.scimKey);
      const remaining: string[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await (i % 2 ? viaTwo : viaOne).get('/Users?count=0');
        expect(response.status).toBe(200);
        remaining.push(response.headers.get('ratelimit-remaining')!);
      }
      expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);
      expectScimError(await viaTwo.get('/Users?count=0'), 429);
      expectScimError(await viaOne.get('/Users?count=0'), 429);
      expect(Number(await viaOne.get('/Users').then((r) => r.headers.get('retry-after')))).toBeGreaterThanOrEqual(1);

      const stored = await redis.get(`${prefix}scim-rate:${o.scimKeyId}`);
      expect(Number(stored)).toBeGreaterThanOrEqual(8);
      expect(await redis.pttl(`${prefix}scim-rate:${o.scimKeyId}`)).toBeGreaterThan(0);
    });

    it('should share the limit under concurrent requests on both instances', async () => {
      const o = await scimOrganization(two);
      const viaOne = client(`${one.url}${SCIM}`, o.scimKey);
      const viaTwo = client(`${two.url}${SCIM}`, o.scimKey);
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? viaOne : viaTwo).get('/Users?count=0')));
      expect(responses.filter((r) => r.status === 200)).toHaveLength(6);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(14);
      for (const r of responses.filter((r) => r.status === 429)) expectRetryAfter(r);
    });

    it('should count refused requests across instances too', async () => {
      const o = await scimOrganization(one);
      const viaOne = client(`${one.url}${SCIM}`, o.org.apiKey.key);
      const viaTwo = client(`${two.url}${SCIM}`, o.org.apiKey.key);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await (i % 2 ? viaTwo : viaOne).get('/Users')).status);
      expect(statuses).toEqual([403, 403, 403, 403, 403, 403, 429, 429]);
    });
  });

  describe('with a burst, shared through Redis by two instances', () => {
    const prefix = `torii-test:${randomBytes(6).toString('hex')}:`;
    let one: TestApp;
    let two: TestApp;
    let redis: Redis;

    beforeAll(async () => {
      redis = new Redis(REDIS_URL);
      const db = await createTestDatabase();
      const config = scimConfig(4, { rateLimitBurst: 2, redisUrl: REDIS_URL, redisKeyPrefix: prefix });
      one = await startTestApp(config, db);
      two = await startTestApp(config, db);
    });

    afterAll(async () => {
      await two.close();
      await one.close();
      await one.db.drop();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('should share the minute and the burst between instances', async () => {
      const o = await scimOrganization(one);
      const viaOne = client(`${one.url}${SCIM}`, o.scimKey);
      const viaTwo = client(`${two.url}${SCIM}`, o.scimKey);
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? viaOne : viaTwo).get('/Users?count=0')));
      expect(responses.filter((r) => r.status === 200)).toHaveLength(6);
      for (const r of responses.filter((r) => r.status === 429)) expectRetryAfter(r);
      expect(Number(await redis.get(`${prefix}scim-rate-burst:${o.scimKeyId}`))).toBeGreaterThanOrEqual(2);
    });
  });

  describe('when Redis cannot be reached', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(scimConfig(3, { redisUrl: 'redis://127.0.0.1:1', redisKeyPrefix: 'torii-test-down:' }));
    });

    afterAll(async () => {
      await t.close();
    });

    it('should keep serving provisioning and still limit in memory', async () => {
      const o = await scimOrganization(t);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await o.scim.get('/Users?count=0')).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    });
  });
});
