import { parseListQuery, ScimError } from '@app/scim-protocol';
import { Clock } from '../common/clock';
import { CursorKey } from '../cursors/cursor-key';
import type { ServerSecretsRepository } from '../cursors/server-secrets.repository';
import { POSITIONS_KEPT, ScimPaging, WALKS_KEPT } from './scim-paging';

const query = (params: Record<string, string>) => parseListQuery(params);
const at = (plan: { offset: number; afterId?: number; limit: number; mode: string }) => ({
  mode: plan.mode,
  offset: plan.offset,
  limit: plan.limit,
  afterId: plan.afterId,
});
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('ScimPaging', () => {
  let key: CursorKey;
  beforeAll(async () => {
    // A fresh installation's key: the first value stored wins (here, the one this instance generated).
    const secrets = { findOrCreate: async (_name: string, candidate: string) => candidate };
    key = new CursorKey(secrets as unknown as ServerSecretsRepository, new Clock());
    await key.onApplicationBootstrap();
  });
  const newPaging = () => new ScimPaging(key, new Clock());

  it('should continue a walk after the previous page, and skip from the nearest known position otherwise', () => {
    const paging = newPaging();
    const first = query({ startIndex: '1', count: '100' });
    expect(at(paging.plan('Users', 1, first))).toMatchObject({ offset: 0, afterId: undefined });
    // Ids with gaps (deleted users): positions are counted in resources, not ids.
    const ids = range(10, 100).map((id) => id * 2);
    paging.respond(paging.plan('Users', 1, first), first, ids, ids, 1000);

    expect(at(paging.plan('Users', 1, query({ startIndex: '101', count: '100' })))).toMatchObject({ offset: 0, afterId: 218 });
    expect(at(paging.plan('Users', 1, query({ startIndex: '151', count: '100' })))).toMatchObject({ offset: 50, afterId: 218 });
    // Another organization, filter or resource type is another walk; a sorted list is never continued.
    expect(at(paging.plan('Users', 2, query({ startIndex: '101', count: '100' })))).toMatchObject({
      offset: 100,
      afterId: undefined,
    });
    expect(at(paging.plan('Groups', 1, query({ startIndex: '101', count: '100' })))).toMatchObject({ afterId: undefined });
    expect(at(paging.plan('Users', 1, query({ startIndex: '101', filter: 'title pr' })))).toMatchObject({ afterId: undefined });
    expect(at(paging.plan('Users', 1, query({ startIndex: '101', sortBy: 'userName' })))).toMatchObject({
      offset: 100,
      afterId: undefined,
    });
  });

  it('should remember where a page reached by skipping starts, and not remember a partial page', () => {
    const paging = newPaging();
    const deep = query({ startIndex: '5001', count: '10' });
    const plan = paging.plan('Users', 1, deep);
    expect(at(plan)).toMatchObject({ offset: 5000, afterId: undefined });
    paging.respond(plan, deep, range(7001, 10), range(7001, 10), 9000);
    expect(at(paging.plan('Users', 1, query({ startIndex: '5001', count: '10' })))).toMatchObject({ offset: 0, afterId: 7000 });
    expect(at(paging.plan('Users', 1, query({ startIndex: '5011', count: '10' })))).toMatchObject({ offset: 0, afterId: 7010 });

    const lookup = query({ filter: 'userName eq "a@b.c"' });
    paging.respond(paging.plan('Users', 1, lookup), lookup, [1], [1], 1);
    expect(at(paging.plan('Users', 1, query({ filter: 'userName eq "a@b.c"', startIndex: '2' })))).toMatchObject({
      afterId: undefined,
    });
  });

  it('should forget a walk 15 minutes after its last page', () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    try {
      const paging = newPaging();
      const first = query({ count: '10' });
      paging.respond(paging.plan('Users', 1, first), first, range(1, 10), range(1, 10), 100);
      jest.setSystemTime(new Date('2026-12-01T10:14:59Z'));
      expect(at(paging.plan('Users', 1, query({ startIndex: '11', count: '10' })))).toMatchObject({ afterId: 10 });
      jest.setSystemTime(new Date('2026-12-01T10:15:01Z'));
      expect(at(paging.plan('Users', 1, query({ startIndex: '11', count: '10' })))).toMatchObject({ afterId: undefined });
    } finally {
      jest.useRealTimers();
    }
  });

  it('should give cursors that continue their own query only', () => {
    const paging = newPaging();
    const first = query({ cursor: '', count: '2' });
    const plan = paging.plan('Users', 1, first);
    expect(plan).toMatchObject({ mode: 'cursor', limit: 3, afterId: undefined });
    const answer = paging.respond(plan, first, ['a', 'b', 'c'], [4, 9, 12], 3);
    expect(answer).toMatchObject({ itemsPerPage: 2, Resources: ['a', 'b'] });
    const next = (answer as { nextCursor: string }).nextCursor;
    expect(next).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(at(paging.plan('Users', 1, query({ cursor: next, count: '2' })))).toMatchObject({ afterId: 9 });
    const refused = (params: Record<string, string>) => {
      try {
        paging.plan('Users', 1, query(params));
      } catch (error) {
        return (error as ScimError).scimType;
      }
      return undefined;
    };
    expect(refused({ cursor: next, filter: 'title pr' })).toBe('invalidCursor');
    expect(refused({ cursor: 'abc' })).toBe('invalidCursor');
    // Another organization's or resource type's walk; the same numbers with a made-up MAC.
    expect(() => paging.plan('Users', 2, query({ cursor: next }))).toThrow(/not one this server gave/);
    expect(() => paging.plan('Groups', 1, query({ cursor: next }))).toThrow(/not one this server gave/);
    expect(refused({ cursor: next.replace(/[^.]+$/, 'A'.repeat(22)) })).toBe('invalidCursor');
    expect(refused({ cursor: '', sortBy: 'title' })).toBe('invalidValue');
    // The last page has no nextCursor.
    const last = query({ cursor: next, count: '2' });
    expect(paging.respond(paging.plan('Users', 1, last), last, ['c'], [12], 3)).not.toHaveProperty('nextCursor');
  });

  it('should refuse a cursor older than CURSOR_TIMEOUT_SECONDS as expiredCursor', () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    try {
      const paging = newPaging();
      const first = query({ cursor: '', count: '1' });
      const next = (paging.respond(paging.plan('Users', 1, first), first, ['a', 'b'], [1, 2], 2) as { nextCursor: string })
        .nextCursor;
      jest.setSystemTime(new Date('2026-12-01T11:00:00Z'));
      expect(paging.plan('Users', 1, query({ cursor: next })).afterId).toBe(1);
      jest.setSystemTime(new Date('2026-12-01T11:00:01Z'));
      expect(() => paging.plan('Users', 1, query({ cursor: next }))).toThrow(
        expect.objectContaining({ status: 400, scimType: 'expiredCursor' }),
      );
    } finally {
      jest.useRealTimers();
    }
  });

  describe('bounds (issue 31)', () => {
    /** Serves page `page` (0-based) of `count` of a walk, ids 1.. in order, and returns the plan it made. */
    const queries = new Map<string, ReturnType<typeof query>>();
    const serve = (paging: ScimPaging, organizationId: number, page: number, count = 100, filter?: string) => {
      const params = { startIndex: String(page * count + 1), count: String(count), ...(filter ? { filter } : {}) };
      const text = JSON.stringify(params);
      const q = queries.get(text) ?? queries.set(text, query(params)).get(text)!;
      const plan = paging.plan('Users', organizationId, q);
      const ids = range(page * count + 1, count);
      paging.respond(plan, q, ids, ids, 10_000_000);
      return plan;
    };

    it('should keep at most WALKS_KEPT walks, and go on continuing the walks in use', () => {
      const paging = newPaging();
      let most = 0;
      for (let organizationId = 1; organizationId <= WALKS_KEPT + 5_000; organizationId++) {
        serve(paging, organizationId, 0);
        // Organization 1 goes on walking while the others each serve a page.
        if (organizationId % 1000 === 0) expect(at(serve(paging, 1, organizationId / 1000))).toMatchObject({ offset: 0 });
        most = Math.max(most, paging.kept.walks);
      }
      expect(most).toBe(WALKS_KEPT);
      expect(at(serve(paging, 1, 16))).toMatchObject({ offset: 0, afterId: 1600 });
      // A walk forgotten long ago skips from the start, as a walk spread over instances does.
      expect(at(serve(paging, 2, 1))).toMatchObject({ offset: 100, afterId: undefined });
    });

    it('should keep at most POSITIONS_KEPT positions across walks, dropping walks not continued first', () => {
      const paging = newPaging();
      let most = 0;
      // 18 walks of 5,000 pages (half a million users each, 100 a page), one page of each in turn,
      // while 40,000 one-page walks come and go: more positions than the bound, more walks too.
      let other = 100;
      for (let page = 0; page < 5_000; page++) {
        for (let organizationId = 1; organizationId <= 18; organizationId++) {
          const plan = serve(paging, organizationId, page);
          if (page > 0 && plan.afterId !== page * 100) throw new Error(`walk ${organizationId} forgotten at page ${page}`);
        }
        // A page reached by skipping: two positions (where it starts and ends).
        for (let n = 0; n < 8; n++) serve(paging, other++, 50);
        most = Math.max(most, paging.kept.positions);
      }
      expect(most).toBeLessThanOrEqual(POSITIONS_KEPT);
      // Measured once a round (34 positions): the bound is reached, not merely approached.
      expect(most).toBeGreaterThan(POSITIONS_KEPT - 100);
      expect(paging.kept.walks).toBeLessThanOrEqual(WALKS_KEPT);
    });

    it('should remember a walk with a long filter under a short key, and continue it', () => {
      const paging = newPaging();
      const filter = `userName ne "${'x'.repeat(3000)}"`;
      serve(paging, 1, 0, 100, filter);
      expect(at(serve(paging, 1, 1, 100, filter))).toMatchObject({ offset: 0, afterId: 100 });
      expect(at(serve(paging, 1, 1, 100, `userName ne "${'y'.repeat(3000)}"`))).toMatchObject({
        offset: 100,
        afterId: undefined,
      });
      const walks = (paging as unknown as { walks: Iterable<[string, unknown]> }).walks;
      expect(Math.max(...[...walks].map(([key]) => key.length))).toBeLessThanOrEqual(256);
    });
  });
});
