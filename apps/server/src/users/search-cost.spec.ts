import { lookupAttribute, parseFilter } from '@app/scim-protocol';
import { isCheapSearch, searchCost } from './search-cost';

const size = { users: 10_000, values: 20_000 };
const filter = (text: string) => parseFilter(text);
const path = (text: string) => {
  const found = lookupAttribute(text);
  if (found.kind !== 'attribute') throw new Error(text);
  return found.resolved.path;
};
const orTerms = (term: (i: number) => string, n: number) => filter(Array.from({ length: n }, (_, i) => term(i)).join(' or '));

describe('searchCost', () => {
  it('should count nothing for what an index narrows: eq on id, userName, externalId, emails.value, and ands with one', () => {
    for (const text of [
      'userName eq "a@b.c"',
      'externalId eq "x" or id eq "12"',
      'emails.value eq "a@b.c" and displayName co "x"',
      'emails[value eq "a@b.c"]',
    ]) {
      expect(isCheapSearch({ filter: filter(text), offset: 0 })).toBe(true);
      expect(searchCost({ filter: filter(text), offset: 0 }, size).rows).toBe(0);
    }
    expect(isCheapSearch({ offset: 9_999 })).toBe(true);
  });

  it('should charge every user once per singular comparison, and every stored value per multi-valued one', () => {
    expect(searchCost({ filter: filter('displayName co "x"'), offset: 0 }, size).rows).toBe(10_000);
    expect(searchCost({ filter: filter('displayName co "x" or title sw "y"'), offset: 0 }, size).rows).toBe(20_000);
    expect(searchCost({ filter: filter('emails co "x"'), offset: 0 }, size).rows).toBe(10_000 + 20_000);
    expect(searchCost({ filter: filter('not (addresses[country eq "DE"])'), offset: 0 }, size).rows).toBe(30_000);
    // An `or` is as costly as its costliest parts together, even with an indexed branch.
    expect(searchCost({ filter: filter('userName eq "a@b.c" or emails co "x"'), offset: 0 }, size).rows).toBe(10_000 + 20_000);
  });

  it('should grow with the organization and with the number of comparisons', () => {
    const costly = orTerms((i) => `emails co "zz${i}"`, 200);
    const small = searchCost({ filter: costly, offset: 0 }, { users: 100, values: 200 });
    const large = searchCost({ filter: costly, offset: 0 }, size);
    expect(small.rows).toBe(100 + 200 * 200);
    expect(large.rows).toBe(10_000 + 200 * 20_000);
    expect(large.parts.join(', ')).toBe('10,000 users, 200 comparisons on multi-valued attributes × 20,000 stored values');
  });

  it('should charge sorting, by a multi-valued attribute more, and a deep page in id order', () => {
    expect(searchCost({ sortBy: path('name.familyName'), offset: 0 }, size).rows).toBe(10_000);
    const byEmail = searchCost({ sortBy: path('emails.value'), offset: 0 }, size);
    expect(byEmail.rows).toBe(30_000);
    expect(byEmail.parts).toContain('sorting by a multi-valued attribute');
    // A deep page in id order skips index entries, an eighth of a row each, up to the organization's size.
    expect(searchCost({ offset: 50_000 }, size).rows).toBe(1_250);
    expect(searchCost({ offset: 999_000 }, { users: 1_000_000, values: 1_000_000 })).toEqual({
      rows: 124_875,
      parts: ['skipping 999,000 users to startIndex'],
    });
    expect(searchCost({ filter: filter('userName eq "a@b.c"'), offset: 20_000 }, size).rows).toBe(1_250);
  });
});
