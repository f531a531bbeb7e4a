import { parseListQuery } from './list-query';
import { ScimError } from './scim-error';
import { CORE_USER_SCHEMA as CORE, ENTERPRISE_USER_SCHEMA as ENT } from './user.schema';

function queryError(query: Record<string, unknown>): ScimError {
  try {
    parseListQuery(query);
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    return e as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parseListQuery', () => {
  it('should apply the defaults', () => {
    expect(parseListQuery({})).toEqual({
      startIndex: 1,
      count: 100,
      sortOrder: 'ascending',
      attributes: [],
      excludedAttributes: [],
    });
  });

  it.each<[string, number]>([
    ['1', 1],
    ['3', 3],
    ['0', 1],
    ['-5', 1],
    [' 7 ', 7],
    ['99999999999999999999999', 2 ** 31 - 1],
  ])('should read startIndex %j as %d', (startIndex, expected) => {
    expect(parseListQuery({ startIndex }).startIndex).toBe(expected);
  });

  it.each<[string, number]>([
    ['10', 10],
    ['0', 0],
    ['200', 200],
    ['201', 200],
    ['100000', 200],
    ['-1', 0],
  ])('should read count %j as %d', (count, expected) => {
    expect(parseListQuery({ count }).count).toBe(expected);
  });

  it('should honour maxResults and defaultCount options', () => {
    expect(parseListQuery({ count: '80' }, { maxResults: 50 }).count).toBe(50);
    expect(parseListQuery({}, { defaultCount: 20 }).count).toBe(20);
  });

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ startIndex: 'abc' }, 'invalidValue', /startIndex must be an integer, not "abc"/],
    [{ startIndex: '1.5' }, 'invalidValue', /startIndex must be an integer/],
    [{ startIndex: '' }, 'invalidValue', /startIndex must be an integer/],
    [{ count: 'ten' }, 'invalidValue', /count must be an integer/],
    [{ count: ['1', '2'] }, 'invalidValue', /count is given more than once/],
    [{ sortOrder: 'up' }, 'invalidValue', /sortOrder must be "ascending" or "descending"/],
    [{ sortBy: 'nosuch' }, 'invalidValue', /sortBy "nosuch" is not an attribute/],
    [{ sortBy: 'name' }, 'invalidValue', /sortBy "name" is complex; sort by one of its sub-attributes, e.g. name.formatted/],
    [{ sortBy: 'password' }, 'invalidValue', /cannot be sorted by password/],
    [{ filter: 'userName eq' }, 'invalidFilter', /Expected a value/],
    [{ filter: '' }, 'invalidFilter', /empty/],
  ])('should refuse %j', (query, scimType, detail) => {
    const e = queryError(query);
    expect(e.status).toBe(400);
    expect(e.scimType).toBe(scimType);
    expect(e.detail).toMatch(detail);
  });

  it('should read sortBy and sortOrder case-insensitively', () => {
    expect(parseListQuery({ sortBy: 'USERNAME', sortOrder: 'DESCENDING' })).toMatchObject({
      sortBy: { schema: CORE, attribute: 'userName' },
      sortOrder: 'descending',
    });
    expect(parseListQuery({ sortBy: 'emails' }).sortBy).toEqual({ schema: CORE, attribute: 'emails', subAttribute: 'value' });
    expect(parseListQuery({ sortBy: `${ENT}:department` }).sortBy).toEqual({ schema: ENT, attribute: 'department' });
    expect(parseListQuery({ sortBy: 'meta.created' }).sortBy).toEqual({
      schema: CORE,
      attribute: 'meta',
      subAttribute: 'created',
    });
  });

  it('should read parameter names case-insensitively', () => {
    expect(parseListQuery({ STARTINDEX: '5', Count: '2' })).toMatchObject({ startIndex: 5, count: 2 });
  });

  it('should parse the filter', () => {
    expect(parseListQuery({ filter: 'userName eq "a+b@x.com"' }).filter).toEqual({
      op: 'eq',
      path: { schema: CORE, attribute: 'userName' },
      value: 'a+b@x.com',
    });
  });

  it('should split attributes and excludedAttributes on commas', () => {
    expect(parseListQuery({ attributes: 'userName, name.givenName,,emails', excludedAttributes: ' groups ' })).toMatchObject({
      attributes: ['userName', 'name.givenName', 'emails'],
      excludedAttributes: ['groups'],
    });
  });
});
