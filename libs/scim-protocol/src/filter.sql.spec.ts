import Database from 'better-sqlite3';
import { parseFilter } from './filter.parser';
import { evaluateFilter } from './filter.evaluate';
import { filterToSql, sortToSql, escapeLike, SqlMapping } from './filter.sql';
import { ENTERPRISE_USER_SCHEMA } from './user.schema';
import { parseListQuery } from './list-query';
import { FIXTURE_USERS, USER_SQL_MAPPING, createDatabase, fixtureResource } from './testing/users.sqlite';

const ENT = ENTERPRISE_USER_SCHEMA;
const ORG1 = FIXTURE_USERS.filter((f) => f.organizationId === 1);
const ALL = ORG1.map((f) => f.id);

let db: Database.Database;
beforeAll(() => {
  db = createDatabase(FIXTURE_USERS);
});
afterAll(() => db.close());

function sqlIds(filter: string, mapping: SqlMapping = USER_SQL_MAPPING): number[] {
  const { sql, params } = filterToSql(parseFilter(filter), mapping);
  return db
    .prepare(`SELECT u.id FROM users u WHERE u.organization_id = ? AND ${sql} ORDER BY u.id`)
    .pluck()
    .all(1, ...params) as number[];
}

function memoryIds(filter: string): number[] {
  const node = parseFilter(filter);
  return ORG1.filter((f) => evaluateFilter(node, fixtureResource(f))).map((f) => f.id);
}

