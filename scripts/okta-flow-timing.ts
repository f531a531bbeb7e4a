/**
 * How long Okta's provisioning flow takes against an organization that
 * already has 100,000 users, on the engine DATABASE_URL names.
 *
 *   npm run bench:okta-flow
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/torii_timing npm run bench:okta-flow
 *   npm run bench:okta-flow -- --users 100000 --rounds 20
 *
 * A fresh database (a temporary SQLite file, or a new MySQL/MariaDB database
 * next to the one in DATABASE_URL, dropped afterwards) is migrated and given
 * an organization with the CLI, seeded with bulk INSERTs (users with a work
 * email each), then the built server is started as a user runs it
 * (NODE_ENV=production, rate limit off) and Okta's requests are sent over
 * real HTTP, one flow per round with a new user. Prints each step's time for
 * the first (cold) flow and the median and p95 over the rounds, and the
 * query plans of the existence checks.
 */
import 'reflect-metadata';
import { filterToSql, parseFilter } from '@app/scim-protocol';
import Database from 'better-sqlite3';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { SqlMapping } from '@app/scim-protocol';
import { DataSource } from 'typeorm';
import { Organization } from '../apps/server/src/organizations/organization.entity';
import { Role } from '../apps/server/src/users/role.entity';
import { UserAttributeValue } from '../apps/server/src/users/user-attribute-value.entity';
import { scopedToOrganization, userSqlMapping } from '../apps/server/src/users/user-storage.mapping';
import { User } from '../apps/server/src/users/user.entity';

const ROOT = resolve(__dirname, '..');
const SERVER = join(ROOT, 'dist/apps/server/src/main.js');
const CLI = join(ROOT, 'dist/apps/server/src/cli/main.js');
const SCIM = '/v1.0/scim/v2';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const USERS = Number(args.users);
const ROUNDS = Number(args.rounds);

