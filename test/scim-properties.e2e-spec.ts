import { applyUserPatch, evaluateFilter, parseFilter, ScimError, ScimUserInput } from '@app/scim-protocol';
import fc from 'fast-check';
import { HttpResponse, request } from './support/http';
import {
  CORE_USER,
  ENTERPRISE_USER,
  ERROR_SCHEMA,
  PATCH_OP,
  SCIM,
  SCIM_CONTENT_TYPE,
  scimOrganization,
  ScimOrganization,
  userSnapshot,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Property-based tests over real HTTP: random and malformed filters, PATCH
 * bodies, User bodies and list parameters. The answer is always a SCIM error
 * of the 4xx family or a correct 2xx, never a 500, and nothing is stored on
 * an error. Filters and PATCHes are also checked against the protocol
 * library's in-memory semantics (evaluateFilter, applyUserPatch), so the SQL
 * each engine runs and the storage round trip are what the library means.
 */

type Json = Record<string, any>;

const RUNS = Number(process.env.SCIM_PROPERTY_RUNS ?? 150);
const ENT = ENTERPRISE_USER;

// Small alphabets make matches frequent; LIKE wildcards, the escape character, quotes and + are included.
const CHARS = ['a', 'A', 'b', 'B', 'c', '%', '_', '!', ' ', '+', '"', '\\', '@', '.'];
const text = fc.oneof(
  fc.constantFrom('', 'a', 'A', 'ab', 'aB', 'b', 'abc', 'ABC', 'work', 'Work', 'home', 'x.test'),
  fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 6 }),
);

