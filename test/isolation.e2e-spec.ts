import { loadConfig } from '@app/config';
import { scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * No organization can slow another. One organization sends the costliest filter it legally can
 * (as many `emails co` terms as fit in 4,096 characters, each a LIKE over all its value rows);
 * meanwhile another organization's reads and the health check answer at once, and the costly
 * search itself is stopped at the time limit with a 400 that says what to do.
 */
const TIMEOUT_MS = 250;

function costliestFilter(): string {
  const terms: string[] = [];
  while ([...terms, `emails co "zz${terms.length}"`].join(' or ').length <= 4096 && terms.length < 200) {
    terms.push(`emails co "zz${terms.length}"`);
  }
  return encodeURIComponent(terms.join(' or '));
}

describe('isolation: one organization cannot stall another', () => {
  let t: TestApp;
  let busy: ScimOrganization;
  let other: ScimOrganization;
  let otherUserId: string;

  beforeAll(async () => {
    t = await startTestApp({ scim: { ...loadConfig().scim, rateLimitPerMinute: 0, searchTimeoutMs: TIMEOUT_MS } });
    busy = await scimOrganization(t, 'Busy');
    other = await scimOrganization(t, 'Other');
    otherUserId = (await other.scim.post('/Users', { body: { userName: 'calm@other.test' } })).body.id;
    // 1,500 users with two emails each: 3,000 value rows for every LIKE of the costly filter.
    for (let start = 0; start < 1500; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          busy.scim.post('/Users', {
            body: {
              userName: `u${start + i}@busy.test`,
              emails: [{ value: `u${start + i}@busy.test`, primary: true }, { value: `alt${start + i}@busy.test` }],
            },
          }),
        ),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('should answer another organization and /health promptly while costly searches run, and stop those at the limit', async () => {
    const filter = costliestFilter();
    const started = Date.now();
    const costly = Promise.all(
      Array.from({ length: 4 }, () =>
        busy.scim.get(`/Users?count=1&filter=${filter}`).then((response) => ({ response, ms: Date.now() - started })),
      ),
    );
    // While they run: the other organization's user and the health check, one after another.
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = Date.now();
      const [user, health] = await Promise.all([other.scim.get(`/Users/${otherUserId}`), fetch(`${t.url}/health`)]);
      latencies.push(Date.now() - before);
      expect([user.status, health.status]).toEqual([200, 200]);
    }
    const results = await costly;
    for (const { response } of results) {
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('tooMany');
      expect(response.body.detail).toMatch(/took longer than the 0.25 s this server allows/);
    }
    // The costly searches really were costly (each ran to the limit), yet the others never waited on them.
    expect(Math.max(...results.map((r) => r.ms))).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS);
  });

  it('should still answer an ordinary search of the busy organization', async () => {
    const response = await busy.scim.get(`/Users?filter=${encodeURIComponent('emails co "u1499@"')}`);
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(1);
  });
});
