import Database from 'better-sqlite3';
import { evaluateFilter } from './filter.evaluate';
import { parseFilter } from './filter.parser';
import { filterToSql, SqlMapping, sortToSql } from './filter.sql';
import { parseListQuery } from './list-query';

/** `primary` stored NOT NULL (0/1) and rendered only when true, as the app stores it. */
const mapping: SqlMapping = {
  id: 'u.id',
  columns: {},
  multiValued: {
    table: 'vals',
    alias: 'v',
    correlation: { user_id: 'u.id' },
    discriminator: 'attribute',
    attributes: { emails: 'emails' },
    subAttributes: { value: 'value', type: 'type', primary: { column: '`primary`', falseIsAbsent: true } },
    primaryColumn: '`primary`',
    positionColumn: 'position',
  },
};

// user 1: a primary work email and a home one; user 2: one email, not primary; user 3: none.
const ROWS: Array<[number, number, string, string, 0 | 1]> = [
  [1, 0, 'a@work', 'work', 1],
  [1, 1, 'a@home', 'home', 0],
  [2, 0, 'b@home', 'home', 0],
];
const RESOURCES = [1, 2, 3].map((id) => ({
  id: String(id),
  emails: ROWS.filter((r) => r[0] === id).map(([, , value, type, primary]) => ({
    value,
    type,
    ...(primary ? { primary: true } : {}),
  })),
}));

let db: Database.Database;
beforeAll(() => {
  db = new Database(':memory:');
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users (id) VALUES (1), (2), (3);');
  db.exec(
    'CREATE TABLE vals (user_id INTEGER, position INTEGER, attribute TEXT, value TEXT, type TEXT, `primary` INTEGER NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO vals VALUES (?, ?, ?, ?, ?, ?)');
  for (const [user, position, value, type, primary] of ROWS) insert.run(user, position, 'emails', value, type, primary);
});
afterAll(() => db.close());

describe('filterToSql with a boolean whose false means absent', () => {
  it.each([
    'emails.primary eq false',
    'emails.primary eq true',
    'emails.primary ne false',
    'emails.primary ne true',
    'emails.primary pr',
    'not (emails.primary pr)',
    'emails[type eq "home" and primary eq false]',
    'emails[not (primary eq true)]',
    'emails[primary pr]',
    'emails.primary eq null',
  ])('should agree with the rendered resources for %s', (filter) => {
    const node = parseFilter(filter);
    const { sql, params } = filterToSql(node, mapping);
    const ids = db
      .prepare(`SELECT u.id FROM users u WHERE ${sql} ORDER BY u.id`)
      .pluck()
      .all(...params) as number[];
    expect(ids.map(String)).toEqual(RESOURCES.filter((r) => evaluateFilter(node, r)).map((r) => r.id));
  });

  it('should sort by it with absent values last', () => {
    const query = parseListQuery({ sortBy: 'emails.primary', sortOrder: 'descending' });
    const order = sortToSql(query.sortBy, query.sortOrder, mapping);
    const ids = db
      .prepare(`SELECT u.id FROM users u ORDER BY ${order.sql}`)
      .pluck()
      .all(...order.params) as number[];
    // Descending puts absent values first, then true.
    expect(ids).toEqual([2, 3, 1]);
  });
});
