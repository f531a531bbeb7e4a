import { AppConfig } from '@app/config';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './support/database';
import { client } from './support/http';
import { expectScimError, SCIM, scimOrganization, userBody } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';

const scimConfig = (rateLimitPerMinute: number, extra: Partial<AppConfig['scim']> = {}): Partial<AppConfig> => ({
  scim: { rateLimitPerMinute, redisKeyPrefix: 'torii:', searchTimeoutMs: 2000, searchMaxRows: 5_000_000, ...extra },
});

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