// [filter, ids in organization 1 it must return]
const cases: Array<[string, number[]]> = [
  // eq and case-insensitivity of names, operators and values
  ['userName eq "bjensen@example.com"', [1]],
  ['USERNAME EQ "BJENSEN@example.com"', [1]],
  ['userName eq "jsmith@example.com"', [2]],
  ['userName eq "a+b@x.com"', [5]],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "nobody@example.com"', [4]],
  ['userName eq "nobody"', []],
  // case-exact attributes
  ['externalId eq "EXT-bjensen"', [1]],
  ['externalId eq "ext-bjensen"', []],
  ['externalId eq "ext-jsmith"', [2]],
  ['externalId co "EXT"', [1, 5]],
  ['externalId sw "ext"', [2]],
  ['externalId ew "AB"', [5]],
  ['externalId ew "ab"', []],
  // co sw ew and LIKE escaping
  ['userName co "example"', [1, 2, 3, 4, 6]],
  ['userName sw "J"', [2]],
  ['userName ew ".COM"', [1, 2, 3, 4, 5, 6]],
  ['userName co "%"', [3]],
  ['userName co "_"', [3]],
  ['userName sw "percent_"', []],
  ['userName sw "percent%"', [3]],
  ['userName co "%under_"', [3]],
  ['userName co "t%u"', [3]],
  ['userName co "!"', []],
  ['name.familyName co "!"', [3]],
  ['name.familyName sw "o!b"', [3]],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division co "h_L"', [6]],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division co "h%L"', []],
  ['userName co ""', ALL],
  // NULL and '' semantics: ne and not match users without the attribute
  ['title eq "tour guide"', [1, 5]],
  ['title ne "tour guide"', [2, 3, 4, 6]],
  ['title pr', [1, 2, 5, 6]],
  ['not (title pr)', [3, 4]],
  ['title eq null', [3, 4]],
  ['title ne null', [1, 2, 5, 6]],
  ['nickName ne "x"', ALL],
  ['nickName eq "x"', []],
  ['title co ""', [1, 2, 5, 6]],
  // ordering on strings (case-insensitive)
  ['title gt "m"', [1, 2, 5]],
  ['title lt "f"', [6]],
  ['title le "MANAGER"', [2, 6]],
  ['title ge "tour guide"', [1, 5]],
  // booleans
  ['active eq true', [1, 2, 4, 5]],
  ['active eq false', [3, 6]],
  ['active ne true', [3, 6]],
  ['active eq "True"', [1, 2, 4, 5]],
  ['active EQ FALSE', [3, 6]],
  ['active pr', ALL],
  // userType is an expression (the role name)
  ['userType eq "admin"', [1]],
  ['userType eq "employee"', [2, 4, 6]],
  ['userType sw "IT"', [5]],
  // multi-valued attributes and value paths
  ['emails eq "babs@jensen.org"', [1]],
  ['emails.value eq "P@OTHER.ORG"', [3]],
  ['emails co "example.com"', [1, 2, 3]],
  ['emails[type eq "work" and value co "example.com"]', [1, 2, 3]],
  ['emails[type eq "work" and value co "jensen.org"]', []],
  ['emails[type eq "work"].value eq "babs@jensen.org"', []],
  ['emails[type eq "home"].value eq "babs@jensen.org"', [1]],
  ['emails[type eq "work"]', [1, 2, 3, 5]],
  ['emails[primary eq true]', [1, 2, 3]],
  ['emails[not (primary eq true)]', [1, 3, 5]],
  ['emails[type ne "work"]', [1, 3]],
  ['emails.primary ne true', [4, 5, 6]],
  ['emails.value ne "bjensen@example.com"', [2, 3, 4, 5, 6]],
  ['emails pr', [1, 2, 3, 5]],
  ['not (emails pr)', [4, 6]],
  ['emails.type pr', [1, 2, 3, 5]],
  ['phoneNumbers[type eq "mobile"]', [3]],
  ['addresses[locality eq "hollywood"]', [1]],
  ['addresses.country eq "FR"', [6]],
  ['addresses[type eq "work"].postalCode sw "916"', [1]],
  ['addresses[type eq "work"].postalCode sw "750"', []],
  ['x509Certificates eq "MIIBase64AbC=="', [5]],
  ['x509Certificates.value eq "miibase64abc=="', []],
  ['roles[primary eq true and value eq "sales"]', [5]],
  ['ims pr', [6]],
  ['photos.value ew ".JPG"', [6]],
  ['entitlements eq "VPN"', [6]],
  // complex single-valued attributes
  ['name.givenName eq "barbara"', [1]],
  ['name.GIVENNAME sw "J"', [2]],
  ['name.givenName eq "zoë"', [6]],
  ['name pr', [1, 2, 3, 6]],
  ['name[givenName eq "Pat"]', [3]],
  // enterprise extension
  [`${ENT}:department eq "tour operations"`, [1, 2]],
  ['department eq "R&D"', [6]],
  [`${ENT.toUpperCase()}:DEPARTMENT eq "R&D"`, [6]],
  [`${ENT}:manager.value eq "2"`, [1]],
  [`${ENT}:manager pr`, [1, 5]],
  [`${ENT}:employeeNumber eq 12345`, [2]],
  // dates: ISO in, UTC text compared
  ['meta.created gt "2024-01-10T08:00:00Z"', [3, 5, 6]],
  ['meta.created ge "2024-01-10T08:00:00Z"', [1, 3, 5, 6]],
  ['meta.created lt "2024-01-01"', [4]],
  ['meta.created eq "2023-12-31T23:59:59.999Z"', [4]],
  ['meta.created eq "2024-01-01T00:59:59.999+01:00"', [4]],
  ['meta.lastModified ge "2024-05-06T00:00:00.000Z"', [5, 6]],
  ['meta.created pr', ALL],
  // constants and attributes without storage
  ['meta.resourceType eq "User"', ALL],
  ['meta.resourceType eq "Group"', []],
  ['meta.version pr', []],
  ['groups pr', []],
  ['not (groups pr)', ALL],
  ['groups.value eq "x"', []],
  ['password eq "x"', []],
  ['password ne "x"', ALL],
  // ids are numeric; anything else matches nothing
  ['id eq "3"', [3]],
  ['id eq "abc"', []],
  ['id ne "abc"', ALL],
  ['id gt "4"', [5, 6]],
  ['id le "2"', [1, 2]],
  ['id eq "010101001010101011001010101011"', []],
  ['id sw "1"', [1]],
  ['id pr', ALL],
  // and / or / not / grouping and precedence
  ['active eq false or title eq "Manager" and userType eq "Admin"', [3, 6]],
  ['(active eq false or title eq "Manager") and userType eq "Admin"', []],
  ['(active eq false or title eq "Manager") and userType eq "Employee"', [2, 6]],
  ['title eq "Manager" or title eq "Engineer" and active eq false', [2, 6]],
  ['not (userName eq "bjensen@example.com") and not (emails pr)', [4, 6]],
  ['not (not (active eq true))', [1, 2, 4, 5]],
  ['not (title eq "tour guide" or active eq false)', [2, 4]],
  ['userName sw "b" OR userName sw "j" AND active Eq true', [1, 2]],
];

