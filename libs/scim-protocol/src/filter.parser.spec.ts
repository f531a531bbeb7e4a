import { parseFilter, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS } from './filter.parser';
import { filterToString, FilterNode } from './filter.ast';
import { ScimError } from './scim-error';
import { CORE_USER_SCHEMA as CORE, ENTERPRISE_USER_SCHEMA as ENT } from './user.schema';

const p = (attribute: string, subAttribute?: string, schema = CORE) =>
  subAttribute === undefined ? { schema, attribute } : { schema, attribute, subAttribute };

function filterError(text: string): ScimError {
  try {
    parseFilter(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error(`parseFilter(${JSON.stringify(text)}) did not throw`);
}

describe('parseFilter', () => {
  it('should parse a comparison into a canonical path and typed value', () => {
    expect(parseFilter('userName eq "bjensen@example.com"')).toEqual({
      op: 'eq',
      path: p('userName'),
      value: 'bjensen@example.com',
    });
  });

  it.each([
    ['USERNAME Eq "x"', p('userName')],
    ['username EQ "x"', p('userName')],
    ['name.GivenName eq "x"', p('name', 'givenName')],
    ['NAME.givenname eq "x"', p('name', 'givenName')],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', p('userName')],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.familyName eq "x"', p('name', 'familyName')],
    [`${ENT}:department eq "x"`, p('department', undefined, ENT)],
    [`${ENT}:manager.value eq "x"`, p('manager', 'value', ENT)],
    ['Department eq "x"', p('department', undefined, ENT)],
    ['emails eq "x"', p('emails', 'value')],
    ['emails.TYPE eq "x"', p('emails', 'type')],
    ['meta.lastmodified eq "2024-01-01"', p('meta', 'lastModified')],
  ])('should canonicalise the attribute of %s', (text, path) => {
    expect((parseFilter(text) as { path: unknown }).path).toEqual(path);
  });

  it('should read every comparison operator and pr', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']) {
      expect(parseFilter(`title ${op.toUpperCase()} "x"`)).toEqual({ op, path: p('title'), value: 'x' });
    }
    expect(parseFilter('title PR')).toEqual({ op: 'pr', path: p('title') });
  });

  it('should read true, false and null case-insensitively', () => {
    expect(parseFilter('active eq TRUE')).toMatchObject({ value: true });
    expect(parseFilter('active eq False')).toMatchObject({ value: false });
    expect(parseFilter('title eq NULL')).toMatchObject({ value: null });
    expect(parseFilter('active eq "true"')).toMatchObject({ value: true });
  });

  it('should decode JSON escapes in strings and keep + literally', () => {
    expect(parseFilter('userName eq "a+b@x.com"')).toMatchObject({ value: 'a+b@x.com' });
    expect(parseFilter('title eq "say \\"hi\\""')).toMatchObject({ value: 'say "hi"' });
    expect(parseFilter('title eq "back\\\\slash"')).toMatchObject({ value: 'back\\slash' });
    expect(parseFilter('title eq "\\u0041\\u00e9"')).toMatchObject({ value: 'Aé' });
    expect(parseFilter('title eq "Zoë 😀"')).toMatchObject({ value: 'Zoë 😀' });
  });

  it('should refuse control characters in strings, escaped or not (a NUL ends a LIKE pattern on SQLite)', () => {
    for (const text of ['"a\\u0000"', '"\\n"', '"\\t"', '"x\\u001f"', '"\\u007f"', '"a\u0001b"']) {
      expect(() => parseFilter(`title eq ${text}`)).toThrow(/control character|not a valid JSON string/);
    }
    expect(() => parseFilter('title eq "\\u0000"')).toThrow('contains a control character (U+0000)');
  });

  it('should refuse a lone surrogate written as an escape, and take an escaped pair', () => {
    for (const text of ['"\\ud800"', '"a\\udc00"', '"\\udbffx"', '"\\ude80\\ud83d"']) {
      expect(() => parseFilter(`title eq ${text}`)).toThrow(/holds a lone UTF-16 surrogate \(U\+D[89A-F][0-9A-F]{2}\)/);
    }
    expect(parseFilter('title eq "\\ud83d\\ude80"')).toMatchObject({ value: '🚀' });
  });

  it('should keep numbers as written for string attributes', () => {
    expect(parseFilter(`${ENT}:employeeNumber eq 123`)).toMatchObject({ value: '123' });
    expect(parseFilter(`${ENT}:costCenter eq 1.50`)).toMatchObject({ value: '1.50' });
    expect(parseFilter(`${ENT}:costCenter eq -2e3`)).toMatchObject({ value: '-2e3' });
  });

  it('should turn date-times into UTC ISO strings', () => {
    expect(parseFilter('meta.created gt "2024-05-01T10:00:00+02:00"')).toMatchObject({ value: '2024-05-01T08:00:00.000Z' });
    expect(parseFilter('meta.created gt "2024-05-01"')).toMatchObject({ value: '2024-05-01T00:00:00.000Z' });
  });

  it('should bind and tighter than or', () => {
    expect(parseFilter('title pr or nickName pr and active eq true')).toEqual({
      op: 'or',
      filters: [
        { op: 'pr', path: p('title') },
        {
          op: 'and',
          filters: [
            { op: 'pr', path: p('nickName') },
            { op: 'eq', path: p('active'), value: true },
          ],
        },
      ],
    });
    expect(parseFilter('(title pr or nickName pr) and active eq true')).toEqual({
      op: 'and',
      filters: [
        {
          op: 'or',
          filters: [
            { op: 'pr', path: p('title') },
            { op: 'pr', path: p('nickName') },
          ],
        },
        { op: 'eq', path: p('active'), value: true },
      ],
    });
  });

  it('should read not ( ... )', () => {
    expect(parseFilter('NOT (title pr)')).toEqual({ op: 'not', filter: { op: 'pr', path: p('title') } });
    expect(parseFilter('not(title pr)and active eq true')).toEqual({
      op: 'and',
      filters: [
        { op: 'not', filter: { op: 'pr', path: p('title') } },
        { op: 'eq', path: p('active'), value: true },
      ],
    });
  });

  it('should read value paths with sub-attribute paths inside', () => {
    expect(parseFilter('emails[type eq "work" and value co "@x.com"]')).toEqual({
      op: '[]',
      path: p('emails'),
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', path: p('emails', 'type'), value: 'work' },
          { op: 'co', path: p('emails', 'value'), value: '@x.com' },
        ],
      },
    });
  });

  it('should read the Entra form emails[...].value eq as a condition on the same element', () => {
    expect(parseFilter('emails[type eq "work"].value eq "a@b.c"')).toEqual({
      op: '[]',
      path: p('emails'),
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', path: p('emails', 'type'), value: 'work' },
          { op: 'eq', path: p('emails', 'value'), value: 'a@b.c' },
        ],
      },
    });
  });

  it('should print filters back to text that parses to the same tree', () => {
    for (const text of [
      'userName eq "a\\"b"',
      'title pr or (nickName pr and active eq true)',
      'not (emails[type eq "work" and not (primary eq true)])',
      `${ENT}:manager.value eq "7" and meta.created ge "2024-01-01T00:00:00.000Z"`,
    ]) {
      const node = parseFilter(text);
      expect(parseFilter(filterToString(node))).toEqual(node);
    }
  });
});

