import { INSERT_TEXTS_KEPT, STATEMENT_CACHE_SIZE, Statements } from '@app/database';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { generateKey, hashKey } from '../apps/server/src/api-keys/api-key.format';
import { FailedRequestRecorder, TALLIES_KEPT } from '../apps/server/src/audit/failed-requests';
import { AuthService, KEY_CACHE_MAX_ENTRIES } from '../apps/server/src/auth/auth.service';
import { KeyRateLimit, RATE_LIMIT_MAX_BUCKETS } from '../apps/server/src/auth/key-rate-limit';
import { ACTIVE_COUNT_MAX_ORGANIZATIONS, DeprovisioningService } from '../apps/server/src/deprovisioning/deprovisioning.service';
import { ScimTrafficService, TRAFFIC_COUNTS_KEPT } from '../apps/server/src/scim-health/scim-traffic.service';
import { MAX_COUNTED, ScimRequestRecorder } from '../apps/server/src/scim-requests/scim-request-recorder.service';
import { PAGE_STATEMENTS_KEPT, SIZES_KEPT, UsersRepository } from '../apps/server/src/users/users.repository';
import { client } from './support/http';
import { CORE_USER, scimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

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
    const apps: TestApp[] = [];
    /** The KeyRateLimit of an app with these limits, and a key's status for one more request. */
    const limiter = async (rateLimitPerMinute: number, rateLimitBurst: number) => {
      const app = await startTestApp({ scim: { ...t.config.scim, rateLimitPerMinute, rateLimitBurst } }, t.db);
      apps.push(app);
      const limit = app.app.get(KeyRateLimit);
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
      return { limit, status };
    };

    afterAll(async () => {
      for (const app of apps) await app.app.close();
    });

    it('should keep at most RATE_LIMIT_MAX_BUCKETS minute buckets, and keep a key at its limit refused', async () => {
      const { limit, status } = await limiter(3, 0);
      const flooder = 1;
      for (let i = 0; i < 3; i++) expect(await status(flooder)).toBe(200);
      expect(await status(flooder)).toBe(429);
      let most = 0;
      // Twice round the bound while the flooder waits: unread since eviction last passed it, it would be
      // dropped as idle, and let through; it is kept because it is at its limit.
      for (let i = 0; i < 2 * RATE_LIMIT_MAX_BUCKETS + 5_000; i++) {
        expect(await status(1_000_000 + i)).toBe(200);
        most = Math.max(most, limit.bucketsKept[0]);
      }
      expect(most).toBe(RATE_LIMIT_MAX_BUCKETS);
      expect(await status(flooder)).toBe(429);
      // The first keys' buckets were dropped: they count from zero again, under the limit anyway.
      expect(await status(1_000_000)).toBe(200);
    });

    it('should keep at most RATE_LIMIT_MAX_BUCKETS burst buckets too', async () => {
      const { limit, status } = await limiter(1, 100);
      let most = [0, 0];
      for (let i = 0; i < RATE_LIMIT_MAX_BUCKETS + 10_000; i++) {
        // The second request is past the minute's one: the key has a burst bucket too.
        expect(await status(1_000_000 + i)).toBe(200);
        expect(await status(1_000_000 + i)).toBe(200);
        most = limit.bucketsKept.map((size, j) => Math.max(size, most[j]));
      }
      expect(most).toEqual([RATE_LIMIT_MAX_BUCKETS, RATE_LIMIT_MAX_BUCKETS]);
    });
  });

  it('should keep at most PAGE_STATEMENTS_KEPT page statements and STATEMENT_CACHE_SIZE prepared statements', async () => {
    const o = await scimOrganization(t);
    for (let i = 0; i < 3; i++) {
      expect((await o.scim.post('/Users', { body: { schemas: [CORE_USER], userName: `page${i}@x.test` } })).status).toBe(201);
    }
    const first = (await o.scim.get('/Users?sortBy=userName&count=1&startIndex=1')).body.Resources[0].userName;
    // Sorted pages skip with OFFSET: each startIndex is a statement text of its own (LIMIT/OFFSET literals).
    for (let start = 1; start <= PAGE_STATEMENTS_KEPT + 50; start++) {
      const page = await o.scim.get(`/Users?sortBy=userName&count=1&startIndex=${start}`);
      expect(page.status).toBe(200);
      expect(page.body.Resources).toHaveLength(start <= 4 ? 1 : 0);
    }
    const users = t.app.get(UsersRepository);
    expect(users.kept.pageStatements).toBe(PAGE_STATEMENTS_KEPT);
    // The first page's text was dropped: it is built again, with the same answer.
    expect((await o.scim.get('/Users?sortBy=userName&count=1&startIndex=1')).body.Resources[0].userName).toBe(first);

    const statements = t.app.get(Statements);
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 100; i++) {
      expect(await statements.rows(t.dataSource.manager, `SELECT ? + ${i}`, [1])).toEqual([[1 + i]]);
    }
    // SQLite keeps prepared statements; MySQL/MariaDB send the text each time and keep none.
    expect(statements.kept.reads).toBe(t.db.engine === 'sqlite' ? STATEMENT_CACHE_SIZE : 0);
  });

  it('should keep at most INSERT_TEXTS_KEPT multi-row INSERT texts of a table, whatever the row counts', async () => {
    const o = await scimOrganization(t);
    const users = t.app.get(UsersRepository);
    // Users with 1..150 emails: one INSERT of their values each, of as many rows.
    for (let n = 1; n <= INSERT_TEXTS_KEPT + 30; n++) {
      const emails = Array.from({ length: n }, (_, i) => ({ value: `e${i}@values${n}.test` }));
      const created = await o.scim.post('/Users', { body: { schemas: [CORE_USER], userName: `values${n}@x.test`, emails } });
      expect(created.status).toBe(201);
      expect(created.body.emails).toHaveLength(n);
    }
    expect(users.kept.valueInserts).toBe(INSERT_TEXTS_KEPT);
  });

  it('should keep at most SIZES_KEPT organization sizes (search pricing), counting a dropped one again', async () => {
    const users = t.app.get(UsersRepository);
    const o = await scimOrganization(t);
    const id = Number(o.org.organizationId);
    const before = await users.organizationSize(id);
    let most = 0;
    // Organizations that do not exist count 0 users: what matters here is how many are remembered.
    await each(SIZES_KEPT + 500, 4, async (i) => {
      await users.organizationSize(1_000_000 + i);
      most = Math.max(most, users.kept.sizes);
    });
    expect(most).toBe(SIZES_KEPT);
    expect((await o.scim.post('/Users', { body: { schemas: [CORE_USER], userName: 'sized@x.test' } })).status).toBe(201);
    // Organization `id` was dropped: counted again, it has its new user (a kept size would say 1).
    expect(await users.organizationSize(id)).toEqual({ users: before.users + 1, values: before.values });
  });

  it('should keep the active counts of at most ACTIVE_COUNT_MAX_ORGANIZATIONS organizations (burst check)', async () => {
    const deprovisioning = t.app.get(DeprovisioningService);
    // The burst check's count (private): reached through HTTP only by a burst in each of a thousand organizations.
    const activeUsers = (organizationId: number) =>
      (deprovisioning as unknown as { activeUsers(m: undefined, id: number, now: Date): Promise<number> }).activeUsers(
        undefined,
        organizationId,
        new Date(),
      );
    const o = await scimOrganization(t);
    expect(await activeUsers(Number(o.org.organizationId))).toBe(1);
    let most = 0;
    await each(ACTIVE_COUNT_MAX_ORGANIZATIONS + 200, 4, async (i) => {
      await activeUsers(2_000_000 + i);
      most = Math.max(most, deprovisioning.activeCountsKept);
    });
    expect(most).toBe(ACTIVE_COUNT_MAX_ORGANIZATIONS);
    expect((await o.scim.post('/Users', { body: { schemas: [CORE_USER], userName: 'active@x.test' } })).status).toBe(201);
    expect(await activeUsers(Number(o.org.organizationId))).toBe(2);
  });

  it('should remember the inspector counts of at most MAX_COUNTED organizations', async () => {
    const recorder = t.app.get(ScimRequestRecorder);
    // What a flush does for each organization it wrote requests for (private): count, prune if over, remember.
    const pruneExcess = (written: Map<number, number>) =>
      (recorder as unknown as { pruneExcess(w: Map<number, number>): Promise<void> }).pruneExcess(written);
    let most = 0;
    for (let from = 0; from < MAX_COUNTED + 2_000; from += 1_000) {
      await pruneExcess(new Map(Array.from({ length: 1_000 }, (_, i) => [3_000_000 + from + i, 1])));
      most = Math.max(most, recorder.countsKept);
    }
    expect(most).toBe(MAX_COUNTED);
  });

  it('should keep at most TRAFFIC_COUNTS_KEPT key-minutes of SCIM traffic, dropping the oldest minutes first', async () => {
    const traffic = t.app.get(ScimTrafficService);
    await traffic.flush();
    const o = await scimOrganization(t);
    const organizationId = Number(o.org.organizationId);
    // As when the database is down: a minute's counts are not written, and the next minutes' pile up behind them.
    t.clock.set('2026-06-01T10:00:00Z');
    try {
      const old = TRAFFIC_COUNTS_KEPT - 10_000;
      for (let i = 0; i < old; i++) traffic.count(organizationId, 5_000_000 + i, false);
      t.clock.set('2026-06-01T10:01:00Z');
      const busyKey = 99;
      for (let i = 0; i < 20_000; i++) {
        traffic.count(organizationId, 6_000_000 + i, false);
        // A key that goes on sending keeps its count.
        if (i % 100 === 0) traffic.count(organizationId, busyKey, i % 200 === 0);
        expect(traffic.countsKept).toBeLessThanOrEqual(TRAFFIC_COUNTS_KEPT);
      }
      expect(traffic.countsKept).toBe(TRAFFIC_COUNTS_KEPT);
      const since = new Date('2026-06-01T10:01:00Z');
      expect(traffic.unflushed(organizationId, since).get(busyKey)).toEqual({ requests: 200, errors: 100 });
      // The current minute is whole; the older one lost what did not fit.
      expect(traffic.unflushed(organizationId, since).size).toBe(20_001);
      await traffic.flush();
      expect(traffic.countsKept).toBe(0);
      const rows = await t.dataSource.query(
        'SELECT COUNT(*) AS n, SUM(requests) AS requests FROM scim_traffic WHERE organization_id = ? GROUP BY minute ORDER BY minute',
        [organizationId],
      );
      expect(rows.map((r: { n: unknown; requests: unknown }) => [Number(r.n), Number(r.requests)])).toEqual([
        [old - 10_001, old - 10_001],
        [20_001, 20_200],
      ]);
    } finally {
      t.clock.reset();
    }
  });

  it("should keep at most TALLIES_KEPT failed-request tallies, adding a dropped tally's count to the database", async () => {
    const recorder = t.app.get(FailedRequestRecorder);
    await recorder.flush();
    const o = await scimOrganization(t);
    const organizationId = Number(o.org.organizationId);
    const fail = (keyId: number) => {
      const auth = { keyId, organizationId, type: 'scim', maskedKey: 'torii_scim_…abcd', description: null, expiresAt: null };
      const request = { url: '/v1.0/scim/v2/Users', method: 'POST', id: `req-${keyId}`, auth } as unknown as FastifyRequest;
      recorder.onResponse(request, { statusCode: 429 } as FastifyReply);
    };
    // A 429 is recorded once a key and minute; the next ones are counted. Key 7 fails 3 times: 1 sent, 2 counted.
    for (let i = 0; i < 3; i++) fail(7);
    let most = 0;
    // Twice round: key 7's tally, read when it failed again, goes on the second pass.
    for (let i = 0; i < 2 * TALLIES_KEPT + 500; i++) {
      fail(6_000_000 + i);
      most = Math.max(most, recorder.talliesKept);
    }
    expect(most).toBe(TALLIES_KEPT);
    await recorder.flush();
    const [row] = await t.dataSource.query('SELECT failures FROM audit_failure_counts WHERE actor_key_id = ?', [7]);
    expect(Number(row.failures)).toBe(3);
  });
});
