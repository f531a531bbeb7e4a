import fc from 'fast-check';
import { parseFilter } from './filter.parser';
import { evaluateFilter } from './filter.evaluate';
import { filterToSql } from './filter.sql';
import { CompareOperator, FilterNode, FilterValue } from './filter.ast';
import { ScimError } from './scim-error';
import { AttributePath, CORE_USER_SCHEMA as CORE, ENTERPRISE_USER_SCHEMA as ENT, pathToString } from './user.schema';
import { FixtureUser, USER_SQL_MAPPING, createDatabase, fixtureResource } from './testing/users.sqlite';
import { ScimMultiValue, ScimUserInput, ScimAddress } from './user.resource';

// Small ASCII alphabets make matches frequent (SQLite's LOWER folds ASCII only).
const text = fc.oneof(
  fc.constantFrom('', 'a', 'A', 'ab', 'aB', 'b', 'abc', 'ABC', 'work', 'Work', 'home'),
  fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '%', '_', '!', ' ', '+'), maxLength: 4 }),
);
const optionalText = fc.option(text, { nil: undefined });
const DATES = [
  '2023-12-31T23:59:59.999Z',
  '2024-01-01T00:00:00.000Z',
  '2024-01-01T00:00:00.001Z',
  '2024-06-15T12:00:00.000Z',
  '2025-01-01T00:00:00.000Z',
];
const date = fc.constantFrom(...DATES);

type Kind = 'string' | 'exact' | 'boolean' | 'dateTime' | 'id' | 'constant' | 'unstored';
interface Target {
  path: AttributePath;
  kind: Kind;
}
const core = (attribute: string, subAttribute?: string): AttributePath =>
  subAttribute === undefined ? { schema: CORE, attribute } : { schema: CORE, attribute, subAttribute };
const ent = (attribute: string, subAttribute?: string): AttributePath =>
  subAttribute === undefined ? { schema: ENT, attribute } : { schema: ENT, attribute, subAttribute };

const SINGLE: Target[] = [
  { path: core('userName'), kind: 'string' },
  { path: core('externalId'), kind: 'exact' },
  { path: core('title'), kind: 'string' },
  { path: core('displayName'), kind: 'string' },
  { path: core('userType'), kind: 'string' },
  { path: core('name', 'givenName'), kind: 'string' },
  { path: core('active'), kind: 'boolean' },
  { path: core('meta', 'created'), kind: 'dateTime' },
  { path: core('meta', 'lastModified'), kind: 'dateTime' },
  { path: core('meta', 'resourceType'), kind: 'constant' },
  { path: core('id'), kind: 'id' },
  { path: ent('department'), kind: 'string' },
  { path: ent('manager', 'value'), kind: 'string' },
  { path: core('nickName'), kind: 'unstored' },
];
const MULTI: Record<string, Array<[string, Kind]>> = {
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
    ['primary', 'boolean'],
  ],
};
const MULTI_TARGETS: Target[] = Object.entries(MULTI).flatMap(([attribute, subs]) =>
  subs.map(([sub, kind]) => ({ path: core(attribute, sub), kind })),
);

const ALL_OPS: CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

function comparison(target: Target): fc.Arbitrary<FilterNode> {
  const pr = fc.constant<FilterNode>({ op: 'pr', path: target.path });
  const cmp = (ops: CompareOperator[], value: fc.Arbitrary<FilterValue>) =>
    fc
      .record({ op: fc.constantFrom(...ops), value })
      .map(({ op, value: v }): FilterNode => ({ op, path: target.path, value: v }));
  const withNull = (ops: CompareOperator[], value: fc.Arbitrary<FilterValue>) =>
    fc.oneof({ weight: 5, arbitrary: cmp(ops, value) }, { weight: 1, arbitrary: cmp(['eq', 'ne'], fc.constant(null)) });
  switch (target.kind) {
    case 'boolean':
      return fc.oneof(pr, withNull(['eq', 'ne'], fc.boolean()));
    case 'dateTime':
      return fc.oneof(pr, withNull(['eq', 'ne', 'gt', 'ge', 'lt', 'le'], date));
    case 'id':
      return fc.oneof(pr, cmp(ALL_OPS, fc.constantFrom('1', '2', '3', '5', '0', 'x', '12', '')));
    case 'constant':
      return fc.oneof(pr, cmp(ALL_OPS, fc.constantFrom('User', 'user', 'Us', 'Group', '')));
    default:
      return fc.oneof(pr, withNull(ALL_OPS, text));
  }
}