interface Db {
  url: string;
  engine: 'sqlite' | 'mysql';
  /** Runs a statement with `?` parameters; returns the rows of a SELECT/EXPLAIN. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Inserts many rows of one table, in batches. */
  insertMany(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  close(): Promise<void>;
  drop(): Promise<void>;
}

async function openDatabase(): Promise<Db> {
  const base = process.env.DATABASE_URL ?? '';
  if (!/^(mysql|mariadb):\/\//.test(base)) {
    const dir = mkdtempSync(join(tmpdir(), 'torii-timing-'));
    const file = join(dir, 'timing.sqlite');
    let sqlite: Database.Database | undefined;
    const open = () => (sqlite ??= new Database(file));
    return {
      url: `sqlite:${file}`,
      engine: 'sqlite',
      query: async (sql, params = []) => {
        const statement = open().prepare(sql);
        if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
        statement.run(...params);
        return [];
      },
      insertMany: async (table, columns, rows) => {
        const db = open();
        const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        db.transaction((all: unknown[][]) => all.forEach((row) => insert.run(...row)))(rows);
      },
      close: async () => {
        sqlite?.close();
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = new URL(base.replace(/^mariadb:/, 'mysql:'));
  const name = `${url.pathname.slice(1) || 'torii'}_${randomBytes(3).toString('hex')}`;
  const admin = new URL(url);
  admin.pathname = '/';
  const server = await createConnection(admin.toString());
  await server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  url.pathname = `/${name}`;
  const connection = await createConnection({ uri: url.toString(), multipleStatements: false });
  return {
    url: url.toString(),
    engine: 'mysql',
    query: async (sql, params = []) => {
      const [rows] = await connection.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    insertMany: async (table, columns, rows) => {
      for (let i = 0; i < rows.length; i += 2000) {
        await connection.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [rows.slice(i, i + 2000)]);
      }
    },
    close: async () => connection.end(),
    drop: async () => {
      await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await server.end();
    },
  };
}

function cli(db: Db, ...command: string[]): string {
  return execFileSync(process.execPath, [CLI, ...command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
}

async function seed(db: Db, organizationId: number): Promise<void> {
  const [role] = await db.query("SELECT id FROM roles WHERE organization_id = ? AND name_lower = 'employee'", [organizationId]);
  const now = db.engine === 'sqlite' ? '2026-01-01 00:00:00.000' : new Date('2026-01-01T00:00:00Z');
  const columns = [
    'organization_id',
    'user_name',
    'user_name_lower',
    'external_id',
    'role_id',
    'active',
    'name_given_name',
    'name_family_name',
    'display_name',
    'created_at',
    'updated_at',
    'version',
  ];
  const batch = 10_000;
  for (let start = 0; start < USERS; start += batch) {
    const rows: unknown[][] = [];
    for (let i = start; i < Math.min(start + batch, USERS); i++) {
      const userName = `Person.${i}@Example.com`;
      rows.push([
        organizationId,
        userName,
        userName.toLowerCase(),
        `00u${i}`,
        role.id,
        i % 10 === 0 ? 0 : 1,
        'Person',
        `N${i}`,
        `Person N${i}`,
        now,
        now,
        1,
      ]);
    }
    await db.insertMany('users', columns, rows);
  }
  // One work email per user, as Okta and Entra send them.
  await db.query(
    'INSERT INTO user_attribute_values (user_id, organization_id, attribute, position, value, value_lower, type, `primary`) ' +
      "SELECT id, organization_id, 'emails', 0, user_name, user_name_lower, 'work', 1 FROM users WHERE organization_id = ?",
    [organizationId],
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function startServer(db: Db): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      BOOTSTRAP_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      SCIM_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('the server did not start');
}

async function call(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

type Step = [name: string, run: () => Promise<{ status: number; json: any }>, expected: number];

/** Okta's requests for one user, in order (the Torii app's Test Connection, then the provisioning flow). */
function oktaFlow(base: string, key: string, n: number): Step[] {
  const userName = `Okta.Timing.${n}@Example.com`;
  const existence = () =>
    call(base, key, 'GET', `${SCIM}/Users?filter=userName+eq+%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`);
  let id = '';
  let read: any;
  const body = {
    schemas: [CORE],
    userName,
    name: { givenName: 'Okta', familyName: `Timing ${n}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Okta Timing ${n}`,
    locale: 'en-US',
    externalId: `00utiming${n}`,
    groups: [],
    password: 'Not-Stored-1',
    active: true,
  };
  return [
    ['Test Connection  GET /Users?startIndex=1&count=2', () => call(base, key, 'GET', `${SCIM}/Users?startIndex=1&count=2`), 200],
    ['existence check (not found)', existence, 200],
    [
      'create           POST /Users',
      async () => {
        const r = await call(base, key, 'POST', `${SCIM}/Users`, body);
        id = r.json.id;
        return r;
      },
      201,
    ],
    ['duplicate        POST /Users (409)', () => call(base, key, 'POST', `${SCIM}/Users`, body), 409],
    [
      'read             GET /Users/{id}',
      async () => {
        const r = await call(base, key, 'GET', `${SCIM}/Users/${id}`);
        read = r.json;
        return r;
      },
      200,
    ],
    [
      'update           PUT /Users/{id}',
      () => call(base, key, 'PUT', `${SCIM}/Users/${id}`, { ...read, title: 'Timed', groups: [] }),
      200,
    ],
    [
      'deactivate       PATCH active=false',
      () =>
        call(base, key, 'PATCH', `${SCIM}/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: false } }],
        }),
      200,
    ],
    ['existence check (finds deactivated)', existence, 200],
    [
      'reactivate       PATCH active=true',
      () =>
        call(base, key, 'PATCH', `${SCIM}/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: true } }],
        }),
      200,
    ],
  ];
}

/** Other lookups against the 100,000 users: an existing user by userName, Entra's work email and externalId, a deep page. */
function lookups(base: string, key: string, n: number): Step[] {
  const i = (n * 7919) % USERS;
  const q = (filter: string) => `${SCIM}/Users?filter=${encodeURIComponent(filter)}&startIndex=1&count=100`;
  return [
    ['userName eq (an existing user)', () => call(base, key, 'GET', q(`userName eq "person.${i}@example.com"`)), 200],
    [
      'emails[type eq "work"].value eq',
      () => call(base, key, 'GET', q(`emails[type eq "work"].value eq "Person.${i}@example.com"`)),
      200,
    ],
    ['externalId eq', () => call(base, key, 'GET', q(`externalId eq "00u${i}"`)), 200],
    [
      'import page       startIndex=99901&count=100',
      () => call(base, key, 'GET', `${SCIM}/Users?startIndex=${USERS - 99}&count=100`),
      200,
    ],
  ];
}

async function timeSteps(steps: Step[], into: Map<string, number[]>): Promise<void> {
  for (const [name, run, expected] of steps) {
    const started = performance.now();
    const { status, json } = await run();
    const ms = performance.now() - started;
    if (status !== expected) throw new Error(`${name}: expected ${expected}, got ${status} ${JSON.stringify(json)}`);
    if (name.startsWith('existence check (finds') && json.totalResults !== 1) throw new Error(`${name}: not found`);
    into.set(name, [...(into.get(name) ?? []), ms]);
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = (ms: number) => ms.toFixed(1).padStart(8);

function printTable(title: string, times: Map<string, number[]>): void {
  console.log(`\n${title}`);
  console.log(`${'step'.padEnd(46)} ${'first'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)}   (ms)`);
  let first = 0;
  let median = 0;
  for (const [name, values] of times) {
    first += values[0];
    median += quantile(values.slice(1), 0.5);
    console.log(
      `${name.padEnd(46)} ${fmt(values[0])} ${fmt(quantile(values.slice(1), 0.5))} ${fmt(quantile(values.slice(1), 0.95))}`,
    );
  }
  console.log(`${'total'.padEnd(46)} ${fmt(first)} ${fmt(median)}`);
}

/** The users' SQL mapping for this database, from the entities, as UsersRepository builds it. */
async function userMapping(db: Db): Promise<SqlMapping> {
  const config = loadConfig({ DATABASE_URL: db.url }).database;
  const dataSource = new DataSource(await dataSourceOptions(config, [Organization, Role, User, UserAttributeValue]));
  await dataSource.initialize();
  try {
    return userSqlMapping(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** The SQL GET /Users runs for a filter (as UsersRepository.search builds it), with its plan. */
async function explain(db: Db, organizationId: number, filter: string): Promise<void> {
  const where = filterToSql(parseFilter(filter), scopedToOrganization(await userMapping(db), organizationId));
  const from = `FROM users u WHERE u.organization_id = ? AND u.deleted_at IS NULL AND (${where.sql})`;
  const params = [organizationId, ...where.params];
  for (const sql of [`SELECT COUNT(*) AS total ${from}`, `SELECT u.id AS id ${from} ORDER BY u.id ASC LIMIT 100 OFFSET 0`]) {
    console.log(`\n${sql}\n  -- ${JSON.stringify(params)}`);
    const plan = await db.query(db.engine === 'sqlite' ? `EXPLAIN QUERY PLAN ${sql}` : `EXPLAIN ${sql}`, params);
    if (db.engine === 'sqlite') for (const row of plan) console.log(`  ${row.detail}`);
    else {
      console.log(`  ${['id', 'select_type', 'table', 'type', 'key', 'key_len', 'ref', 'rows', 'Extra'].join(' | ')}`);
      for (const row of plan) {
        console.log(
          `  ${[row.id, row.select_type, row.table, row.type, row.key, row.key_len, row.ref, row.rows, row.Extra].join(' | ')}`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const db = await openDatabase();
  let server: ChildProcess | undefined;
  try {
    console.log(`engine: ${db.engine}, users: ${USERS.toLocaleString('en')}, rounds: ${ROUNDS}`);
    cli(db, 'db:migrate');
    const org = JSON.parse(cli(db, 'org:create', '--name', 'Timing', '--admin-email', 'admin@timing.test', '--json'));
    const organizationId = Number(org.organizationId);
    let started = performance.now();
    await seed(db, organizationId);
    const [{ n }] = await db.query('SELECT COUNT(*) AS n FROM users WHERE organization_id = ?', [organizationId]);
    console.log(
      `seeded ${Number(n).toLocaleString('en')} users (with a work email each) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    started = performance.now();
    const running = await startServer(db);
    server = running.child;
    console.log(`server ready in ${(performance.now() - started).toFixed(0)} ms`);
    const admin = (method: string, path: string, body?: unknown): Promise<any> =>
      fetch(running.url + path, {
        method,
        headers: { authorization: `Bearer ${org.apiKey.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    await admin('PATCH', '/v1.0/settings/security', { scimEnabled: true });
    const { key } = await admin('POST', '/v1.0/settings/api-keys', { type: 'scim', description: 'Okta timing' });

    const flow = new Map<string, number[]>();
    const other = new Map<string, number[]>();
    const wall: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const t0 = performance.now();
      await timeSteps(oktaFlow(running.url, key, round), flow);
      wall.push(performance.now() - t0);
      await timeSteps(lookups(running.url, key, round), other);
    }
    printTable(
      `Okta flow against ${USERS.toLocaleString('en')} users (${db.engine}); first = cold server, then ${ROUNDS} rounds`,
      flow,
    );
    console.log(`whole flow, wall clock: first ${wall[0].toFixed(1)} ms, median ${quantile(wall.slice(1), 0.5).toFixed(1)} ms`);
    printTable('Other lookups against the same users', other);

    console.log('\nQuery plans (the statements GET /Users runs for a filter):');
    await explain(db, organizationId, 'userName eq "person.4242@example.com"');
    await explain(db, organizationId, 'emails[type eq "work"].value eq "Person.4242@example.com"');
  } finally {
    server?.kill('SIGTERM');
    if (server) await new Promise((r) => server!.once('exit', r));
    await db.close();
    if (!args.keep) await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