describe('parseFilter errors', () => {
  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['userName eq', /Expected a value .* after 'eq' but found the end of the filter/],
    ['userName eq "x', /position 13 has no closing double quote/],
    ['(userName eq "x"', /'\(' at position 1 is never closed/],
    ['userName eq "x")', /no '\(' for it to close/],
    ['userName eq "x" foo', /Unexpected 'foo' at position 17 after a complete expression/],
    ['userName eq "x" and', /Expected an attribute name/],
    ['userName xx "x"', /Expected an operator .* after 'userName'/],
    ['userName', /Expected an operator/],
    ['fooBar eq "x"', /Unknown attribute at position 1: 'fooBar'/],
    ['userName eq "x" and fooBar eq "y"', /position 21: 'fooBar'/],
    ['name.foo eq "x"', /'name' has no sub-attribute 'foo'/],
    ['userName.foo eq "x"', /'userName' has no sub-attributes/],
    ['urn:example:custom:2.0:User:foo eq "x"', /'urn:example:custom:2.0:User' .* not a schema/],
    [`${ENT} eq "x"`, /is a schema, not an attribute/],
    ['active co "t"', /'active' is a boolean, so it can only be compared with eq or ne, not co/],
    ['active gt true', /boolean.* not gt/],
    ['active eq "maybe"', /compare it with true or false/],
    ['userName eq true', /'userName' is a string; put the value in double quotes/],
    ['userName eq bjensen', /Put string values in double quotes/],
    ["userName eq 'x'", /Strings are written in double quotes/],
    ['meta.created gt "yesterday"', /ISO 8601/],
    ['meta.created gt "2024-02-30"', /ISO 8601/],
    ['meta.created co "2024"', /date-time; use eq, ne, gt, ge, lt or le, not co/],
    ['name eq "x"', /'name' at position 1 is complex; compare one of its sub-attributes, e.g. name.formatted/],
    ['userName gt null', /null can only be compared with eq or ne/],
    ['emails[type eq "work"', /'\[' at position 7 is never closed/],
    ['emails[type eq "work" and emails[value eq "x"]]', /cannot be nested/],
    ['emails[foo eq "x"]', /'emails' has no sub-attribute 'foo'/],
    ['userName[type eq "x"]', /not a complex attribute/],
    ['emails[type eq "work"].', /sub-attribute name after '\]\.'/],
    ['not title pr', /'not' at position 1 must be followed by a filter in parentheses/],
    ['title eq "\\x"', /not a valid JSON string/],
    ['title eq 12abc', /number must be followed/],
    ['title eq "a" & title pr', /Unexpected character '&' at position 14/],
    ['x509Certificates.value co "a"', /binary, so it can only be compared with eq or ne/],
    ['()', /Expected an attribute name/],
    ['emails[]', /Expected an attribute name/],
  ])('%s', (text, detail) => {
    const error = filterError(text);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toMatch(detail);
    expect(error.toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: error.detail,
    });
  });

  it('should refuse a filter longer than the limit', () => {
    const text = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`;
    expect(filterError(text).detail).toMatch(/characters long; the limit is 4096/);
  });

  it('should refuse nesting deeper than the limit, and accept it at the limit', () => {
    const nested = (n: number) => `${'('.repeat(n)}title pr${')'.repeat(n)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ op: 'pr', path: p('title') });
    expect(filterError(nested(MAX_FILTER_DEPTH + 1)).detail).toMatch(/nested more than 50 levels/);
    expect(filterError(`${'not ('.repeat(1000)}title pr${')'.repeat(1000)}`).scimType).toBe('invalidFilter');
  });

  it('should refuse more comparisons than the limit', () => {
    const many = (n: number) => Array.from({ length: n }, () => 'title pr').join(' or ');
    expect((parseFilter(many(MAX_FILTER_TERMS)) as { filters: FilterNode[] }).filters).toHaveLength(MAX_FILTER_TERMS);
    expect(filterError(many(MAX_FILTER_TERMS + 1)).detail).toMatch(/more than 200 comparisons/);
  });

  it('should refuse non-string input with a ScimError', () => {
    expect(filterError(undefined as unknown as string).scimType).toBe('invalidFilter');
  });
});