/** The app's form: side-table rows scoped to the organization by a parameter, not a correlation. */
const SCOPED: SqlMapping = {
  ...USER_SQL_MAPPING,
  multiValued: { ...USER_SQL_MAPPING.multiValued!, correlation: { user_id: 'u.id' }, scope: { organization_id: 1 } },
};

describe('filterToSql on SQLite', () => {
  it.each(cases)('%s', (filter, expected) => {
    expect(sqlIds(filter)).toEqual(expected);
    expect(sqlIds(filter, SCOPED)).toEqual(expected);
    // The in-memory evaluator implements the same semantics; PATCH relies on it.
    expect(memoryIds(filter)).toEqual(expected);
  });

  it('should select on a multi-valued attribute with an uncorrelated IN on the side table, scope first', () => {
    const { sql, params } = filterToSql(parseFilter('emails[type eq "work"].value eq "A@b.c"'), SCOPED);
    expect(sql).toMatch(
      /^u\.id IN \(SELECT v1\.user_id FROM user_attribute_values v1 WHERE v1\.organization_id = \? AND v1\.attribute = \? AND /,
    );
    expect(sql).not.toContain('u.organization_id');
    expect(params.slice(0, 2)).toEqual([1, 'emails']);
    expect(params).toContain('a@b.c');
  });

  it('should fall back to a correlated EXISTS when no side-table column holds the id', () => {
    const mapping: SqlMapping = {
      ...USER_SQL_MAPPING,
      multiValued: { ...USER_SQL_MAPPING.multiValued!, correlation: { user_id: 'u.id + 0' } },
    };
    const { sql } = filterToSql(parseFilter('emails pr'), mapping);
    expect(sql).toBe('EXISTS (SELECT 1 FROM user_attribute_values v1 WHERE v1.user_id = u.id + 0 AND v1.attribute = ?)');
    expect(sqlIds('emails pr', mapping)).toEqual([1, 2, 3, 5]);
  });

  it('should leave organization scoping to the caller', () => {
    const { sql, params } = filterToSql(parseFilter('userName eq "bjensen@example.com"'), USER_SQL_MAPPING);
    const ids = db
      .prepare(`SELECT u.id FROM users u WHERE ${sql} ORDER BY u.id`)
      .pluck()
      .all(...params);
    expect(ids).toEqual([1, 7]);
  });

  it('should pass every value as a parameter', () => {
    const evil = `x' OR '1'='1"); DROP TABLE users; --`;
    const { sql, params } = filterToSql(
      parseFilter(
        `userName eq ${JSON.stringify(evil)} or title co ${JSON.stringify(evil)} or emails[type eq ${JSON.stringify(evil)}]`,
      ),
      USER_SQL_MAPPING,
    );
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain("'1'='1");
    expect(params).toEqual(expect.arrayContaining([evil.toLowerCase()]));
    expect(sqlIds(`userName eq ${JSON.stringify(evil)}`)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM users').pluck().get()).toBe(FIXTURE_USERS.length);
  });

  it('should compare userName through the lower-cased indexed column', () => {
    const { sql, params } = filterToSql(parseFilter('userName eq "BJensen@Example.com"'), USER_SQL_MAPPING);
    expect(sql).toContain('u.user_name_lower = ?');
    expect(params).toEqual(['bjensen@example.com']);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT u.id FROM users u WHERE u.organization_id = ? AND ${sql}`)
      .all(1, ...params) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toContain('users_org_user_name_lower');
  });

  it('should compare emails.value through the lower-cased indexed column', () => {
    const { sql, params } = filterToSql(parseFilter('emails.value eq "BJensen@Example.com"'), USER_SQL_MAPPING);
    expect(sql).toContain('v1.value_lower = ?');
    expect(params).toEqual(['emails', 'bjensen@example.com']);
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT u.id FROM users u WHERE u.organization_id = ? AND ${sql}`)
      .all(1, ...params) as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/uav_org_attribute_value_lower|uav_user/);
  });

  it('should compare externalId directly, without LOWER', () => {
    const { sql } = filterToSql(parseFilter('externalId eq "X"'), USER_SQL_MAPPING);
    expect(sql).toContain('u.external_id = ?');
    expect(sql).not.toContain('LOWER');
  });

  it('should compare LOWER(column) with a lower-cased value for case-insensitive columns without a lower-cased copy', () => {
    const { sql, params } = filterToSql(parseFilter('title co "Guide"'), USER_SQL_MAPPING);
    expect(sql).toContain("LOWER(u.title) LIKE ? ESCAPE '!'");
    expect(params).toEqual(['%guide%']);
  });

  it('should use fresh aliases for each multi-valued condition', () => {
    const { sql } = filterToSql(
      parseFilter('emails pr and phoneNumbers[type eq "work"] and emails.value co "x"'),
      USER_SQL_MAPPING,
    );
    expect(sql).toContain(' v1 ');
    expect(sql).toContain(' v2 ');
    expect(sql).toContain(' v3 ');
  });

  it('should treat a multi-valued attribute the mapping does not store as absent', () => {
    const mapping: SqlMapping = {
      ...USER_SQL_MAPPING,
      multiValued: { ...USER_SQL_MAPPING.multiValued!, attributes: { emails: 'emails' } },
    };
    expect(sqlIds('phoneNumbers pr', mapping)).toEqual([]);
    expect(sqlIds('not (phoneNumbers pr)', mapping)).toEqual(ALL);
    expect(sqlIds('emails pr', mapping)).toEqual([1, 2, 3, 5]);
  });
});

