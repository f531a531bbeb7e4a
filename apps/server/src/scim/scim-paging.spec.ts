import { parseListQuery, ScimError } from '@app/scim-protocol';
import { Clock } from '../common/clock';
import { CursorKey } from '../cursors/cursor-key';
import type { ServerSecretsRepository } from '../cursors/server-secrets.repository';
import { ScimPaging } from './scim-paging';

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
});
