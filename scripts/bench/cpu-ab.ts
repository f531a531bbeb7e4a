/**
 * Two builds of the server, compared by the CPU time each spends per request: the figure of a change
 * to the read path, steadier than req/s on a machine whose speed moves from run to run.
 *
 *   npm run build && node dist/scripts/bench/cpu-ab.js --a <checkout of the build before> --b . \
 *     --database sqlite:<a bench database (npm run bench -- --keep-database)> --key <a SCIM key of organization 1>
 *
 * `--a` and `--b` are checkouts, each built (`dist/`; a worktree can link this one's node_modules). Both
 * servers start with `start:prod`'s Node flags, pinned to core 0, on the same database; autocannon runs
 * from core 1 with 20 connections and sends `--amount` requests of a workload to one server, then to the
 * other, in turns (the order flips every round), `--rounds` times. Each server's CPU time (user and
 * system, from /proc) over its requests gives µs per request; the report shows the median and every
 * round (read 1.5 s after the last answer, so that work done after the answers, such as batched
 * writes, counts). Workloads: `get` (GET /Users/{id}), `filter` (`userName eq`) and `patch` (Okta's
 * deactivation), over the organization's first 5,000 users, `post` (Okta's create: the database
 * grows), and `page` (its first page of 100; give it a smaller `--amount`). Two workloads change
 * users, each request a user no request changed before (the servers take them in turns from the
 * organization's live users, so the database must hold enough: warm-up and rounds, both servers):
 * `deactivate` (PATCH `active: false`) and `delete` (DELETE /Users/{id}). A SCIM key: `npm run cli -- keys:create --org 1 --type scim` on the bench database.
 *
 * MySQL/MariaDB: `--database mysql://…` (a database `npm run bench -- --keep-database` kept) and
 * `--db-pid <pid of mariadbd>`: the database server's CPU time per request is reported too, and the sum,
 * since a change can move work from one to the other (a round trip saved, a statement added). Give the
 * bench a database server of its own (docs/performance.md says how), so that no other client's queries count.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CLOCK_TICKS, cpuTicks, productionNodeFlags } from './server-process';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    database: { type: 'string' },
    key: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    amount: { type: 'string', default: '30000' },
    workloads: { type: 'string', default: 'get,filter' },
    // MySQL/MariaDB: the database server's process id, for its CPU time per request too (give the bench a
    // server of its own, so that nothing else's queries count).
    'db-pid': { type: 'string' },
  },
});
if (!args.a || !args.b || !/^(sqlite|mysql):/.test(args.database ?? '') || !args.key) {
  process.stderr.write(
    'Usage: cpu-ab --a <checkout> --b <checkout> --database sqlite:<file>|mysql://<url> [--db-pid <pid>] --key <SCIM key>\n',
  );
  process.exit(2);
}
const DATABASE = args.database!;
const KEY = args.key;
const ROUNDS = Number(args.rounds);
const AMOUNT = Number(args.amount);
const WORKLOADS = args.workloads.split(',');
const DB_PID = args['db-pid'] ? Number(args['db-pid']) : undefined;

interface Server {
  /** A or B, then the checkout: the same checkout twice is a measure of the noise. */
  name: string;
  root: string;
  port: number;
  process: ChildProcess;
}

const USERS_SQL =
  'SELECT id, user_name AS userName FROM users WHERE organization_id = 1 AND deleted_at IS NULL ORDER BY id LIMIT 5000';
/** Active users for the workloads that change one each, the first 5,000 (the reads') left out. */
const spareSql = (all: string) =>
  `SELECT id FROM users WHERE organization_id = 1 AND deleted_at IS NULL AND active = 1 ORDER BY id LIMIT ${all} OFFSET 5000`;

let users: Array<{ id: number; userName: string }> = [];
let spare: number[] = [];
let nextSpare = 0;