/** Random upper/lower case of a name (attribute names and keywords are case-insensitive). */
const anyCase = (name: string) =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flags) => [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

describe('SCIM properties: random and malformed input never breaks the server', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let roles: string[];

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
    roles = (await o.admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name);
  });

  afterAll(async () => {
    await t.close();
  });

  /** Every response: a SCIM media type; a 4xx has a SCIM Error body; never a 5xx. */
  function expectWellFormed(response: HttpResponse, context: unknown): void {
    if (response.status >= 500 || (response.status >= 400 && response.body?.schemas?.[0] !== ERROR_SCHEMA)) {
      throw new Error(`${response.status} ${response.text} for ${JSON.stringify(context)}`);
    }
    if (response.status !== 204) expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
    if (response.status >= 400) {
      expect(response.body).toEqual({
        schemas: [ERROR_SCHEMA],
        status: String(response.status),
        ...(response.body.scimType ? { scimType: expect.any(String) } : {}),
        detail: expect.any(String),
      });
    }
  }

  describe('filters', () => {
    const DATES = [
      '2026-04-01T10:00:00.000Z',
      '2026-04-02T10:00:00.000Z',
      '2026-04-03T10:00:00.000Z',
      '2026-04-04T10:00:00.000Z',
    ];
    let all: Json[];

    beforeAll(async () => {
      const people: Json[] = [
        { userName: 'a@x.test', title: 'a', displayName: 'AB', externalId: 'a', name: { givenName: 'a' } },
        { userName: 'B@x.test', title: 'A', nickName: 'ab%', emails: [{ value: 'work@x.test', type: 'work', primary: true }] },
        { userName: 'ab@x.test', title: 'ab', active: false, userType: 'Procurement', externalId: 'A' },
        { userName: 'abc@x.test', title: 'b_c', displayName: 'a"b', [ENT]: { department: 'ab', manager: { value: 'a' } } },
        {
          userName: 'c@x.test',
          emails: [
            { value: 'a@home.test', type: 'home' },
            { value: 'A+b@work.test', type: 'Work', primary: true },
          ],
          phoneNumbers: [{ value: '+1 a', type: 'mobile' }],
          addresses: [{ locality: 'ab', type: 'home', primary: true }],
        },
        { userName: 'd!@x.test', title: 'a\\b', active: false, name: { givenName: 'B', familyName: 'a b' } },
      ];
      for (const [i, person] of people.entries()) {
        t.clock.set(DATES[i % DATES.length]);
        const response = await o.scim.post('/Users', { body: { schemas: [CORE_USER, ENT], ...person } });
        if (response.status !== 201) throw new Error(response.text);
      }
      t.clock.reset();
      all = (await o.scim.get('/Users?count=200')).body.Resources;
    });

    type Kind = 'string' | 'boolean' | 'dateTime' | 'id' | 'any';
    const SINGLE: Array<[string, Kind]> = [
      ['userName', 'string'],
      ['externalId', 'string'],
      ['title', 'string'],
      ['displayName', 'string'],
      ['nickName', 'string'],
      ['userType', 'string'],
      ['name.givenName', 'string'],
      ['name.familyName', 'string'],
      ['active', 'boolean'],
      ['meta.created', 'dateTime'],
      ['meta.lastModified', 'dateTime'],
      ['meta.resourceType', 'string'],
      ['id', 'id'],
      [`${ENT}:department`, 'string'],
      [`${ENT}:manager.value`, 'string'],
      ['emails.value', 'string'],
      ['emails.type', 'string'],
      ['emails.primary', 'boolean'],
      ['phoneNumbers.value', 'string'],
      ['addresses.locality', 'string'],
      ['groups.value', 'string'],
      ['password', 'string'],
      ['nosuch', 'any'],
      ['name.nosuch', 'any'],
    ];
    const SUBS: Record<string, Array<[string, Kind]>> = {
      emails: [
        ['value', 'string'],
        ['type', 'string'],
        ['primary', 'boolean'],
      ],
      phoneNumbers: [
        ['value', 'string'],
        ['type', 'string'],
      ],
      addresses: [
        ['locality', 'string'],
        ['type', 'string'],
      ],
    };
    const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

    const literal = (kind: Kind): fc.Arbitrary<string> => {
      const strings = text.map((s) => JSON.stringify(s));
      const others = fc.constantFrom('true', 'false', 'null', '42', '"2026-04-02T10:00:00Z"', '"not a date"');
      switch (kind) {
        case 'boolean':
          return fc.oneof({ weight: 4, arbitrary: fc.constantFrom('true', 'false', 'null') }, others, strings);
        case 'dateTime':
          return fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...DATES, '2026-04-02T10:00:00.001Z').map((d) => JSON.stringify(d)) },
            others,
          );
        case 'id':
          return fc.oneof(
            fc.constantFrom(...all.map((u) => JSON.stringify(u.id))),
            fc.constantFrom('"abc"', '"0"', '"1e3"', '"010101001010101011001010101011"'),
          );
        default:
          return fc.oneof({ weight: 4, arbitrary: strings }, others);
      }
    };
    const comparison = (path: string, kind: Kind) =>
      fc.oneof(
        {
          weight: 5,
          arbitrary: fc.tuple(anyCase(path), fc.constantFrom(...OPS).chain(anyCase), literal(kind)).map((p) => p.join(' ')),
        },
        { weight: 1, arbitrary: anyCase(path).map((p) => `${p} ${'pr'}`) },
      );
    const single = fc.constantFrom(...SINGLE).chain(([path, kind]) => comparison(path, kind));
    const valuePath = fc.constantFrom(...Object.keys(SUBS)).chain((attribute) => {
      const sub = fc.constantFrom(...SUBS[attribute]).chain(([name, kind]) => comparison(name, kind));
      const inner = fc.oneof(
        sub,
        fc.tuple(sub, fc.constantFrom('and', 'or', 'AND', 'Or'), sub).map((p) => p.join(' ')),
        sub.map((s) => `not (${s})`),
      );
      return fc.tuple(anyCase(attribute), inner).map(([a, f]) => `${a}[${f}]`);
    });
    const { filter } = fc.letrec<{ filter: string; leaf: string }>((tie) => ({
      leaf: fc.oneof({ weight: 4, arbitrary: single }, { weight: 1, arbitrary: valuePath }),
      filter: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { weight: 3, arbitrary: tie('leaf') },
        fc.tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'oR'), tie('filter')).map((p) => p.join(' ')),
        fc.tuple(fc.constantFrom('not', 'NOT', 'Not'), tie('filter')).map(([n, f]) => `${n} (${f})`),
        tie('filter').map((f) => `(${f})`),
      ),
    }));
    /** Damage a filter the way a broken client would. */
    const broken = fc
      .tuple(filter, fc.nat(), fc.constantFrom('cut', 'paren', 'quote', 'bracket', 'op', 'junk'))
      .map(([f, n, how]) => {
        const at = f.length ? n % f.length : 0;
        switch (how) {
          case 'cut':
            return f.slice(0, at);
          case 'paren':
            return `${f.slice(0, at)}(${f.slice(at)}`;
          case 'quote':
            return `${f.slice(0, at)}"${f.slice(at)}`;
          case 'bracket':
            return `${f.slice(0, at)}]${f.slice(at)}`;
          case 'op':
            return f.replace(/ (eq|ne|co|sw|ew|gt|ge|lt|le) /i, ' xx ');
          default:
            return `${f} ${'junk'}`;
        }
      });
    const encode = (f: string, plus: boolean) => (plus ? encodeURIComponent(f).replace(/%20/g, '+') : encodeURIComponent(f));

    it('should answer any grammatical filter exactly as the library evaluates it, or refuse it as the library does', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: filter }, broken), fc.boolean(), async (f, plus) => {
          let expected: string[] | undefined;
          let error: ScimError | undefined;
          try {
            const ast = parseFilter(f);
            expected = all.filter((u) => evaluateFilter(ast, u)).map((u) => u.id);
          } catch (e) {
            if (!(e instanceof ScimError)) throw e;
            error = e;
          }
          const response = await o.scim.get(`/Users?filter=${encode(f, plus)}&count=200&attributes=id`);
          expectWellFormed(response, f);
          if (error) {
            expect({ f, status: response.status, scimType: response.body.scimType }).toEqual({
              f,
              status: 400,
              scimType: error.scimType,
            });
            return;
          }
          expect({ f, status: response.status }).toEqual({ f, status: 200 });
          expect({ f, ids: response.body.Resources.map((u: Json) => u.id).sort() }).toEqual({ f, ids: [...expected!].sort() });
          expect(response.body.totalResults).toBe(expected!.length);
        }),
        { numRuns: RUNS * 2 },
      );
    });

    it('should answer arbitrary strings as filters with 200 or 400 invalidFilter', async () => {
      const junk = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({
          unit: fc.constantFrom('(', ')', '[', ']', '"', ' ', 'a', 'eq', 'and', 'not', 'pr', '.', ':', '\\'),
          maxLength: 20,
        }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
      );
      await fc.assert(
        fc.asyncProperty(junk, async (f) => {
          const response = await o.scim.get(`/Users?filter=${encodeURIComponent(f)}`);
          expectWellFormed(response, f);
          expect([200, 400]).toContain(response.status);
          if (response.status === 400) expect(response.body.scimType).toBe('invalidFilter');
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('list parameters', () => {
    it('should answer any combination of startIndex, count, sortBy, sortOrder and projections with 200 or a 400 SCIM error', async () => {
      const number = fc.oneof(
        fc.integer({ min: -5, max: 300 }).map(String),
        fc.constantFrom('', 'x', '1.5', '99999999999999999999', ' 3'),
      );
      const name = fc.constantFrom(
        'userName',
        'title',
        'emails',
        'emails.value',
        'name',
        'meta.created',
        'id',
        'password',
        'nosuch',
        `${ENT}:department`,
        '',
      );
      const params = fc.record(
        {
          startIndex: number,
          count: number,
          sortBy: name,
          sortOrder: fc.constantFrom('ascending', 'DESCENDING', 'up', ''),
          attributes: fc.array(name, { maxLength: 3 }).map((a) => a.join(',')),
          excludedAttributes: fc.array(name, { maxLength: 3 }).map((a) => a.join(',')),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(params, async (p) => {
          const query = Object.entries(p)
            .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
            .join('&');
          const response = await o.scim.get(`/Users?${query}`);
          expectWellFormed(response, p);
          expect([200, 400]).toContain(response.status);
          if (response.status === 200) {
            const body = response.body;
            for (const field of ['totalResults', 'startIndex', 'itemsPerPage']) expect(Number.isInteger(body[field])).toBe(true);
            expect(body.itemsPerPage).toBe(body.Resources.length);
            expect(body.itemsPerPage).toBeLessThanOrEqual(200);
            expect(body.startIndex).toBeGreaterThanOrEqual(1);
            for (const resource of body.Resources)
              expect(resource).toMatchObject({ id: expect.any(String), userName: expect.any(String) });
          }
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('PATCH bodies', () => {
    let target: Json;

    beforeAll(async () => {
      const created = await o.scim.post('/Users', {
        body: {
          schemas: [CORE_USER, ENT],
          userName: 'patch.target@x.test',
          title: 'a',
          name: { givenName: 'G', familyName: 'F' },
          emails: [
            { value: 'patch.target@x.test', type: 'work', primary: true },
            { value: 'b@home.test', type: 'home' },
          ],
          [ENT]: { department: 'D', manager: { value: 'm' } },
        },
      });
      target = created.body;
    });

    const PATHS = [
      'title',
      'displayName',
      'nickName',
      'externalId',
      'active',
      'userType',
      'userName',
      'locale',
      'name',
      'name.givenName',
      'name.familyName',
      'emails',
      'emails.value',
      'emails[type eq "work"]',
      'emails[type eq "work"].value',
      'emails[type eq "home"].primary',
      'emails[value co "a"].type',
      'emails[type eq "work" or type eq "home"].display',
      'phoneNumbers[type eq "mobile"].value',
      'addresses[type eq "work"].locality',
      'addresses',
      ENT,
      `${ENT}:department`,
      `${ENT}:manager`,
      `${ENT}:manager.value`,
      `${ENT}:manager.displayName`,
      'id',
      'meta',
      'meta.created',
      'groups',
      'password',
      'schemas',
      'urn:example:custom:2.0:User:shoeSize',
      'nosuch',
      'name.nosuch',
      'emails[type eq]',
      'title[value eq "x"]',
      'emails[type eq "work"].nosuch',
      '',
    ];
    const scalar = fc.oneof(
      text,
      fc.boolean(),
      fc.constantFrom(
        'True',
        'False',
        'Employee',
        'procurement',
        'Nope',
        'patch.target@x.test',
        'PATCH.TARGET@x.test',
        'other@x.test',
        null,
        0,
        7,
      ),
    );
    const element = fc.record(
      {
        value: fc.oneof(text, fc.constantFrom('c@x.test')),
        type: fc.constantFrom('work', 'home', 'mobile', 'Work'),
        primary: fc.boolean(),
        locality: text,
      },
      { requiredKeys: [] },
    );
    const keyed = fc.dictionary(
      fc.constantFrom(
        'title',
        'active',
        'userType',
        'name.givenName',
        'emails',
        'emails[type eq "home"].value',
        `${ENT}:department`,
        `${ENT}:manager`,
        'userName',
        'nosuch',
        'id',
        'Active',
        'TITLE',
      ),
      fc.oneof(scalar, fc.array(element, { maxLength: 2 }), element),
      { maxKeys: 3 },
    );
    const value = fc.oneof(scalar, element, fc.array(element, { maxLength: 3 }), keyed, fc.jsonValue({ maxDepth: 2 }));
    const anyOperation = fc.record(
      {
        op: fc.oneof(
          { weight: 12, arbitrary: fc.constantFrom('add', 'replace', 'remove').chain(anyCase) },
          fc.constantFrom('move', '', 'copy', 'test'),
        ),
        path: fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom(...PATHS).chain((p) => (p.includes('[') ? fc.constant(p) : anyCase(p))) },
          fc.string({ maxLength: 12 }),
        ),
        value,
      },
      { requiredKeys: ['op'] },
    );
    /** Operations whose value fits the path, as real clients send them. */
    const opName = fc.constantFrom('add', 'replace', 'Add', 'Replace', 'REPLACE');
    const typed: Array<[string, fc.Arbitrary<unknown>]> = [
      ['title', text],
      ['displayName', text],
      ['name.givenName', text],
      ['externalId', text],
      ['active', fc.constantFrom(true, false, 'True', 'False')],
      ['userType', fc.constantFrom('Employee', 'procurement', 'Read-only', 'nope')],
      ['emails', fc.array(element, { maxLength: 2 })],
      ['emails[type eq "work"].value', fc.constantFrom('w@x.test', 'W@X.test', 'other@x.test')],
      ['phoneNumbers[type eq "mobile"].value', text],
      ['name', fc.record({ givenName: text, familyName: text }, { requiredKeys: [] })],
      [`${ENT}:department`, text],
      [`${ENT}:manager`, fc.oneof(text, fc.record({ value: text }))],
    ];
    const wellTyped = fc.oneof(
      fc.constantFrom(...typed).chain(([path, v]) => fc.record({ op: opName, path: fc.constant(path), value: v })),
      fc.constantFrom(...typed.map(([path]) => path)).map((path) => ({ op: 'remove', path })),
      fc.record({ op: opName, value: keyed }),
    );
    const operation = fc.oneof({ weight: 3, arbitrary: wellTyped }, anyOperation);
    const body = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(operation, { minLength: 1, maxLength: 3 }).map((Operations) => ({ schemas: [PATCH_OP], Operations })),
      },
      fc.array(operation, { maxLength: 2 }).map((operations) => ({ operations })),
      fc.record({ schemas: fc.jsonValue({ maxDepth: 1 }), Operations: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );

    const strip = ({ schemas: _s, id: _i, meta: _m, ...rest }: Json): Json => rest;
    /** As the server renders a stored user: no false primaries, no empty sub-objects. */
    const rendered = (user: Json): Json =>
      JSON.parse(JSON.stringify(user), (_key, v) => {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          const out: Json = {};
          for (const [k, x] of Object.entries(v)) if (!(k === 'primary' && x === false)) out[k] = x;
          return out;
        }
        return v;
      });

    it('should apply a PATCH exactly as the library does, or refuse it with a 4xx SCIM error and store nothing', async () => {
      await fc.assert(
        fc.asyncProperty(body, async (patch) => {
          const before = (await o.scim.get(`/Users/${target.id}`)).body;
          const snapshot = await userSnapshot(t.dataSource, target.id);
          let expected: ScimUserInput | undefined;
          let error: ScimError | undefined;
          try {
            expected = applyUserPatch(strip(before) as ScimUserInput, patch);
          } catch (e) {
            if (!(e instanceof ScimError)) throw e;
            error = e;
          }
          const response = await o.scim.patch(`/Users/${target.id}`, { body: patch });
          expectWellFormed(response, patch);
          if (response.status >= 400) {
            expect(await userSnapshot(t.dataSource, target.id)).toEqual(snapshot);
          }
          if (error) {
            expect({ status: response.status, scimType: response.body.scimType }).toEqual({
              status: error.status,
              scimType: error.scimType,
            });
            return;
          }
          // Torii's rules on top of the library.
          const wanted = expected as Json;
          if (String(wanted.userName).toLowerCase() !== String(before.userName).toLowerCase()) {
            expect({ status: response.status, scimType: response.body.scimType }).toEqual({
              status: 400,
              scimType: 'mutability',
            });
            return;
          }
          const role =
            wanted.userType === undefined
              ? before.userType
              : roles.find((r) => r.toLowerCase() === String(wanted.userType).trim().toLowerCase());
          if (role === undefined) {
            expect({ status: response.status, scimType: response.body.scimType }).toEqual({
              status: 400,
              scimType: 'invalidValue',
            });
            return;
          }
          expect({ patch, status: response.status, detail: response.body.detail }).toEqual({
            patch,
            status: 200,
            detail: undefined,
          });
          const got = strip(response.body);
          expect(got).toEqual(
            rendered({ ...wanted, userName: before.userName, userType: role, active: wanted.active ?? before.active }),
          );
          expect(strip((await o.scim.get(`/Users/${target.id}`)).body)).toEqual(got);
          expect(response.headers.get('etag')).toBe(response.body.meta.version);
        }),
        { numRuns: RUNS + 50 },
      );
    });

    it('should refuse malformed JSON PATCH bodies with 400 invalidSyntax and store nothing', async () => {
      const json = fc
        .jsonValue({ maxDepth: 2 })
        .map((v) => JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: v }] }));
      const damaged = fc.tuple(json, fc.nat(), fc.constantFrom('{', '}', '"', ',', ':', '[', 'x')).map(([s, n, c]) => {
        const at = 1 + (n % (s.length - 1));
        return s.slice(0, at) + c + s.slice(at + 1);
      });
      await fc.assert(
        fc.asyncProperty(damaged, async (raw) => {
          const snapshot = await userSnapshot(t.dataSource, target.id);
          let valid = true;
          try {
            JSON.parse(raw);
          } catch {
            valid = false;
          }
          const response = await request(`${t.url}${SCIM}`, 'PATCH', `/Users/${target.id}`, {
            key: o.scimKey,
            rawBody: raw,
            contentType: 'application/scim+json',
          });
          expectWellFormed(response, raw);
          if (!valid)
            expect({ raw, status: response.status, scimType: response.body.scimType }).toEqual({
              raw,
              status: 400,
              scimType: 'invalidSyntax',
            });
          if (response.status >= 400) expect(await userSnapshot(t.dataSource, target.id)).toEqual(snapshot);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('User bodies', () => {
    const user = fc.record(
      {
        schemas: fc.oneof(fc.constant([CORE_USER]), fc.constant([CORE_USER, ENT]), fc.jsonValue({ maxDepth: 1 })),
        userName: fc.oneof(
          fc.constantFrom('new@x.test', 'NEW@x.test', 'other@x.test', 'not-an-email', '', ' pad@x.test '),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        title: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })),
        active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'false', 'maybe', 1, null)),
        userType: fc.constantFrom('Employee', 'admin', 'Nope', '', null, 3),
        name: fc.oneof(
          fc.record({ givenName: text, familyName: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        emails: fc.oneof(
          fc.array(fc.record({ value: text, primary: fc.boolean(), type: text }, { requiredKeys: [] }), { maxLength: 3 }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        [ENT]: fc.oneof(
          fc.record({ department: text, manager: fc.oneof(text, fc.record({ value: text })) }, { requiredKeys: [] }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        password: text,
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    );

    it('should create from any User body or refuse it with a 4xx SCIM error, storing nothing on an error', async () => {
      await fc.assert(
        fc.asyncProperty(user, async (body) => {
          const [{ n: before }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users');
          const response = await o.scim.post('/Users', { body });
          expectWellFormed(response, body);
          const [{ n: after }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM users');
          if (response.status >= 400) {
            expect([400, 409]).toContain(response.status);
            expect(Number(after)).toBe(Number(before));
            return;
          }
          expect(response.status).toBe(201);
          expect((await o.scim.get(`/Users/${response.body.id}`)).body).toEqual(response.body);
          expect(response.text).not.toMatch(/"password"/);
          // Clean up so the next run may use the same userName.
          expect((await o.scim.delete(`/Users/${response.body.id}`)).status).toBe(204);
        }),
        { numRuns: RUNS },
      );
    });

    it('should replace from any User body or refuse it with a 4xx SCIM error, changing nothing on an error', async () => {
      const created = await o.scim.post('/Users', { body: { schemas: [CORE_USER], userName: 'put.target@x.test', title: 'T' } });
      await fc.assert(
        fc.asyncProperty(user, fc.boolean(), async (body, sameName) => {
          const sent = sameName ? { ...body, userName: 'Put.Target@x.test' } : body;
          const snapshot = await userSnapshot(t.dataSource, created.body.id);
          const response = await o.scim.put(`/Users/${created.body.id}`, { body: sent });
          expectWellFormed(response, sent);
          if (response.status >= 400) {
            expect(response.status).toBe(400);
            expect(await userSnapshot(t.dataSource, created.body.id)).toEqual(snapshot);
            return;
          }
          expect(response.status).toBe(200);
          expect(response.body.userName).toBe('put.target@x.test');
          expect((await o.scim.get(`/Users/${created.body.id}`)).body).toEqual(response.body);
        }),
        { numRuns: RUNS },
      );
    });
  });
});