function logical<T extends FilterNode>(child: fc.Arbitrary<T>): fc.Arbitrary<FilterNode> {
  return fc
    .record({ op: fc.constantFrom<'and' | 'or'>('and', 'or'), filters: fc.array(child, { minLength: 2, maxLength: 3 }) })
    .map((n): FilterNode => n);
}

function valueFilter(attribute: string): fc.Arbitrary<FilterNode> {
  const leaf = fc.oneof(...MULTI[attribute]!.map(([sub, kind]) => comparison({ path: core(attribute, sub), kind })));
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      logical(tie('node')),
      tie('node').map((f): FilterNode => ({ op: 'not', filter: f })),
    ),
  })).node;
}

const filterArb: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SINGLE, ...MULTI_TARGETS).chain(comparison),
    fc.constantFrom('emails', 'phoneNumbers', 'addresses').map((a): FilterNode => ({ op: 'pr', path: core(a) })),
    fc
      .constantFrom('emails', 'phoneNumbers', 'addresses')
      .chain((a) => valueFilter(a).map((f): FilterNode => ({ op: '[]', path: core(a), filter: f }))),
    logical(tie('node')),
    tie('node').map((f): FilterNode => ({ op: 'not', filter: f })),
  ),
})).node;

/** Prints like filterToString, with names and keywords in the case `style` asks for. */
function print(node: FilterNode, style: (word: string) => string, inside = false): string {
  const name = (p: AttributePath) => style(inside ? (p.subAttribute as string) : pathToString(p));
  switch (node.op) {
    case 'and':
    case 'or':
      return node.filters
        .map((f) => (f.op === 'and' || f.op === 'or' ? `(${print(f, style, inside)})` : print(f, style, inside)))
        .join(` ${style(node.op)} `);
    case 'not':
      return `${style('not')} (${print(node.filter, style, inside)})`;
    case 'pr':
      return `${name(node.path)} ${style('pr')}`;
    case '[]':
      return `${style(pathToString(node.path))}[${print(node.filter, style, true)}]`;
    default: {
      const value = typeof node.value === 'string' ? JSON.stringify(node.value) : style(String(node.value));
      return `${name(node.path)} ${style(node.op)} ${value}`;
    }
  }
}
const styles = fc.constantFrom<(w: string) => string>(
  (w) => w,
  (w) => w.toUpperCase(),
  (w) => w.toLowerCase(),
  (w) => [...w].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join(''),
);

const element = fc.record(
  { value: text, type: optionalText, primary: fc.option(fc.boolean(), { nil: undefined }) },
  { requiredKeys: ['value'] },
);
const address = fc.record({ locality: optionalText, type: optionalText, primary: fc.option(fc.boolean(), { nil: undefined }) });
const userArb = fc.record({
  userName: text,
  externalId: optionalText,
  title: optionalText,
  displayName: optionalText,
  givenName: optionalText,
  userType: fc.option(fc.constantFrom('Admin', 'Employee', 'a', 'A'), { nil: undefined }),
  active: fc.boolean(),
  department: optionalText,
  manager: optionalText,
  emails: fc.array(element, { maxLength: 3 }),
  phoneNumbers: fc.array(element, { maxLength: 2 }),
  addresses: fc.array(address, { maxLength: 2 }),
  created: date,
  lastModified: date,
});

type UserSample = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

function toFixture(u: UserSample, i: number): FixtureUser {
  const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const user: ScimUserInput = clean({
    // Suffixed so that userNames stay unique per organization, as the index requires.
    userName: `${u.userName}#${i}`,
    externalId: u.externalId,
    title: u.title,
    displayName: u.displayName,
    userType: u.userType,
    active: u.active,
    name: u.givenName === undefined ? undefined : { givenName: u.givenName },
    emails: u.emails.length ? (u.emails.map(clean) as ScimMultiValue[]) : undefined,
    phoneNumbers: u.phoneNumbers.length ? (u.phoneNumbers.map(clean) as ScimMultiValue[]) : undefined,
    addresses: u.addresses.length ? (u.addresses.map(clean) as ScimAddress[]) : undefined,
    [ENT]:
      u.department === undefined && u.manager === undefined
        ? undefined
        : clean({ department: u.department, manager: u.manager === undefined ? undefined : { value: u.manager } }),
  });
  return { id: i + 1, organizationId: 1, user, created: u.created, lastModified: u.lastModified };
}