/** The users the workloads go through, read from the database before the servers start. */
async function readUsers(): Promise<void> {
  if (DATABASE.startsWith('sqlite:')) {
    const db = new Database(DATABASE.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    users = db.prepare(USERS_SQL).all() as typeof users;
    spare = (db.prepare(spareSql('-1')).all() as Array<{ id: number }>).map((row) => row.id);
    db.close();
    return;
  }
  const connection = await createConnection(DATABASE);
  users = ((await connection.query(USERS_SQL))[0] as Array<{ id: number; userName: string }>).map((u) => ({
    ...u,
    id: Number(u.id),
  }));
  spare = ((await connection.query(spareSql('18446744073709551615')))[0] as Array<{ id: number }>).map((row) => Number(row.id));
  await connection.end();
}

/** Starts a checkout's server and waits until it answers a SCIM read; `started` gets it at once, to be stopped whatever happens. */
async function start(name: string, root: string, port: number, started: Server[]): Promise<Server> {
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      ...productionNodeFlags(),
      // CPU_AB_PROFILE_DIR: each server writes its V8 CPU profile there when it stops (warm-up included).
      ...(process.env.CPU_AB_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_AB_PROFILE_DIR}`] : []),
      join(root, 'dist/apps/server/src/main.js'),
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: DATABASE,
        SCIM_RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
        SCHEDULER_ENABLED: 'false',
        MAIL_OUTBOX_DIR: join(tmpdir(), 'torii-cpu-ab-outbox'),
        HOST: '127.0.0.1',
        PORT: String(port),
        APP_URL: `http://127.0.0.1:${port}`,
      },
      // Its log (warnings and errors only) shows why a server did not start.
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const server = { name: `${name} ${root}`, root, port, process: child };
  started.push(server);
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`${root}: the server exited (code ${child.exitCode}) before it answered`);
    await new Promise((done) => setTimeout(done, 200));
    const status = await fetch(`http://127.0.0.1:${port}/v1.0/scim/v2/Users/${users[0].id}`, {
      headers: { authorization: `Bearer ${KEY}` },
    }).then(
      (response) => response.status,
      (error: Error) => {
        // Not listening yet; any other failure (a malformed --key, say) is not worth waiting for.
        if ((error.cause as { code?: string } | undefined)?.code === 'ECONNREFUSED') return 0;
        throw new Error(`${root}: ${error.message} (${String(error.cause)})`);
      },
    );
    if (status === 200) return server;
    if (status !== 0) throw new Error(`${root}: GET /Users/{id} answered ${status} (is --key a SCIM key of organization 1?)`);
  }
  throw new Error(`${root}: the server did not start`);
}

/** Distinct userNames of the users `post` creates, across rounds and servers. */
let created = 0;
const RUN = Date.now().toString(36);

