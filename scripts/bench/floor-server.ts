/**
 * The floor reference: what a server that reads the same database can do on this machine.
 * Plain node:http and better-sqlite3 prepared statements on the SQLite file the real server
 * writes (opened read-only, WAL), the same key check (format, SHA-256, a lookup by hash, expiry,
 * SCIM switched on) and the same JSON as the real server for the two reads Okta sends most:
 * `GET /Users?filter=userName eq "…"` and `GET /Users/{id}`. No framework, no validation beyond
 * that, no logging, no metrics: the figure the real server is compared with in `npm run bench`.
 *
 *   node dist/scripts/bench/floor-server.js <sqlite file> <public base URL>
 *
 * It renders the attributes the bench's users carry and the usual simple ones; the bench checks
 * that its answers equal the real server's for a seeded user before it measures anything.
 */
import Database from 'better-sqlite3';
import { createServer, ServerResponse } from 'node:http';
import { hash } from 'node:crypto';

const [file, baseUrl] = process.argv.slice(2);
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const KEY_PATTERN = /^torii_scim_[0-9A-Za-z]{49}$/;

const keyByHash = db.prepare<[string]>(
  `SELECT k.organization_id AS org, k.expires_at AS expiresAt, o.scim_enabled AS scim
     FROM api_keys k JOIN organizations o ON o.id = k.organization_id
    WHERE k.key_hash = ? AND k.type = 'scim' AND k.deleted_at IS NULL`,
);
const USER_COLUMNS = `u.id, u.user_name, u.external_id, u.name_formatted, u.name_family_name, u.name_given_name,
  u.name_middle_name, u.display_name, u.nick_name, u.title, u.preferred_language, u.locale, u.timezone, u.active,
  u.created_at, u.updated_at, u.version, (SELECT r.name FROM roles r WHERE r.id = u.role_id) AS role`;
const userById = db.prepare<[number, number]>(
  `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ? AND u.organization_id = ? AND u.deleted_at IS NULL`,
);
const userByName = db.prepare<[number, string]>(
  `SELECT ${USER_COLUMNS} FROM users u WHERE u.organization_id = ? AND u.user_name_lower = ? AND u.deleted_at IS NULL`,
);
const emailsOf = db.prepare<[number]>(
  `SELECT value, type, "primary" AS isPrimary, display FROM user_attribute_values
    WHERE user_id = ? AND attribute = 'emails' ORDER BY position`,
);
const groupsOf = db.prepare<[number]>(
  `SELECT g.id, g.display_name AS name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.id`,
);

type Row = Record<string, string | number | null>;

const iso = (stored: unknown) => `${String(stored).replace(' ', 'T')}Z`;

function render(row: Row): Record<string, unknown> {
  const user: Record<string, unknown> = { schemas: [USER_SCHEMA], id: String(row.id), userName: row.user_name };
  if (row.external_id !== null) user.externalId = row.external_id;
  const name: Record<string, unknown> = {};
  if (row.name_formatted !== null) name.formatted = row.name_formatted;
  if (row.name_family_name !== null) name.familyName = row.name_family_name;
  if (row.name_given_name !== null) name.givenName = row.name_given_name;
  if (row.name_middle_name !== null) name.middleName = row.name_middle_name;
  if (Object.keys(name).length) user.name = name;
  for (const [column, attribute] of SIMPLE) if (row[column] !== null) user[attribute] = row[column];
  user.userType = row.role;
  for (const [column, attribute] of AFTER_ROLE) if (row[column] !== null) user[attribute] = row[column];
  user.active = row.active === 1;
  const emails = emailsOf.all(Number(row.id)) as Row[];
  if (emails.length)
    user.emails = emails.map((e) => ({
      value: e.value,
      ...(e.display !== null ? { display: e.display } : {}),
      ...(e.type !== null ? { type: e.type } : {}),
      ...(e.isPrimary ? { primary: true } : {}),
    }));
  const groups = groupsOf.all(Number(row.id)) as Row[];
  if (groups.length)
    user.groups = groups.map((g) => ({
      value: String(g.id),
      $ref: `${baseUrl}/Groups/${g.id}`,
      display: g.name,
      type: 'direct',
    }));
  user.meta = {
    resourceType: 'User',
    created: iso(row.created_at),
    lastModified: iso(row.updated_at),
    location: `${baseUrl}/Users/${row.id}`,
    version: `W/"${row.version}"`,
  };
  return user;
}
const SIMPLE: Array<[string, string]> = [
  ['display_name', 'displayName'],
  ['nick_name', 'nickName'],
  ['title', 'title'],
];
const AFTER_ROLE: Array<[string, string]> = [
  ['preferred_language', 'preferredLanguage'],
  ['locale', 'locale'],
  ['timezone', 'timezone'],
];

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/scim+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const error = (status: number, detail: string) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
  status: String(status),
  detail,
});

const server = createServer((req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const key = token && KEY_PATTERN.test(token) ? (keyByHash.get(hash('sha256', token, 'hex')) as Row | undefined) : undefined;
  if (!key || (key.expiresAt !== null && Date.parse(iso(key.expiresAt)) <= Date.now()) || !key.scim)
    return send(res, 401, error(401, 'Unauthorized'));
  const url = new URL(req.url ?? '/', 'http://floor');
  const org = Number(key.org);
  const one = /^\/v1\.0\/scim\/v2\/Users\/(\d+)$/i.exec(url.pathname);
  if (one) {
    const row = userById.get(Number(one[1]), org) as Row | undefined;
    if (!row) return send(res, 404, error(404, 'No such user'));
    const user = render(row);
    res.setHeader('etag', String((user.meta as { version: string }).version));
    return send(res, 200, user);
  }
  if (/^\/v1\.0\/scim\/v2\/Users$/i.test(url.pathname)) {
    const match = /^userName eq "([^"]*)"$/.exec(url.searchParams.get('filter') ?? '');
    if (!match) return send(res, 400, error(400, 'The floor server answers userName eq filters only'));
    const row = userByName.get(org, match[1].toLowerCase()) as Row | undefined;
    const resources = row ? [render(row)] : [];
    return send(res, 200, {
      schemas: [LIST_SCHEMA],
      totalResults: resources.length,
      startIndex: 1,
      itemsPerPage: resources.length,
      Resources: resources,
    });
  }
  send(res, 404, error(404, 'Not found'));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