describe('filter properties', () => {
  it('should parse a printed filter back to the same tree, whatever the case of names and keywords', () => {
    fc.assert(
      fc.property(filterArb, styles, (node, style) => {
        expect(parseFilter(print(node, style))).toEqual(node);
      }),
      { numRuns: 500 },
    );
  });

  it('should select in SQLite exactly the users the in-memory evaluation selects', () => {
    fc.assert(
      fc.property(
        fc.array(userArb, { minLength: 1, maxLength: 8 }),
        fc.array(filterArb, { minLength: 1, maxLength: 5 }),
        (users, filters) => {
          const fixtures = users.map(toFixture);
          const db = createDatabase(fixtures);
          try {
            for (const node of filters) {
              const parsed = parseFilter(print(node, (w) => w));
              const { sql, params } = filterToSql(parsed, USER_SQL_MAPPING);
              const fromSql = db
                .prepare(`SELECT u.id FROM users u WHERE u.organization_id = 1 AND ${sql} ORDER BY u.id`)
                .pluck()
                .all(...params);
              const inMemory = fixtures.filter((f) => evaluateFilter(parsed, fixtureResource(f))).map((f) => f.id);
              expect({ filter: print(node, (w) => w), ids: fromSql }).toEqual({ filter: print(node, (w) => w), ids: inMemory });
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  const VOCABULARY = [
    'userName',
    'emails',
    'name.givenName',
    'value',
    'type',
    'active',
    'meta.created',
    'title',
    'id',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    'eq',
    'ne',
    'co',
    'sw',
    'ew',
    'gt',
    'ge',
    'lt',
    'le',
    'pr',
    'and',
    'or',
    'not',
    'AND',
    'Or',
    '(',
    ')',
    '[',
    ']',
    '].',
    '.',
    '"x"',
    '"work"',
    '"2024-01-01"',
    '"\\u12"',
    '"\\"',
    '"',
    'true',
    'null',
    'False',
    '1',
    '-1.5e3',
    '01',
    '1e',
    '-',
    '\\',
    "'",
    '$ref',
    '😀',
    ' ',
    '\t',
    '',
  ];
  const tokenSoup = fc
    .array(fc.constantFrom(...VOCABULARY), { maxLength: 25 })
    .chain((tokens) => fc.constantFrom(' ', '').map((sep) => tokens.join(sep)));

  // Valid filters with a few tokens dropped, inserted or replaced: mostly invalid, often still valid.
  const mutated = fc
    .tuple(
      filterArb,
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...VOCABULARY), fc.constantFrom('drop', 'insert', 'replace')), {
        maxLength: 3,
      }),
    )
    .map(([node, edits]) => {
      const tokens = print(node, (w) => w).split(' ');
      for (const [at, token, edit] of edits) {
        const i = at % (tokens.length + 1);
        if (edit === 'drop') tokens.splice(i, 1);
        else if (edit === 'insert') tokens.splice(i, 0, token);
        else tokens[i] = token;
      }
      return tokens.join(' ');
    });

  it('should either parse or throw ScimError invalidFilter for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), tokenSoup, mutated, fc.string({ maxLength: 60 })),
        (input) => {
          try {
            parseFilter(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ScimError);
            expect((error as ScimError).status).toBe(400);
            expect((error as ScimError).scimType).toBe('invalidFilter');
            expect((error as ScimError).detail.length).toBeGreaterThan(10);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('should translate every filter it accepts into SQL that SQLite runs', () => {
    const db = createDatabase([]);
    let accepted = 0;
    try {
      fc.assert(
        fc.property(mutated, (input) => {
          let node: FilterNode;
          try {
            node = parseFilter(input);
          } catch {
            return;
          }
          accepted++;
          const { sql, params } = filterToSql(node, USER_SQL_MAPPING);
          expect(() => db.prepare(`SELECT u.id FROM users u WHERE ${sql}`).all(...params)).not.toThrow();
        }),
        { numRuns: 2000 },
      );
    } finally {
      db.close();
    }
    // The property is only worth something if many mutated filters are still accepted.
    expect(accepted).toBeGreaterThan(200);
  });
});
