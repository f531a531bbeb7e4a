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
  it('should count nothing for what one index lookup narrows: eq on id, userName, externalId, emails.value, and ands with one', () => {
    for (const text of [
      'userName eq "a@b.c"',
      'id eq "12"',
      'emails.value eq "a@b.c" and displayName co "x"',
      'userName eq "a@b.c" and (title co "x" or title co "y")',
      'emails[value eq "a@b.c"]',
      'emails[value eq "a@b.c" and type eq "work"]',
      'userName eq "a@b.c" and emails[value eq "a@b.c"]',
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

  it('should price an `or` of indexed lookups as a read of every user, one comparison per term', () => {
    // SQLite walks the users in id order and tests each term on each (116 terms: 180 ms at 20,000 users).
    expect(isCheapSearch({ filter: filter('externalId eq "x" or id eq "12"'), offset: 0 })).toBe(false);
    expect(searchCost({ filter: filter('externalId eq "x" or id eq "12"'), offset: 0 }, size).rows).toBe(20_000);
    const many = orTerms((i) => `userName eq "u${i}@b.c"`, 116);
    expect(isCheapSearch({ filter: many, offset: 0 })).toBe(false);
    expect(searchCost({ filter: many, offset: 0 }, size)).toEqual({ rows: 1_160_000, parts: ['10,000 users × 116 comparisons'] });
    // Lookups by emails.value or-ed: each an index lookup, and a read of every user to test them.
    expect(searchCost({ filter: filter('emails.value eq "a@b.c" or emails.value eq "d@e.f"'), offset: 0 }, size).rows).toBe(
      10_000,
    );
  });

  it('should price each term inside a value path over every stored value', () => {
    const inside = (n: number) => filter(`emails[${Array.from({ length: n }, (_, i) => `value co "a${i}"`).join(' or ')}]`);
    expect(searchCost({ filter: inside(3), offset: 0 }, size).rows).toBe(10_000 + 3 * 20_000);
    expect(searchCost({ filter: inside(190), offset: 0 }, size).parts).toEqual([
      '10,000 users',
      '190 comparisons on multi-valued attributes × 20,000 stored values',
    ]);
    expect(searchCost({ filter: filter('emails[type eq "work" and value co "x"]'), offset: 0 }, size).rows).toBe(50_000);
    // An `or` inside the brackets is no index lookup: every element is compared with each term.
    expect(searchCost({ filter: filter('emails[value eq "a@b.c" or value eq "d@e.f"]'), offset: 0 }, size).rows).toBe(50_000);
  });

  it('should price a comparison on a multi-valued attribute even where an index narrows the users', () => {
    // The subquery's list is built whole, once, whatever the index found.
    for (const [text, rows] of [
      ['userName eq "a@b.c" and emails co "x"', 20_000],
      ['emails.value eq "a@b.c" and emails co "x"', 20_000],
      ['userName eq "a@b.c" and emails[value co "x" or value co "y"]', 40_000],
    ] as const) {
      expect(isCheapSearch({ filter: filter(text), offset: 0 })).toBe(false);
      expect(searchCost({ filter: filter(text), offset: 0 }, size).rows).toBe(rows);
    }
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
