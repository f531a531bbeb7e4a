import { countQueries, insertUser } from './support/fixtures';
import {
  CORE_USER,
  ENTERPRISE_USER,
  expectScimError,
  filterQuery,
  LIST_RESPONSE,
  scimOrganization,
  ScimOrganization,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

type User = Record<string, any>;

interface Person {
  userName: string;
  given?: string;
  family?: string;
  title?: string;
  department?: string;
  userType?: string;
  active?: boolean;
  homeEmail?: string;
  mobile?: string;
  city?: string;
  externalId?: string;
}

const PEOPLE: Person[] = [
  { userName: 'alice@alpha.test', given: 'Alice', family: 'Anders', title: 'Engineer', department: 'R&D', externalId: 'ext-A' },
  {
    userName: 'bob@alpha.test',
    given: 'Bob',
    family: 'Brown',
    title: 'Senior Engineer',
    department: 'R&D',
    mobile: '+1 555 0100',
  },
  { userName: 'carol@beta.test', given: 'Carol', family: 'clarke', title: 'Buyer', userType: 'Procurement', city: 'Paris' },
  { userName: 'dave@beta.test', given: 'Dave', family: 'Dunn', active: false, homeEmail: 'dave@home.test', externalId: 'ext-d' },
  { userName: 'Eve@Gamma.test', given: 'Eve', family: 'Evans', title: 'engineering manager', department: 'R&D', city: 'paris' },
  { userName: 'frank@gamma.test', given: 'Frank', title: 'Auditor', userType: 'Read-only', active: false, mobile: '+33 1 00' },
  { userName: 'grace_100%@delta.test', family: 'Hopper', title: '50%_off', department: 'Navy', homeEmail: 'grace@home.test' },
  { userName: 'heidi@delta.test', given: 'Heidi', family: 'Anders', department: 'Sales', userType: 'IT Admin', city: 'Berlin' },
];

function body(p: Person): User {
  const user: User = { schemas: [CORE_USER, ENTERPRISE_USER], userName: p.userName, active: p.active ?? true };
  if (p.given || p.family) user.name = { givenName: p.given, familyName: p.family };
  if (p.title) user.title = p.title;
  if (p.userType) user.userType = p.userType;
  if (p.externalId) user.externalId = p.externalId;
  user.emails = [{ value: p.userName.toLowerCase(), type: 'work', primary: true }];
  if (p.homeEmail) user.emails.push({ value: p.homeEmail, type: 'home' });
  if (p.mobile) user.phoneNumbers = [{ value: p.mobile, type: 'mobile' }];
  if (p.city) user.addresses = [{ locality: p.city, type: 'work', country: 'XX' }];
  if (p.department) user[ENTERPRISE_USER] = { department: p.department };
  return user;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
const emails = (u: User): User[] => u.emails ?? [];

describe('SCIM: listing, filtering, sorting, paging and projection', () => {
  let t: TestApp;
  let o: ScimOrganization;
  /** Every user of the organization as GET /Users renders them (the Admin included). */
  let all: User[];
  const createdAt: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
    for (const [i, p] of PEOPLE.entries()) {
      t.clock.set(`2026-03-${String(i + 1).padStart(2, '0')}T10:00:00.000Z`);
      const response = await o.scim.post('/Users', { body: body(p) });
      if (response.status !== 201) throw new Error(response.text);
      createdAt[p.userName] = response.body.id;
    }
    t.clock.reset();
    all = (await o.scim.get('/Users?count=200')).body.Resources;
    expect(all).toHaveLength(PEOPLE.length + 1);
  });

  afterAll(async () => {
    await t.close();
  });

  const ids = (users: User[]) => users.map((u) => u.id);
  const find = async (filter: string, extra = '') => {
    const response = await o.scim.get(`/Users?${filterQuery(filter)}&count=200${extra}`);
    expect({ filter, status: response.status, detail: response.body.detail }).toEqual({ filter, status: 200, detail: undefined });
    return response.body;
  };

  describe('filters: every operator, evaluated by the database', () => {
    const cases: Array<[string, (u: User) => boolean]> = [
      // eq / ne, case-insensitive userName, case-exact externalId
      ['userName eq "EVE@gamma.TEST"', (u) => u.userName === 'Eve@Gamma.test'],
      ['externalId eq "ext-A"', (u) => u.externalId === 'ext-A'],
      ['externalId eq "EXT-A"', () => false],
      ['title ne "Engineer"', (u) => u.title !== 'Engineer'],
      ['active eq false', (u) => u.active === false],
      ['active eq true', (u) => u.active === true],
      ['active ne true', (u) => u.active !== true],
      ['userType eq "procurement"', (u) => u.userType === 'Procurement'],
      ['userType eq "Admin"', (u) => u.userType === 'Admin'],
      // co / sw / ew, case-insensitive, LIKE wildcards taken literally
      ['title co "engineer"', (u) => lower(u.title)?.includes('engineer') === true],
      ['title sw "Senior"', (u) => lower(u.title)?.startsWith('senior') === true],
      ['title ew "ER"', (u) => lower(u.title)?.endsWith('er') === true],
      ['title co "%"', (u) => u.title?.includes('%') === true],
      ['userName co "_100%"', (u) => u.userName.includes('_100%')],
      ['userName ew ".test"', () => true],
      ['name.familyName sw "an"', (u) => lower(u.name?.familyName)?.startsWith('an') === true],
      // gt / ge / lt / le on strings and dates
      ['name.familyName gt "c"', (u) => (lower(u.name?.familyName) ?? '') > 'c'],
      ['name.familyName le "Clarke"', (u) => u.name?.familyName !== undefined && lower(u.name.familyName)! <= 'clarke'],
      ['meta.created ge "2026-03-05T10:00:00Z"', (u) => u.meta.created >= '2026-03-05T10:00:00.000Z'],
      ['meta.created lt "2026-03-03T00:00:00Z"', (u) => u.meta.created < '2026-03-03T00:00:00.000Z'],
      ['meta.lastModified gt "2026-03-07T10:00:00.000Z"', (u) => u.meta.lastModified > '2026-03-07T10:00:00.000Z'],
      // pr
      ['title pr', (u) => u.title !== undefined],
      ['name.givenName pr', (u) => u.name?.givenName !== undefined],
      ['phoneNumbers pr', (u) => u.phoneNumbers !== undefined],
      ['externalId pr', (u) => u.externalId !== undefined],
      [`${ENTERPRISE_USER}:department pr`, (u) => u[ENTERPRISE_USER]?.department !== undefined],
      // and / or / not / grouping / precedence (and binds tighter than or)
      ['title co "engineer" and active eq true', (u) => lower(u.title)?.includes('engineer') === true && u.active],
      ['title eq "Buyer" or title eq "Auditor"', (u) => u.title === 'Buyer' || u.title === 'Auditor'],
      [
        'title eq "Buyer" or title co "engineer" and name.familyName eq "Brown"',
        (u) => u.title === 'Buyer' || (lower(u.title)?.includes('engineer') === true && u.name?.familyName === 'Brown'),
      ],
      [
        '(title eq "Buyer" or title co "engineer") and name.familyName eq "Brown"',
        (u) => (u.title === 'Buyer' || lower(u.title)?.includes('engineer') === true) && u.name?.familyName === 'Brown',
      ],
      ['not (title pr)', (u) => u.title === undefined],
      ['not (active eq true) and not (userType eq "Read-only")', (u) => !u.active && u.userType !== 'Read-only'],
      [
        'not(title co "engineer" or userName sw "a")',
        (u) => !(lower(u.title)?.includes('engineer') || u.userName.startsWith('a')),
      ],
      // value paths and multi-valued attributes
      ['emails[type eq "work"].value eq "CAROL@beta.test"', (u) => u.userName === 'carol@beta.test'],
      ['emails[type eq "home"]', (u) => emails(u).some((e) => e.type === 'home')],
      [
        'emails[type eq "home" and value co "grace"]',
        (u) => emails(u).some((e) => e.type === 'home' && e.value.includes('grace')),
      ],
      [
        'emails[type eq "work" and value co "GRACE"]',
        (u) => emails(u).some((e) => e.type === 'work' && e.value.includes('grace')),
      ],
      ['emails.value co "@home.test"', (u) => emails(u).some((e) => e.value.endsWith('@home.test'))],
      ['emails[not (type eq "work")]', (u) => emails(u).some((e) => e.type !== 'work')],
      [
        'emails.type eq "home" and emails.value ew "gamma.test"',
        (u) => emails(u).some((e) => e.type === 'home') && emails(u).some((e) => e.value.endsWith('gamma.test')),
      ],
      ['emails.type eq "home" and emails.value ew "delta.test"', (u) => u.userName.startsWith('grace')],
      ['phoneNumbers[type eq "mobile" and value sw "+33"]', (u) => u.phoneNumbers?.[0]?.value.startsWith('+33') === true],
      ['addresses[locality eq "PARIS"]', (u) => lower(u.addresses?.[0]?.locality) === 'paris'],
      [
        'addresses.country eq "XX" and not (addresses.locality eq "Berlin")',
        (u) => u.addresses && u.addresses[0].locality !== 'Berlin',
      ],
      // case-insensitive attribute names, operators and keywords; enterprise URNs
      ['USERNAME EQ "bob@alpha.test"', (u) => u.userName === 'bob@alpha.test'],
      ['Name.FamilyName Eq "anders" AnD TiTlE pR', (u) => lower(u.name?.familyName) === 'anders' && u.title !== undefined],
      [
        'title Co "ENGINEER" OR userName sW "frank"',
        (u) => lower(u.title)?.includes('engineer') || u.userName.startsWith('frank'),
      ],
      [`${ENTERPRISE_USER}:department eq "r&d"`, (u) => u[ENTERPRISE_USER]?.department === 'R&D'],
      [`${ENTERPRISE_USER.toUpperCase()}:DEPARTMENT eq "Navy"`, (u) => u[ENTERPRISE_USER]?.department === 'Navy'],
      [`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "dave@beta.test"`, (u) => u.userName === 'dave@beta.test'],
      // ids, meta.resourceType, null
      ['id eq "not-a-number"', () => false],
      ['meta.resourceType eq "User"', () => true],
      ['title eq null', (u) => u.title === undefined],
      // attributes nobody stores are absent
      ['groups pr', () => false],
      ['groups.value eq "x" or nickName pr', () => false],
    ];

    it.each(cases)('%s', async (filter, predicate) => {
      const expected = all.filter(predicate);
      const result = await find(filter);
      expect(ids(result.Resources).sort()).toEqual(ids(expected).sort());
      expect(result.totalResults).toBe(expected.length);
    });

    it('should filter on id', async () => {
      const someone = all[3];
      expect(ids((await find(`id eq "${someone.id}"`)).Resources)).toEqual([someone.id]);
      expect(ids((await find(`id ne "${someone.id}"`)).Resources)).not.toContain(someone.id);
    });

    it('should take + as a space in the query string', async () => {
      const response = await o.scim.get('/Users?filter=title+eq+%22Senior+Engineer%22');
      expect(response.body.Resources.map((u: User) => u.userName)).toEqual(['bob@alpha.test']);
      // An encoded plus is a plus.
      const plus = await o.scim.get(`/Users?filter=phoneNumbers.value+sw+%22%2B1%22`);
      expect(plus.body.Resources.map((u: User) => u.userName)).toEqual(['bob@alpha.test']);
    });

    it('should answer POST /Users/.search like GET /Users', async () => {
      const search = await o.scim.post('/Users/.search', {
        body: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'title co "engineer"',
          attributes: ['userName', 'title'],
          sortBy: 'userName',
          sortOrder: 'descending',
          startIndex: 1,
          count: 2,
        },
      });
      expect(search.status).toBe(200);
      const get = await o.scim.get(
        `/Users?${filterQuery('title co "engineer"')}&attributes=userName,title&sortBy=userName&sortOrder=descending&startIndex=1&count=2`,
      );
      expect(search.body).toEqual(get.body);
      expect(search.body.Resources).toEqual([
        {
          schemas: [CORE_USER, ENTERPRISE_USER],
          id: expect.any(String),
          userName: 'Eve@Gamma.test',
          title: 'engineering manager',
        },
        { schemas: [CORE_USER, ENTERPRISE_USER], id: expect.any(String), userName: 'bob@alpha.test', title: 'Senior Engineer' },
      ]);
    });

    it('should answer a filter that matches nothing with 200 and an empty list', async () => {
      const response = await o.scim.get(`/Users?${filterQuery('userName eq "nobody@nowhere.test"')}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    });
  });

  describe('userName eq (the existence check, a unique-key read)', () => {
    it('should answer exactly as the same condition answered as a search, for every page, user and projection', async () => {
      const gone = await o.scim.post('/Users', { body: body({ userName: 'gone@omega.test' }) });
      expect((await o.scim.delete(`/Users/${gone.body.id}`)).status).toBe(204);
      const names = ['EVE@gamma.TEST', 'dave@beta.test', 'frank@GAMMA.test', 'gone@omega.test', 'nobody@nowhere.test'];
      const pages = ['', '&startIndex=1&count=1', '&startIndex=2&count=5', '&count=0', '&sortBy=title&sortOrder=descending'];
      const projections = ['', '&attributes=userName,active', '&excludedAttributes=emails,meta'];
      for (const name of names) {
        for (const extra of pages.flatMap((page) => projections.map((projection) => `${page}${projection}`))) {
          // `and userName pr` holds for every user with this userName: the general search, same answer.
          const [lookup, search] = await Promise.all([
            o.scim.get(`/Users?${filterQuery(`userName eq "${name}"`)}${extra}`),
            o.scim.get(`/Users?${filterQuery(`userName eq "${name}" and userName pr`)}${extra}`),
          ]);
          expect({ name, extra, status: lookup.status, body: lookup.body }).toEqual({
            name,
            extra,
            status: 200,
            body: search.body,
          });
        }
      }
      const found = await o.scim.get(`/Users?${filterQuery('userName eq "FRANK@gamma.test"')}`);
      expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ userName: 'frank@gamma.test', active: false }] });
      expect((await o.scim.get(`/Users?${filterQuery('userName eq "gone@omega.test"')}`)).body.totalResults).toBe(0);
    });

    it('should read it in one statement by the unique key, not as a paged search', async () => {
      const { result, queries } = await countQueries(t.dataSource, () =>
        o.scim.get(`/Users?${filterQuery('userName eq "BOB@alpha.test"')}`),
      );
      expect(result.body.Resources.map((u: User) => u.userName)).toEqual(['bob@alpha.test']);
      const userReads = queries.filter((q) => /^\s*SELECT/i.test(q) && /\b(users|user_attribute_values)\b/.test(q));
      expect(userReads).toHaveLength(1);
      expect(userReads[0]).toMatch(/user_name_lower = \?/);
      expect(userReads[0]).not.toMatch(/\bLIMIT\b/);
    });
  });

  describe('sorting', () => {
    const sorted = async (query: string) => (await o.scim.get(`/Users?count=200&${query}`)).body.Resources as User[];

    it('should sort by userName case-insensitively, ascending and descending', async () => {
      const expected = [...all].sort((a, b) => a.userName.toLowerCase().localeCompare(b.userName.toLowerCase()));
      expect(ids(await sorted('sortBy=userName'))).toEqual(ids(expected));
      expect(ids(await sorted('sortBy=USERNAME&sortOrder=DESCENDING'))).toEqual(ids(expected).reverse());
    });

    it('should put users without the value last ascending and first descending, ties by id', async () => {
      const asc = await sorted('sortBy=name.familyName&sortOrder=ascending');
      const families = asc.map((u) => u.name?.familyName?.toLowerCase() ?? null);
      const present = families.filter((f) => f !== null) as string[];
      expect(present).toEqual([...present].sort());
      expect(families.slice(present.length).every((f) => f === null)).toBe(true);
      const anders = asc.filter((u) => u.name?.familyName === 'Anders').map((u) => Number(u.id));
      expect(anders).toEqual([...anders].sort((a, b) => a - b));
      const desc = await sorted('sortBy=name.familyName&sortOrder=descending');
      expect(desc[0].name?.familyName).toBeUndefined();
      expect(desc.map((u) => u.name?.familyName?.toLowerCase() ?? null).filter((f) => f !== null)).toEqual(
        [...present].reverse(),
      );
    });

    it('should sort by a multi-valued attribute through its primary value, and by dates and enterprise attributes', async () => {
      const byEmail = await sorted('sortBy=emails.value');
      const values = byEmail.map((u) => emails(u).find((e) => e.primary)?.value ?? null);
      const present = values.filter((v) => v !== null);
      expect(present).toEqual([...present].sort());
      const byCreated = await sorted('sortBy=meta.created&sortOrder=descending');
      const created = byCreated.map((u) => u.meta.created);
      expect(created).toEqual([...created].sort().reverse());
      const byDepartment = await sorted(`sortBy=${encodeURIComponent(`${ENTERPRISE_USER}:department`)}`);
      expect(byDepartment.slice(0, 3).map((u) => u[ENTERPRISE_USER].department)).toEqual(['Navy', 'R&D', 'R&D']);
    });

    it('should combine sorting with a filter and paging', async () => {
      const page = await o.scim.get(`/Users?${filterQuery('title pr')}&sortBy=title&startIndex=2&count=2`);
      const titles = all
        .filter((u) => u.title)
        .map((u) => u.title as string)
        .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
      expect(page.body.Resources.map((u: User) => u.title)).toEqual(titles.slice(1, 3));
      expect(page.body).toMatchObject({ totalResults: titles.length, startIndex: 2, itemsPerPage: 2 });
    });

    it.each(['sortBy=password', 'sortBy=nonsense', 'sortBy=name', 'sortOrder=sideways'])(
      'should refuse %s with 400 invalidValue',
      async (q) => {
        expectScimError(await o.scim.get(`/Users?${q}`), 400, 'invalidValue');
      },
    );
  });

  describe('projection: attributes and excludedAttributes', () => {
    const someone = () => all.find((u) => u.userName === 'bob@alpha.test')!;

    it('should return only the requested attributes (and id, userName, schemas) on list and single GET', async () => {
      const query =
        'attributes=name.givenName,EMAILS.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department';
      const expected = {
        schemas: [CORE_USER, ENTERPRISE_USER],
        id: someone().id,
        userName: 'bob@alpha.test',
        name: { givenName: 'Bob' },
        emails: [{ value: 'bob@alpha.test' }],
        [ENTERPRISE_USER]: { department: 'R&D' },
      };
      const one = await o.scim.get(`/Users/${someone().id}?${query}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(expected);
      const list = await o.scim.get(`/Users?${filterQuery('userName eq "bob@alpha.test"')}&${query}`);
      expect(list.body.Resources).toEqual([expected]);
    });

    it('should leave out excluded attributes, keeping those always returned', async () => {
      const query =
        'excludedAttributes=emails,meta,name.familyName,userName,id,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
      const one = await o.scim.get(`/Users/${someone().id}?${query}`);
      const { emails: _e, meta: _m, [ENTERPRISE_USER]: _x, name: _n, ...rest } = someone();
      expect(one.body).toEqual({ ...rest, name: { givenName: 'Bob' } });
      const list = await o.scim.get(`/Users?${filterQuery('userName eq "bob@alpha.test"')}&${query}`);
      expect(list.body.Resources).toEqual([one.body]);
    });

    it('should ignore unknown attribute names and match known ones case-insensitively', async () => {
      const one = await o.scim.get(`/Users/${someone().id}?attributes=nonsense,TITLE`);
      expect(one.body).toEqual({
        schemas: someone().schemas,
        id: someone().id,
        userName: 'bob@alpha.test',
        title: 'Senior Engineer',
      });
    });

    it('should keep the ETag header on a projected GET', async () => {
      const one = await o.scim.get(`/Users/${someone().id}?attributes=userName`);
      expect(one.headers.get('etag')).toBe(someone().meta.version);
    });
  });

  describe('paging', () => {
    let big: ScimOrganization;
    let everyone: string[];

    beforeAll(async () => {
      big = await scimOrganization(t);
      for (let i = 0; i < 230; i++)
        await insertUser(t.dataSource, big.org.organizationId, `p${String(i).padStart(3, '0')}@page.test`);
      everyone = ids((await big.scim.get('/Users?count=200')).body.Resources);
      everyone.push(...ids((await big.scim.get('/Users?startIndex=201&count=200')).body.Resources));
    });

    it('should walk several pages without overlap or gaps, in a stable order, with integer counts', async () => {
      expect(everyone).toHaveLength(231);
      expect(new Set(everyone).size).toBe(231);
      const walked: string[] = [];
      for (let start = 1; start <= 231; start += 50) {
        const page = await big.scim.get(`/Users?startIndex=${start}&count=50`);
        expect(page.body).toMatchObject({ totalResults: 231, startIndex: start, itemsPerPage: Math.min(50, 232 - start) });
        for (const field of ['totalResults', 'startIndex', 'itemsPerPage']) expect(Number.isInteger(page.body[field])).toBe(true);
        walked.push(...ids(page.body.Resources));
      }
      expect(walked).toEqual(everyone);
      // Asking again gives the same order.
      expect(ids((await big.scim.get('/Users?startIndex=51&count=50')).body.Resources)).toEqual(everyone.slice(50, 100));
    });

    it('should page a sort with many ties without overlap', async () => {
      const walked: string[] = [];
      for (let start = 1; start <= 231; start += 40) {
        walked.push(...ids((await big.scim.get(`/Users?sortBy=title&startIndex=${start}&count=40`)).body.Resources));
      }
      expect(walked).toHaveLength(231);
      expect(new Set(walked).size).toBe(231);
    });

    it('should default count to 100 and cap it at 200', async () => {
      expect((await big.scim.get('/Users')).body).toMatchObject({ totalResults: 231, itemsPerPage: 100 });
      const capped = await big.scim.get('/Users?count=1000');
      expect(capped.body).toMatchObject({ totalResults: 231, itemsPerPage: 200 });
      expect(capped.body.Resources).toHaveLength(200);
    });

    it('should answer count=0 with totalResults only', async () => {
      const response = await big.scim.get('/Users?count=0');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 231, itemsPerPage: 0 });
      expect(response.body.Resources ?? []).toEqual([]);
      const filtered = await big.scim.get(`/Users?${filterQuery('userName sw "p01"')}&count=0`);
      expect(filtered.body).toMatchObject({ totalResults: 10, itemsPerPage: 0 });
    });

    it.each([
      ['0', 1],
      ['-5', 1],
      ['1', 1],
    ])('should treat startIndex=%s as %i', async (start, expected) => {
      const response = await big.scim.get(`/Users?startIndex=${start}&count=3`);
      expect(response.body.startIndex).toBe(expected);
      expect(ids(response.body.Resources)).toEqual(everyone.slice(0, 3));
    });

    it('should treat a negative count as 0', async () => {
      const response = await big.scim.get('/Users?count=-1');
      expect(response.body).toMatchObject({ totalResults: 231, itemsPerPage: 0 });
    });

    it('should answer a startIndex past the end with an empty page and the total', async () => {
      const response = await big.scim.get('/Users?startIndex=1000&count=10');
      expect(response.body).toEqual({
        schemas: [LIST_RESPONSE],
        totalResults: 231,
        startIndex: 1000,
        itemsPerPage: 0,
        Resources: [],
      });
    });

    it.each(['count=abc', 'startIndex=1.5', 'count=', 'startIndex=x1'])(
      'should refuse %s with 400 invalidValue',
      async (query) => {
        expectScimError(await big.scim.get(`/Users?${query}`), 400, 'invalidValue');
      },
    );

    it('should run a page in a few queries, never one per user', async () => {
      const small = await countQueries(t.dataSource, () => big.scim.get('/Users?count=5'));
      const large = await countQueries(t.dataSource, () => big.scim.get('/Users?count=200'));
      expect(large.result.body.Resources).toHaveLength(200);
      const selects = (queries: string[]) => queries.filter((q) => /^\s*SELECT/i.test(q)).length;
      // Reads by ids take 100 ids a statement (IDS_PER_LOOKUP): on MySQL a user's values and groups, so
      // a page of 200 reads them in two statements each; on SQLite both come with the page's rows.
      const perHundred = t.dataSource.options.type === 'better-sqlite3' ? 0 : 2;
      expect(selects(large.queries)).toBe(selects(small.queries) + perHundred);
      expect(selects(large.queries)).toBeLessThanOrEqual(7);
    });

    it.each([
      ['userName eq "p017@page.test"', 'UQ_users_org_user_name'],
      ['externalId eq "x-17"', 'IDX_users_org_external_id'],
      ['emails[type eq "work"].value eq "p017@page.test"', 'IDX_uav_org_attr_value'],
      ['emails.value eq "P017@page.test"', 'IDX_uav_org_attr_value'],
    ])('should look %s up on the index %s', async (filter, index) => {
      const statements: Array<{ sql: string; params: unknown[] }> = [];
      const logger = t.dataSource.logger;
      const original = logger.logQuery.bind(logger);
      logger.logQuery = (sql, params, runner) => {
        // MariaDB's time limit (SET STATEMENT … FOR) wraps the SELECT; EXPLAIN takes the SELECT itself.
        if (/FROM users u\b/.test(sql))
          statements.push({ sql: sql.replace(/^SET STATEMENT \S+ FOR /, ''), params: params ?? [] });
        return original(sql, params, runner);
      };
      try {
        expect((await big.scim.get(`/Users?${filterQuery(filter)}`)).status).toBe(200);
      } finally {
        logger.logQuery = original;
      }
      expect(statements.length).toBeGreaterThan(0);
      for (const { sql, params } of statements) {
        const sqlite = t.db.engine === 'sqlite';
        const plan = await t.dataSource.query(`${sqlite ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${sql}`, params);
        const used = plan.map((row: Record<string, unknown>) => (sqlite ? String(row.detail) : String(row.key))).join(' | ');
        expect({ sql, used }).toEqual({ sql, used: expect.stringContaining(index) });
      }
    });

    it('should take parameter names in any case', async () => {
      const response = await big.scim.get('/Users?STARTINDEX=3&Count=2');
      expect(response.body).toMatchObject({ startIndex: 3, itemsPerPage: 2 });
      expect(ids(response.body.Resources)).toEqual(everyone.slice(2, 4));
    });
  });
});
