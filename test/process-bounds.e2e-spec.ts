import { generateKey, hashKey } from '../apps/server/src/api-keys/api-key.format';
import { AuthService, KEY_CACHE_MAX_ENTRIES } from '../apps/server/src/auth/auth.service';
import { KeyRateLimit, RATE_LIMIT_MAX_BUCKETS } from '../apps/server/src/auth/key-rate-limit';
import { client } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import type { FastifyReply } from 'fastify';

/**
 * Issue 31: a process serving thousands of organizations holds no more per-process state than its
 * bounds (docs/performance.md, "Bounds of per-process state"), whatever the number of keys,
 * organizations or walks it sees; and what it drops it reads again, with the same answer.
 */

/** Runs `work` for 0..n-1, `parallel` at a time. */
async function each(n: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

describe('Bounds of per-process state (issue 31)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should keep at most KEY_CACHE_MAX_ENTRIES verified keys after 20,000 distinct keys, and still accept the first', async () => {
    const org = await t.createOrganization();
    const keys = Array.from({ length: 20_000 }, () => generateKey('api'));
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      await t.dataSource.query(
        `INSERT INTO api_keys (organization_id, type, description, key_hash, key_last4, created_at) VALUES ${chunk.map(() => `(?, 'api', 'bound test', ?, ?, '2026-01-01 00:00:00.000')`).join(', ')}`,
        chunk.flatMap((key) => [Number(org.organizationId), hashKey(key), key.slice(-4)]),
      );
    }
    const auth = t.app.get(AuthService);
    let most = 0;
    await each(keys.length, 16, async (i) => {
      const identity = await auth.identify(`Bearer ${keys[i]}`);
      expect(identity?.organizationId).toBe(Number(org.organizationId));
      most = Math.max(most, auth.cachedKeys);
    });
    expect(most).toBe(KEY_CACHE_MAX_ENTRIES);
    expect(auth.cachedKeys).toBeLessThanOrEqual(KEY_CACHE_MAX_ENTRIES);
    // The first keys were dropped long ago: a request with one reads it again, and is let in as before.
    const first = await client(t.url, keys[0]).get('/v1.0/organization');
    expect(first.status).toBe(200);
    expect(first.body.id).toBe(org.organizationId);
  });

  describe('rate-limit buckets, counting in memory', () => {
    let limited: TestApp;

    beforeAll(async () => {
      limited = await startTestApp({ scim: { ...t.config.scim, rateLimitPerMinute: 1, rateLimitBurst: 100 } }, t.db);
    });

    afterAll(async () => {
      await limited.app.close();
    });

    it('should keep at most RATE_LIMIT_MAX_BUCKETS buckets per limiter, and keep a key that goes on sending limited', async () => {
      const limit = limited.app.get(KeyRateLimit);
      // What consume() writes to: the response's RateLimit headers.
      const reply = { header: () => reply } as unknown as FastifyReply;
      const status = async (keyId: number): Promise<number> => {
        try {
          await limit.consume(keyId, reply);
          return 200;
        } catch (error) {
          return (error as { getStatus(): number }).getStatus();
        }
      };
      const flooder = 1;
      // The minute's 1, then the burst's 100: the key is refused from then on.
      for (let i = 0; i < 101; i++) expect(await status(flooder)).toBe(200);
      expect(await status(flooder)).toBe(429);
      let most = [0, 0];
      const keys = RATE_LIMIT_MAX_BUCKETS + 10_000;
      for (let i = 0; i < keys; i++) {
        // Two requests: the second is past the minute's one, so the key has a burst bucket too.
        expect(await status(1_000_000 + i)).toBe(200);
        expect(await status(1_000_000 + i)).toBe(200);
        if (i % 1000 === 0 && (await status(flooder)) !== 429) throw new Error(`escaped at ${i}: ${limit.bucketsKept}`);
        most = limit.bucketsKept.map((size, j) => Math.max(size, most[j]));
      }
      expect(most).toEqual([RATE_LIMIT_MAX_BUCKETS, RATE_LIMIT_MAX_BUCKETS]);
      // The key that went on sending was never forgotten: still refused.
      expect(await status(flooder)).toBe(429);
    });
  });
});