function load(port: number, workload: string): Promise<autocannon.Result> {
  let i = 0;
  const paths: Record<string, () => string> = {
    get: () => `/v1.0/scim/v2/Users/${users[i++ % users.length].id}`,
    filter: () => `/v1.0/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${users[i++ % users.length].userName}"`)}`,
    page: () => '/v1.0/scim/v2/Users?startIndex=1&count=100',
    // Not the first user: the organization's Admin, whose deactivation is refused (the last active Admin).
    patch: () => `/v1.0/scim/v2/Users/${users[1 + (i++ % (users.length - 1))].id}`,
    post: () => '/v1.0/scim/v2/Users',
  };
  const bodies: Partial<Record<string, () => string>> = {
    // Okta's deactivation, as the bench's patch (the first round deactivates, the others change nothing).
    patch: () => JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }),
    // Okta's create, password included, as the bench's post.
    post: () => {
      const userName = `ab${RUN}-${++created}@bench.test`;
      return JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        name: { givenName: `ab${created}`, familyName: 'Bench' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        displayName: `ab${created} Bench`,
        locale: 'en-US',
        externalId: `ext-ab${RUN}-${created}`,
        groups: [],
        password: 'Sup3rSecret!',
        active: true,
      });
    },
  };
  const changes: Record<string, { method: 'PATCH' | 'DELETE'; body?: string }> = {
    deactivate: { method: 'PATCH', body: JSON.stringify({ Operations: [{ op: 'replace', value: { active: false } }] }) },
    delete: { method: 'DELETE' },
  };
  const change = changes[workload];
  if (change) {
    if (nextSpare + AMOUNT > spare.length)
      throw new Error(`${workload}: the database has too few active users left (${spare.length - nextSpare}) for ${AMOUNT} more`);
    const ids = spare.slice(nextSpare, (nextSpare += AMOUNT));
    let j = 0;
    return autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 20,
      amount: AMOUNT,
      headers: { authorization: `Bearer ${KEY}`, ...(change.body ? { 'content-type': 'application/scim+json' } : {}) },
      requests: [
        {
          method: change.method,
          body: change.body,
          setupRequest: (request) => ({ ...request, path: `/v1.0/scim/v2/Users/${ids[j++]}` }),
        },
      ],
    });
  }
  const path = paths[workload];
  if (!path) throw new Error(`Unknown workload ${workload}: get, filter, page, patch, post, deactivate or delete`);
  const method = workload === 'patch' ? 'PATCH' : workload === 'post' ? 'POST' : 'GET';
  const body = bodies[workload];
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 20,
    amount: AMOUNT,
    headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    requests: [{ method, setupRequest: (request) => ({ ...request, path: path(), ...(body ? { body: body() } : {}) }) }],
  });
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** After a server's requests, before its CPU time is read: work it does once the answers are out (batched writes) is its too. */
const SETTLE_MS = 1500;

const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];

async function main(): Promise<void> {
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  await readUsers();
  const servers: Server[] = [];
  try {
    await start('A', resolve(args.a!), 4801, servers);
    await start('B', resolve(args.b!), 4802, servers);
    for (const server of servers) for (const workload of WORKLOADS) await load(server.port, workload); // warm-up
    const perRequest = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const workload of WORKLOADS) {
        for (const server of round % 2 ? [...servers].reverse() : servers) {
          const before = cpuTicks(server.process.pid!);
          const dbBefore = DB_PID ? cpuTicks(DB_PID) : 0;
          const result = await load(server.port, workload);
          await new Promise((done) => setTimeout(done, SETTLE_MS));
          if (result.non2xx || result.errors)
            throw new Error(`${server.root} ${workload}: ${result.non2xx + result.errors} failed requests`);
          const perRequestUs = (ticks: number) => (ticks * (1_000_000 / CLOCK_TICKS)) / result.requests.total;
          const add = (key: string, value: number) => perRequest.set(key, [...(perRequest.get(key) ?? []), value]);
          const server_ = perRequestUs(cpuTicks(server.process.pid!) - before);
          add(`${workload}\t${server.name}`, server_);
          if (DB_PID) {
            const database = perRequestUs(cpuTicks(DB_PID) - dbBefore);
            add(`${workload}\t${server.name} (database)`, database);
            add(`${workload}\t${server.name} (server + database)`, server_ + database);
          }
        }
      }
    }
    process.stdout.write('workload\tserver\tCPU µs per request (median)\trounds\n');
    for (const [key, rounds] of perRequest) {
      process.stdout.write(`${key}\t${median(rounds).toFixed(1)}\t${rounds.map((r) => r.toFixed(0)).join(' ')}\n`);
    }
    // The machine's speed drifts over minutes: B against A of the same round is steadier than either median.
    for (const workload of WORKLOADS) {
      for (const part of DB_PID ? ['', ' (database)', ' (server + database)'] : ['']) {
        const a = perRequest.get(`${workload}\t${servers[0].name}${part}`)!;
        const b = perRequest.get(`${workload}\t${servers[1].name}${part}`)!;
        const ratios = a.map((x, round) => b[round] / x);
        const change = (median(ratios) - 1) * 100;
        process.stdout.write(
          `${workload}${part}: B uses ${change >= 0 ? '+' : ''}${change.toFixed(1)}% CPU per request against A (median of the rounds' B/A: ${ratios.map((r) => r.toFixed(2)).join(' ')})\n`,
        );
      }
    }
  } finally {
    for (const server of servers) server.process.kill();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