describe('escapeLike', () => {
  it('should escape the escape character and both wildcards', () => {
    expect(escapeLike('a!b%c_d')).toBe('a!!b!%c!_d');
  });
});

describe('sortToSql on SQLite', () => {
  function sorted(sortBy: string | undefined, sortOrder?: string): number[] {
    const q = parseListQuery({ ...(sortBy ? { sortBy } : {}), ...(sortOrder ? { sortOrder } : {}) });
    const { sql, params } = sortToSql(q.sortBy, q.sortOrder, USER_SQL_MAPPING);
    return db
      .prepare(`SELECT u.id FROM users u WHERE u.organization_id = 1 ORDER BY ${sql}`)
      .pluck()
      .all(...params) as number[];
  }

  it('should order by id without sortBy', () => {
    expect(sorted(undefined)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('should sort userName case-insensitively', () => {
    expect(sorted('userName')).toEqual([5, 1, 2, 4, 3, 6]);
    expect(sorted('USERNAME', 'Descending')).toEqual([6, 3, 4, 2, 1, 5]);
  });
  it('should put users without a value last ascending and first descending, ties by id', () => {
    expect(sorted('title')).toEqual([6, 2, 1, 5, 3, 4]);
    expect(sorted('title', 'descending')).toEqual([3, 4, 1, 5, 2, 6]);
  });
  it('should sort a multi-valued attribute by its primary value, else its first', () => {
    expect(sorted('emails')).toEqual([5, 1, 2, 3, 4, 6]);
    expect(sorted('emails.value', 'descending')).toEqual([4, 6, 3, 2, 1, 5]);
  });
  it('should sort dates, booleans and enterprise attributes', () => {
    expect(sorted('meta.created', 'descending')).toEqual([6, 5, 3, 1, 2, 4]);
    expect(sorted('active')).toEqual([3, 6, 1, 2, 4, 5]);
    expect(sorted(`${ENT}:department`)).toEqual([6, 1, 2, 3, 4, 5]);
  });
  it('should order by id for attributes without storage', () => {
    expect(sorted('groups')).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
