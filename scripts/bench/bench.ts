/**
 * npm run bench — the SCIM server under load, as a user runs it.
 *
 * Starts the production build (NODE_ENV=production, one process, pinned to
 * core 0) on a fresh database (SQLite by default, MySQL/MariaDB when
 * DATABASE_URL says so), seeds users through the SCIM API, then drives each
 * workload with autocannon from core 1 and prints req/s, latency, errors,
 * server CPU and peak RSS. A bare node:http server runs the same workloads in
 * the same run, so figures from noisy machines stay comparable as ratios.
 *
 *   npm run bench                              # 10,000 users, SQLite
 *   npm run bench -- --users 100000
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/bench npm run bench
 *   npm run bench -- --duration 5 --connections 20 --workloads filter,get
 *   npm run bench -- --warmup 0                # measure each server from its first request (2 s of warm-up by default)
 *   npm run bench -- --workloads get --cpu-prof   # + the server's CPU profile in bench-results/profiles
 *   npm run bench -- --workloads isolation         # another organization's p99 while one sends the costliest filters
 *   npm run bench -- --workloads groups            # group lookup, one-member PATCHes on a 10,000- and a 10-member group
 *   npm run bench -- --workloads audit-export      # 100,000 audit events streamed as NDJSON: the server's peak RSS
 *   npm run bench -- --users 20000 --workloads main-thread  # the largest legal requests: how long each holds the event loop
 *   BENCH_PROBES=export npm run bench -- --users 20000 --workloads main-thread   # only the requests whose name matches
 *   npm run bench -- --workloads deep-page,import  # random pages in the last tenth; every page walked, as Okta and Entra import
 *   npm run bench -- --users 30000 --workloads deactivate,delete   # deprovisioning: real deactivations, then deletes (last: it deletes)
 *   npm run bench -- --users 1000000 --keep-database, then --database <the URL it printed>: reuse a seeded database
 *
 * Across tenants (tenants.ts, tenant-jobs.ts; issue 31):
 *
 *   npm run bench -- --orgs 10000 --users-per-org 100 --keep-database     # 1,000,000 users in 10,000 organizations
 *   npm run bench -- --orgs 200 --users-per-org 20 --workloads tenants-get,tenants-rss,startup,jobs
 *   BENCH_JOBS=scim-health npm run bench -- --orgs 1000 --workloads jobs        # only the jobs whose name matches
 *
 * seeds N organizations (org:create's service, one process), turns SCIM on and makes a SCIM key in each
 * through its admin API, then M users and 3 groups each through SCIM, and runs: tenants-filter, -get,
 * -page, -patch, -post, -group-patch, each on one organization and then on a random organization per
 * request (the ratio is the figure); tenants-rss, a fresh server's peak RSS after a pass that uses every
 * organization; startup, spawn to ready with the N organizations and with an empty database; jobs,
 * each scheduled job over the N organizations, with nothing due and with 1% of them due (its run times
 * from the server's torii_job_* metrics), and another organization's GET p99 while it runs. The keys and ids are kept in a side file next to the database,
 * so that --database reuses it. The single-organization workloads (filter, get, …) still run on
 * organization 1 when named in --workloads.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lookupAttribute, parseFilter } from '@app/scim-protocol';
import {
  BARE,
  CLI,
  CLOCK_TICKS,
  cpuTicks,
  freePort,
  freshDatabase,
  hasTaskset,
  productionNodeFlags,
  removeDatabase,
  SERVER,
  startProcess as startAnyProcess,
} from './server-process';
import { JobsResult, printJobs, tenantJobs } from './tenant-jobs';
import {
  BenchContext,
  printTenantTable,
  removeSideFile,
  startup as startupTimes,
  Startup,
  TENANT_DEFAULT,
  TENANT_MEASURES,
  TENANT_WORKLOADS,
  Measurement,
  TenantResult,
  Tenants,
  TenantSeeding,
  tenantsOf,
  tenantsRss,
  TenantsRss,
  tenantWorkload,
} from './tenants';
import { DEFAULT_SEARCH_MAX_ROWS, searchCost } from '../../apps/server/src/users/search-cost';

const ROOT = resolve(__dirname, '../../..');
const FLOOR = join(ROOT, 'dist/scripts/bench/floor-server.js');
const PROFILE_DIR = join(ROOT, 'bench-results/profiles');
const KEY_FILE = join(mkdtempSync(join(tmpdir(), 'torii-bench-key-')), 'first-run-key.txt');

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '10' },
    // Seconds of the same workload sent to each server, unmeasured, before it is measured (JIT compilation).
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '20' },
    // Reads first, so that they measure the organization as seeded (POST and okta-sync add users).
    // With --orgs: the tenants workloads and measures (TENANT_DEFAULT).
    workloads: { type: 'string' },
    // Organizations to seed (and the users of each) for the tenants workloads; 0: none.
    orgs: { type: 'string', default: '0' },
    'users-per-org': { type: 'string', default: '100' },
    'seed-connections': { type: 'string', default: '20' },
    // Connections of the isolation workload's attacker: more than MySQL's pool (DATABASE_POOL_SIZE, 10) by default.
    attackers: { type: 'string', default: '16' },
    // Writes the server's V8 CPU profile (open it in Chrome DevTools) to bench-results/profiles.
    'cpu-prof': { type: 'boolean', default: false },
    // Keeps the seeded database (SQLite file or MySQL database) for inspection instead of removing it.
    'keep-database': { type: 'boolean', default: false },
    // A database a previous run kept (--keep-database): seeding is skipped when it holds the users already; it is kept.
    database: { type: 'string' },
  },
});
const USERS = Number(args.users);
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const ORGS = Number(args.orgs);
const USERS_PER_ORG = Number(args['users-per-org']);
const PINNED = cpus().length >= 2 && hasTaskset();

interface Target {
  url: string;
  key?: string;
  pid: number;
}

/** The workloads the floor server (scripts/bench/floor-server.ts) answers. */
const FLOOR_WORKLOADS = new Set(['filter', 'get']);

async function main(): Promise<void> {
  if (PINNED) execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const reused = args.database;
  const databaseUrl = reused ?? (await freshDatabase(process.env.DATABASE_URL, 'bench'));
  const engine = databaseUrl.startsWith('sqlite') ? 'SQLite' : 'MySQL/MariaDB';
  const names = String(args.workloads ?? (ORGS > 0 ? TENANT_DEFAULT : 'filter,get,page,patch,post,okta-sync'))
    .split(',')
    .flatMap((name) => (name === 'groups' ? GROUP_WORKLOADS : [name]));
  const tenantNames = [...TENANT_WORKLOADS, ...TENANT_MEASURES];
  if (!ORGS && names.some((name) => tenantNames.includes(name)))
    throw new Error(`The workloads ${tenantNames.join(', ')} need --orgs (and --users-per-org).`);
  // Organization 1 (the first-run organization) is seeded with --users only for the single-organization workloads.
  const single = names.some((name) => !tenantNames.includes(name));
  log(
    `Engine: ${engine}; users: ${single ? USERS : 0}${ORGS ? `; ${ORGS} organizations of ${USERS_PER_ORG} users` : ''}; ${CONNECTIONS} connections; ${DURATION} s per workload; server ${PINNED ? 'pinned to core 0, load generator on core 1' : 'not pinned (taskset or a second core missing)'}`,
  );
  log('Rate limiting is off for the run (SCIM_RATE_LIMIT_PER_MINUTE=0); request logging off (LOG_LEVEL=warn).');
  if (WARMUP > 0) log(`Each server gets ${WARMUP} s of a workload, unmeasured, before it is measured (--warmup).`);

  const bare = await startProcess(BARE, ['0'], {}, /listening (\d+)/);
  const server = await startProcess(SERVER, [], serverEnv(databaseUrl, await freePort()));
  let floor: Awaited<ReturnType<typeof startProcess>> | undefined;
  let emptyDatabase: string | undefined;
  try {
    const firstRun = reused ? operatorApiKey(databaseUrl) : readFileSync(KEY_FILE, 'utf8');
    const target: Target = { url: server.url, pid: server.child.pid!, key: await scimKey(server.url, firstRun) };
    const bareTarget: Target = { url: bare.url, pid: bare.child.pid! };

    // Timed from the first request to the last response: autocannon itself reports the end of an
    // `amount` run on its next one-second tick, which would round every seeding time up to whole seconds.
    const present = single ? await userCount(target) : 0;
    let seedRate = NaN;
    if (!single) {
      log('Organization 1 is not seeded: no single-organization workload.');
    } else if (present >= USERS) {
      log(`The database holds ${present} users already: no seeding.`);
    } else {
      const seedStarted = process.hrtime.bigint();
      let lastResponse = seedStarted;
      const seed = await run(
        target,
        seedWorkload(USERS, () => (lastResponse = process.hrtime.bigint())),
        {
          amount: USERS,
          connections: Number(args['seed-connections']),
        },
      );
      const seedSeconds = Number(lastResponse - seedStarted) / 1e9;
      if (seed.errors) throw new Error(`Seeding failed: ${seed.errors} errors`);
      seedRate = USERS / seedSeconds;
      log(`Seeded ${USERS} users through POST /Users in ${seedSeconds.toFixed(1)} s (${Math.round(seedRate)} users/s)`);
    }
    const idRange = single ? await idBounds(target) : { min: 0, max: 0 };
    const context = benchContext(databaseUrl);
    let tenants: Tenants | undefined;
    let tenantSeeding: TenantSeeding | undefined;
    if (ORGS > 0) {
      log(`Tenants: ${ORGS} organizations of ${USERS_PER_ORG} users`);
      ({ tenants, seeding: tenantSeeding } = await tenantsOf(context, target, ORGS, USERS_PER_ORG));
    }
    let floorTarget: Target | undefined;
    if (single && databaseUrl.startsWith('sqlite:')) {
      floor = await startProcess(
        FLOOR,
        [databaseUrl.slice('sqlite:'.length), `${server.url}/v1.0/scim/v2`],
        {},
        /listening (\d+)/,
      );
      floorTarget = { url: floor.url, pid: floor.child.pid!, key: target.key };
      await sameAnswers(target, floorTarget, idRange);
    }

    const results: Array<{ server: Measurement; bare: Measurement; floor?: Measurement }> = [];
    let isolationResult: Isolation | undefined;
    let exportResult: AuditExport[] | undefined;
    let importResult: ImportWalk | undefined;
    let mainThreadResult: MainThread | undefined;
    const tenantResults: TenantResult[] = [];
    let rssResult: TenantsRss | undefined;
    let startupResult: Startup | undefined;
    let jobsResult: JobsResult | undefined;
    for (const name of names) {
      if (TENANT_WORKLOADS.includes(name)) {
        tenantResults.push(await tenantWorkload(context, target, tenants!, name));
        continue;
      }
      if (name === 'tenants-rss') {
        rssResult = await tenantsRss(context, tenants!);
        continue;
      }
      if (name === 'startup') {
        emptyDatabase = await freshDatabase(databaseUrl, 'bench_empty');
        startupResult = await startupTimes(context, emptyDatabase);
        continue;
      }
      if (name === 'jobs') {
        jobsResult = await tenantJobs(context, tenants!);
        continue;
      }
      if (name === 'isolation') {
        isolationResult = await isolation(target, databaseUrl);
        continue;
      }
      if (name === 'audit-export') {
        exportResult = await auditExport(target, firstRun);
        continue;
      }
      if (name === 'import') {
        importResult = await importWalk(target);
        continue;
      }
      if (name === 'main-thread') {
        mainThreadResult = await mainThread(target, databaseUrl, firstRun, idRange);
        continue;
      }
      if (GROUP_WORKLOADS.includes(name) && !benchGroups) benchGroups = await createBenchGroups(target, idRange);
      const workload = WORKLOADS[name];
      if (!workload) throw new Error(`Unknown workload ${name}; choose from ${Object.keys(WORKLOADS).join(', ')}`);
      // Each server is measured warm: V8 compiles a path's hot functions during its first seconds, and a workload
      // measured right after start-up (the first of a run on a kept database) would count that against it.
      // Not deep-page: it measures pages with no known position near them, which its own warm-up would leave.
      const measure = async (server: Target) => {
        if (WARMUP > 0 && name !== 'deep-page')
          await run(server, workload(idRange), { duration: WARMUP, connections: CONNECTIONS });
        return run(server, workload(idRange), { duration: DURATION, connections: CONNECTIONS });
      };
      const bareResult = await measure(bareTarget);
      const floorResult = floorTarget && FLOOR_WORKLOADS.has(name) ? await measure(floorTarget) : undefined;
      // The delete workload deletes from the lowest id up: the server starts there whatever the bare server was sent.
      deleted = 0;
      const serverResult = await measure(target);
      results.push({
        server: { ...serverResult, workload: name },
        bare: { ...bareResult, workload: name },
        floor: floorResult && { ...floorResult, workload: name },
      });
      log(
        `  ${name}: ${Math.round(serverResult.rps)} req/s (bare ${Math.round(bareResult.rps)}${floorResult ? `, floor ${Math.round(floorResult.rps)}` : ''})`,
      );
    }
    const peakRssMb = peakRss(server.child.pid!);
    if (results.length) printTable(engine, results, seedRate, peakRssMb);
    else
      process.stdout.write(
        `\n${single ? `${seeding(seedRate)}; ` : ''}server peak RSS: ${peakRssMb.toFixed(0)} MB${ORGS ? ' (the server all workloads ran on)' : ''}\n`,
      );
    if (tenants && tenantResults.length) printTenantTable(engine, tenants, tenantResults, CONNECTIONS, DURATION);
    if (tenantSeeding) printTenantSeeding(tenants!, tenantSeeding);
    if (rssResult) printRss(tenants!, rssResult);
    if (startupResult) printStartup(tenants!, startupResult);
    if (jobsResult) printJobs(jobsResult);
    if (isolationResult) printIsolation(isolationResult);
    if (exportResult) printAuditExport(exportResult);
    if (importResult) printImportWalk(importResult);
    if (mainThreadResult) printMainThread(mainThreadResult);
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const file = join(
      ROOT,
      'bench-results',
      `bench-${engine.startsWith('SQLite') ? 'sqlite' : 'mysql'}-${ORGS ? `${ORGS}x${USERS_PER_ORG}` : USERS}-${Date.now()}.json`,
    );
    writeFileSync(
      file,
      JSON.stringify(
        {
          engine,
          users: USERS,
          duration: DURATION,
          connections: CONNECTIONS,
          pinned: PINNED,
          seedRate,
          peakRssMb,
          results,
          isolation: isolationResult,
          auditExport: exportResult,
          import: importResult,
          mainThread: mainThreadResult,
          orgs: ORGS || undefined,
          usersPerOrg: ORGS ? USERS_PER_ORG : undefined,
          tenantSeeding,
          tenants: tenantResults.length ? tenantResults : undefined,
          tenantsRss: rssResult,
          startup: startupResult,
          jobs: jobsResult,
        },
        null,
        2,
      ),
    );
    log(`Results written to ${file}`);
  } finally {
    bare.child.kill('SIGTERM');
    floor?.child.kill('SIGTERM');
    // The server shuts down gracefully on SIGTERM (and then writes its CPU profile when asked to).
    await new Promise((resolveExit) => {
      server.child.once('exit', resolveExit);
      server.child.kill('SIGTERM');
    });
    if (args['cpu-prof']) log(`CPU profile written to ${PROFILE_DIR}`);
    if (args['keep-database'] || reused) log(`Database kept: ${databaseUrl}`);
    else {
      await removeDatabase(databaseUrl).catch((error) => log(`Could not remove ${databaseUrl}: ${String(error)}`));
      removeSideFile(ROOT, databaseUrl);
    }
    if (emptyDatabase) await removeDatabase(emptyDatabase).catch(() => undefined);
    rmSync(dirname(KEY_FILE), { recursive: true, force: true });
  }
}

/** The server's environment in every bench run: production, rate limiting off, request logging off, no scheduler. */
function serverEnv(databaseUrl: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    SCIM_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    SCHEDULER_ENABLED: 'false',
    MAIL_OUTBOX_DIR: join(tmpdir(), 'torii-bench-outbox'),
    BOOTSTRAP_ADMIN_EMAIL: 'admin@bench.test',
    // Standard output is a pipe here, so the first-run key is written to this file (mode 0600).
    BOOTSTRAP_KEY_FILE: KEY_FILE,
    HOST: '127.0.0.1',
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
  };
}

/** What tenants.ts and tenant-jobs.ts use of the bench. */
function benchContext(databaseUrl: string): BenchContext {
  return {
    root: ROOT,
    databaseUrl,
    duration: DURATION,
    warmup: WARMUP,
    connections: CONNECTIONS,
    seedConnections: Number(args['seed-connections']),
    run,
    log,
    // Another server on the same machine and core as the bench's own (which idles meanwhile).
    startServer: async (url, env, pollMs) =>
      startAnyProcess(
        SERVER,
        [],
        { ...serverEnv(url, await freePort()), ...env },
        { nodeFlags: productionNodeFlags(), core: PINNED ? 0 : undefined, pollMs },
      ),
  };
}

function printTenantSeeding(tenants: Tenants, s: TenantSeeding): void {
  const users = tenants.orgs * tenants.usersPerOrg;
  process.stdout.write(
    `\nSeeding ${tenants.orgs.toLocaleString('en-US')} organizations: created ${s.orgsSeconds.toFixed(1)} s; SCIM on and a key each ${s.keysSeconds.toFixed(1)} s; ${users.toLocaleString('en-US')} users ${s.usersSeconds.toFixed(1)} s (${Math.round(users / s.usersSeconds).toLocaleString('en-US')} users/s); ${(tenants.orgs * 3).toLocaleString('en-US')} groups ${s.groupsSeconds.toFixed(1)} s\n`,
  );
}

function printRss(tenants: Tenants, r: TenantsRss): void {
  process.stdout.write(
    `\nPeak RSS after every organization was used (a fresh server, rate limit on, ${r.requests.toLocaleString('en-US')} requests over ${tenants.orgs.toLocaleString('en-US')} organizations in ${r.seconds.toFixed(1)} s): RSS ${r.startMb.toFixed(0)} MB before, ${r.afterMb.toFixed(0)} MB after, peak ${r.peakMb.toFixed(0)} MB\n`,
  );
}

function printStartup(tenants: Tenants, r: Startup): void {
  process.stdout.write(
    `\nStart-up, spawn to /health answering (median of ${r.emptyMs.length}): empty database ${median(r.emptyMs).toFixed(0)} ms, ${tenants.orgs.toLocaleString('en-US')} organizations ${median(r.seededMs).toFixed(0)} ms (${median(r.seededMs) >= median(r.emptyMs) ? '+' : ''}${(median(r.seededMs) - median(r.emptyMs)).toFixed(0)} ms)\n`,
  );
}

// ---------------------------------------------------------------- workloads

type Workload = (ids: { min: number; max: number }) => autocannon.Options['requests'];

const JSON_HEADERS = { 'content-type': 'application/scim+json' };
let sequence = 0;
const run_id = randomBytes(3).toString('hex');
const randomId = (ids: { min: number; max: number }) => ids.min + Math.floor(Math.random() * (ids.max - ids.min + 1));
const userIndex = () => 1 + Math.floor(Math.random() * USERS);
/** Users the delete workload has deleted so far (its warm-up's included). */
let deleted = 0;
const activeBody = (active: boolean) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active } }],
  });

function userBody(userName: string, extra: Record<string, unknown> = {}): string {
  const [local] = userName.split('@');
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: local, familyName: 'Bench' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${local} Bench`,
    locale: 'en-US',
    externalId: `ext-${local}`,
    groups: [],
    password: 'Sup3rSecret!',
    active: true,
    ...extra,
  });
}

function seedWorkload(count: number, onResponse: () => void): autocannon.Options['requests'] {
  let next = 0;
  return [
    {
      method: 'POST',
      path: '/v1.0/scim/v2/Users',
      headers: JSON_HEADERS,
      setupRequest: (req) => ({ ...req, body: userBody(`user${(next = (next % count) + 1)}@bench.test`) }),
      onResponse,
    },
  ];
}

// ---------------------------------------------------------------- groups

/** `--workloads groups`: Okta's group lookup, and one-member PATCHes (add, remove) on a 9,800-member group and on a 10-member one. */
const GROUP_WORKLOADS = ['group-filter', 'group-member', 'group-member-small'];

/** Users kept out of both groups, that the add and remove workloads move in and out. */
const FLOATING = 200;

interface BenchGroups {
  large: string;
  small: string;
  floating: { min: number; max: number };
}
let benchGroups: BenchGroups | undefined;

/**
 * "Bench Large" with every seeded user but the last FLOATING (10,000 users: 9,800 members), added by
 * PATCHes of 5,000, and "Bench Small" with 10.
 */
async function createBenchGroups(target: Target, ids: { min: number; max: number }): Promise<BenchGroups> {
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${target.url}/v1.0/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : ((await response.json()) as { id: string });
  };
  const large = (await call('POST', '/Groups', { displayName: 'Bench Large' }))!.id;
  const small = (await call('POST', '/Groups', { displayName: 'Bench Small' }))!.id;
  const last = ids.max - FLOATING;
  for (let start = ids.min; start <= last; start += 5000) {
    const value = Array.from({ length: Math.min(5000, last - start + 1) }, (_, i) => ({ value: String(start + i) }));
    await call('PATCH', `/Groups/${large}`, { Operations: [{ op: 'add', path: 'members', value }] });
  }
  const few = Array.from({ length: 10 }, (_, i) => ({ value: String(ids.min + i) }));
  await call('PATCH', `/Groups/${small}`, { Operations: [{ op: 'add', path: 'members', value: few }] });
  log(`Groups: "Bench Large" (${last - ids.min + 1} members), "Bench Small" (10)`);
  return { large, small, floating: { min: last + 1, max: ids.max } };
}

/**
 * One-member PATCHes that each change the group: every connection adds a random floating user,
 * then removes that same user with Okta's filtered path, and so on (a no-op add or remove would
 * measure less: it writes nothing).
 */
function memberPatches(which: 'large' | 'small'): Workload {
  const body = (operation: unknown) =>
    JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] });
  return () => [
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      setupRequest: (req, ctx) => {
        const groups = benchGroups!;
        const user = String(randomId(groups.floating));
        (ctx as { user?: string }).user = user;
        return {
          ...req,
          path: `/v1.0/scim/v2/Groups/${groups[which]}`,
          body: body({ op: 'add', path: 'members', value: [{ value: user }] }),
        };
      },
    },
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      setupRequest: (req, ctx) => ({
        ...req,
        path: `/v1.0/scim/v2/Groups/${benchGroups![which]}`,
        body: body({ op: 'remove', path: `members[value eq "${(ctx as { user?: string }).user}"]` }),
      }),
    },
  ];
}

const WORKLOADS: Record<string, Workload> = {
  'group-filter': () => [
    { method: 'GET', path: '/v1.0/scim/v2/Groups?filter=displayName+eq+%22Bench+Large%22&excludedAttributes=members' },
  ],
  'group-member': memberPatches('large'),
  'group-member-small': memberPatches('small'),
  // Okta's existence check.
  filter: () => [
    {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path: `/v1.0/scim/v2/Users?filter=userName+eq+%22user${userIndex()}%40bench.test%22&startIndex=1&count=100`,
      }),
    },
  ],
  get: (ids) => [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1.0/scim/v2/Users/${randomId(ids)}` }) }],
  post: () => [
    {
      method: 'POST',
      path: '/v1.0/scim/v2/Users',
      headers: JSON_HEADERS,
      setupRequest: (req) => ({ ...req, body: userBody(`new${run_id}-${++sequence}@bench.test`) }),
    },
  ],
  // Okta's deactivation.
  patch: (ids) => [
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
      setupRequest: (req) => ({ ...req, path: `/v1.0/scim/v2/Users/${randomId(ids)}` }),
    },
  ],
  // A real deactivation every other request (the safety net records each): PATCH active false, then true again.
  deactivate: (ids) => [
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: activeBody(false),
      setupRequest: (req, ctx) => {
        (ctx as SyncContext).id = String(randomId(ids));
        return { ...req, path: `/v1.0/scim/v2/Users/${(ctx as SyncContext).id}` };
      },
    },
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: activeBody(true),
      setupRequest: (req, ctx) => ({ ...req, path: `/v1.0/scim/v2/Users/${(ctx as SyncContext).id}` }),
    },
  ],
  // SCIM DELETE of distinct users from the lowest id up, warm-up and measurement together (Entra's delete after
  // its soft delete). Run it last, with more users than it can delete (--users): past the last, it is 404s.
  delete: (ids) => [
    {
      method: 'DELETE',
      setupRequest: (req) => ({ ...req, path: `/v1.0/scim/v2/Users/${ids.min + deleted++}` }),
    },
  ],
  page: () => [{ method: 'GET', path: '/v1.0/scim/v2/Users?startIndex=1&count=100' }],
  // A page at random in the last tenth of the list, as a lone request (no walk before it).
  'deep-page': () => [
    {
      method: 'GET',
      setupRequest: (req) => ({
        ...req,
        path: `/v1.0/scim/v2/Users?startIndex=${Math.max(1, Math.ceil(USERS * 0.9) + Math.floor(Math.random() * USERS * 0.1) - 100)}&count=100`,
      }),
    },
  ],
  // Okta's sync: existence check, then PUT the user if found, else POST it (half are new).
  'okta-sync': () => [
    {
      method: 'GET',
      setupRequest: (req, ctx) => {
        const context = ctx as SyncContext;
        const existing = Math.random() < 0.5;
        context.userName = existing ? `user${userIndex()}@bench.test` : `sync${run_id}-${++sequence}@bench.test`;
        return {
          ...req,
          path: `/v1.0/scim/v2/Users?filter=userName+eq+%22${encodeURIComponent(String(context.userName))}%22&startIndex=1&count=100`,
        };
      },
      onResponse: (status, body, ctx) => {
        const context = ctx as SyncContext;
        const found = status === 200 ? (JSON.parse(body) as { Resources?: Array<{ id: string }> }).Resources?.[0] : undefined;
        context.id = found?.id;
      },
    },
    {
      headers: JSON_HEADERS,
      setupRequest: (req, ctx) => {
        const context = ctx as SyncContext;
        return context.id
          ? {
              ...req,
              method: 'PUT',
              path: `/v1.0/scim/v2/Users/${context.id}`,
              body: userBody(String(context.userName), { title: 'Engineer' }),
            }
          : { ...req, method: 'POST', path: '/v1.0/scim/v2/Users', body: userBody(String(context.userName)) };
      },
    },
  ],
};

// ---------------------------------------------------------------- isolation

/** `emails co` terms joined by `or`: `limit` of them, or as many as fit in a filter's 4,096 characters. */
function emailsCoFilter(limit = 200): string {
  const terms: string[] = [];
  for (let i = 0; terms.length < limit; i++) {
    const next = [...terms, `emails co "zz${i}"`].join(' or ');
    if (next.length > 4096) break;
    terms.push(`emails co "zz${i}"`);
  }
  return terms.join(' or ');
}

/**
 * The costliest searches a client can send, as paths: the longest legal filter (as many `emails co`
 * terms as fit in 4,096 characters, each a LIKE over every value row of the organization), which the
 * cost estimate refuses at this size; and the costliest ones it lets through (the most `emails co`
 * terms under SCIM_SEARCH_MAX_ROWS's default, found with the server's own estimate, also sorted by
 * emails.value near the end of the list). Seeded users have one email each.
 */
function expensiveSearches(): string[] {
  const size = { users: USERS + 1, values: USERS };
  const found = lookupAttribute('emails.value');
  const sortBy = found.kind === 'attribute' ? found.resolved.path : undefined;
  const admitted = (sorted: boolean) => {
    let n = 1;
    const cost = (terms: number) =>
      searchCost({ filter: parseFilter(emailsCoFilter(terms)), sortBy: sorted ? sortBy : undefined, offset: 0 }, size).rows;
    while (n < 200 && cost(n + 1) <= DEFAULT_SEARCH_MAX_ROWS) n++;
    return encodeURIComponent(emailsCoFilter(n));
  };
  const deep = `&sortBy=emails.value&startIndex=${Math.max(1, USERS - 1000)}`;
  return [
    `/v1.0/scim/v2/Users?count=1&filter=${encodeURIComponent(emailsCoFilter())}`,
    `/v1.0/scim/v2/Users?count=1&filter=${admitted(false)}`,
    `/v1.0/scim/v2/Users?count=1&filter=${admitted(true)}${deep}`,
  ];
}

interface Isolation {
  attack: { connections: number; rps: number; p50: number; p99: number; errors: number; statuses: Record<string, number> };
  quiet: { get: Measurement; health: Measurement };
  underAttack: { get: Measurement; health: Measurement };
}

/**
 * No organization can slow another: another organization's `GET /Users/{id}` and `/health`,
 * measured alone and then while this organization's key sends the most expensive legal filters
 * (a bounded loop: ISOLATION_ATTACKERS connections, each sending the next as soon as the last answers,
 * one of expensiveSearches() at random).
 */
async function isolation(attacker: Target, databaseUrl: string): Promise<Isolation> {
  const victim = await secondOrganization(attacker.url, databaseUrl);
  const getOptions = { duration: DURATION, connections: 2 };
  const victimGet: autocannon.Options['requests'] = [{ method: 'GET', path: `/v1.0/scim/v2/Users/${victim.userId}` }];
  const health: autocannon.Options['requests'] = [{ method: 'GET', path: '/health' }];
  const quiet = {
    get: await run({ ...attacker, key: victim.scimKey }, victimGet, getOptions),
    health: await run({ ...attacker, key: undefined }, health, getOptions),
  };
  const searches = expensiveSearches();
  const statuses: Record<string, number> = {};
  const attack = autocannon({
    url: attacker.url,
    connections: ISOLATION_ATTACKERS,
    duration: DURATION,
    headers: { authorization: `Bearer ${attacker.key}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({
          ...req,
          path: searches[Math.floor(Math.random() * searches.length)],
        }),
        onResponse: (status) => void (statuses[status] = (statuses[status] ?? 0) + 1),
      },
    ],
  });
  // Both victims at once, while the attack runs.
  const [get, healthUnderAttack, attackResult] = await Promise.all([
    run({ ...attacker, key: victim.scimKey }, victimGet, getOptions),
    run({ ...attacker, key: undefined }, health, getOptions),
    attack,
  ]);
  return {
    attack: {
      connections: ISOLATION_ATTACKERS,
      rps: attackResult.requests.average,
      p50: attackResult.latency.p50,
      p99: attackResult.latency.p99,
      errors: attackResult.errors + attackResult.timeouts,
      statuses,
    },
    quiet,
    underAttack: { get, health: healthUnderAttack },
  };
}

const ISOLATION_ATTACKERS = Number(args.attackers);

/** Another organization (the operator CLI against the same database), SCIM on, a key, one user. */
async function secondOrganization(url: string, databaseUrl: string): Promise<{ scimKey: string; userId: string }> {
  const created = JSON.parse(
    execFileSync(process.execPath, [CLI, 'org:create', '--name', 'Victim', '--admin-email', 'admin@victim.test', '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    }).toString(),
  ) as { apiKey: { key: string } };
  const key = await scimKey(url, `Torii API key   : ${created.apiKey.key}`);
  const user = await fetch(`${url}/v1.0/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
    body: userBody('victim.user@victim.test'),
  });
  return { scimKey: key, userId: ((await user.json()) as { id: string }).id };
}

function printIsolation(result: Isolation): void {
  const row = (name: string, m: Measurement) =>
    `| ${name.padEnd(34)} | ${String(Math.round(m.rps)).padStart(6)} | ${String(m.p50).padStart(6)} | ${String(m.p99).padStart(6)} | ${String(m.errors).padStart(6)} |`;
  process.stdout.write(
    [
      '',
      `Isolation: another organization while this one sends the most expensive legal filters (${result.attack.connections} connections)`,
      '',
      '| request of the other organization  |  req/s | p50 ms | p99 ms | errors |',
      '| ---------------------------------- | -----: | -----: | -----: | -----: |',
      row('GET /Users/{id}, quiet', result.quiet.get),
      row('GET /Users/{id}, under attack', result.underAttack.get),
      row('GET /health, quiet', result.quiet.health),
      row('GET /health, under attack', result.underAttack.health),
      '',
      `Attacker: ${Math.round(result.attack.rps)} req/s, p50 ${result.attack.p50} ms, p99 ${result.attack.p99} ms; statuses ${JSON.stringify(result.attack.statuses)}`,
      '',
    ].join('\n'),
  );
}

interface SyncContext {
  userName?: string;
  id?: string;
}

// ---------------------------------------------------------------- import walks

interface PageStats {
  pages: number;
  p50: number;
  p99: number;
}

interface Walk {
  method: string;
  count: number;
  users: number;
  distinct: number;
  totalResults: number;
  pages: number;
  seconds: number;
  complete: boolean;
  /** The answer that stopped the walk, if one did (e.g. `400 tooMany at page 102`). */
  refused?: string;
  first: PageStats;
  middle: PageStats;
  last: PageStats;
}

/** A page refused by the server during a walk or a lone request. */
class WalkError extends Error {}

interface ImportWalk {
  /** The first request of its kind, then the median of 10 more of the same (which find its position remembered). */
  probes: Array<{ request: string; firstMs: number; medianMs: number; refused?: string }>;
  walks: Walk[];
}

/** How long one walk may take before it stops (the figures then cover the pages it walked). */
const WALK_LIMIT_SECONDS = Number(process.env.BENCH_WALK_LIMIT_SECONDS ?? 300);

/**
 * `--workloads import`: Okta's and Entra's import, one client walking every page of `GET /Users` in
 * order (`startIndex` += count) with count=100 and count=200, then with RFC 9865 cursors when the server
 * advertises them; each page timed alone. Then single requests out of any walk: the first, middle and
 * last page and `count=0`, each timed once and then as the median of 10 repeats. The `deep-page` workload,
 * run alone on a fresh server, measures pages that nothing is known near.
 */
async function importWalk(target: Target): Promise<ImportWalk> {
  const headers = { authorization: `Bearer ${target.key}` };
  const get = async (path: string) => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${target.url}/v1.0/scim/v2${path}`, { headers });
    const body = (await response.json()) as {
      totalResults: number;
      nextCursor?: string;
      Resources?: Array<{ id: string }>;
    };
    if (!response.ok) throw new WalkError(`${response.status} ${(body as { scimType?: string }).scimType ?? ''}`.trim());
    return { body, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const config = (await get('/ServiceProviderConfig')).body as unknown as { pagination?: { cursor?: boolean } };
  const walks: Walk[] = [];
  const methods: Array<'index' | 'cursor'> = config.pagination?.cursor ? ['index', 'cursor'] : ['index'];
  for (const method of methods)
    for (const count of [100, 200]) {
      const times: number[] = [];
      const seen = new Set<string>();
      let users = 0;
      let totalResults = 0;
      let complete = false;
      const started = Date.now();
      let startIndex = 1;
      let cursor = '';
      let refused: string | undefined;
      while (Date.now() - started < WALK_LIMIT_SECONDS * 1000) {
        const page = await get(
          method === 'index' ? `/Users?startIndex=${startIndex}&count=${count}` : `/Users?cursor=${cursor}&count=${count}`,
        ).catch((error: unknown) => {
          if (!(error instanceof WalkError)) throw error;
          refused = `${error.message} at page ${times.length + 1}`;
          return undefined;
        });
        if (!page) break;
        times.push(page.ms);
        totalResults = page.body.totalResults;
        const resources = page.body.Resources ?? [];
        users += resources.length;
        for (const r of resources) seen.add(r.id);
        startIndex += count;
        if (method === 'cursor' ? !page.body.nextCursor : resources.length < count || startIndex > totalResults) {
          complete = true;
          break;
        }
        cursor = page.body.nextCursor ?? '';
      }
      const seconds = (Date.now() - started) / 1000;
      const expected = Math.max(1, Math.ceil(totalResults / count));
      const tenth = Math.max(1, Math.floor(expected / 10));
      const stats = (from: number): PageStats => {
        const slice = times.slice(from, from + tenth).sort((a, b) => a - b);
        return { pages: slice.length, p50: percentile(slice, 0.5), p99: percentile(slice, 0.99) };
      };
      const walk: Walk = {
        method,
        count,
        users,
        distinct: seen.size,
        totalResults,
        pages: times.length,
        seconds,
        complete,
        refused,
        first: stats(0),
        middle: stats(Math.floor(expected / 2 - tenth / 2)),
        last: stats(expected - tenth),
      };
      walks.push(walk);
      log(
        `  import (${method}, count=${count}): ${times.length} pages, ${users} users in ${seconds.toFixed(1)} s${complete ? '' : refused ? ` (refused: ${refused})` : ' (stopped: BENCH_WALK_LIMIT_SECONDS)'}`,
      );
    }
  const total = (await get('/Users?count=0')).body.totalResults;
  const probes: ImportWalk['probes'] = [];
  const probe = async (request: string) => {
    const times: number[] = [];
    try {
      for (let i = 0; i < 11; i++) times.push((await get(request)).ms);
      const firstMs = Math.round(times[0] * 10) / 10;
      probes.push({
        request,
        firstMs,
        medianMs: percentile(
          times.slice(1).sort((a, b) => a - b),
          0.5,
        ),
      });
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      probes.push({ request, firstMs: NaN, medianMs: NaN, refused: error.message });
    }
  };
  for (const count of [100, 200]) {
    await probe(`/Users?startIndex=1&count=${count}`);
    await probe(`/Users?startIndex=${Math.floor(total / 2)}&count=${count}`);
    await probe(`/Users?startIndex=${Math.max(1, total - count + 1)}&count=${count}`);
  }
  await probe('/Users?count=0');
  return { probes, walks };
}

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
}

function printImportWalk(result: ImportWalk): void {
  const lines = [
    '',
    'Import walks (one client, every page in order; each page timed alone)',
    '',
    '| method | count | pages | users (distinct) | totalResults | total s | first tenth p50 / p99 ms | middle tenth p50 / p99 ms | last tenth p50 / p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.walks.map(
      (w) =>
        `| ${w.method} | ${w.count} | ${w.pages.toLocaleString('en-US')}${w.complete ? '' : w.refused ? ` (refused: ${w.refused})` : ' (stopped)'} | ${w.users.toLocaleString('en-US')} (${w.distinct.toLocaleString('en-US')}) | ${w.totalResults.toLocaleString('en-US')} | ${w.seconds.toFixed(1)} | ${w.first.p50} / ${w.first.p99} | ${w.middle.p50} / ${w.middle.p99} | ${w.last.p50} / ${w.last.p99} |`,
    ),
    '',
    'Single requests after the walks (which left positions a page may skip from): the first, then the median of 10 more of the same',
    '',
    '| request | first ms | then ms |',
    '| --- | ---: | ---: |',
    ...result.probes.map((p) => `| \`${p.request}\` | ${p.refused ?? p.firstMs} | ${p.refused ? '' : p.medianMs} |`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

// ---------------------------------------------------------------- running

// ---------------------------------------------------------------- audit export

interface AuditExport {
  filter: string;
  events: number;
  megabytes: number;
  seconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

const AUDIT_EVENTS = 100_000;

/**
 * `--workloads audit-export`: enough PATCHes for the organization's audit log to hold 100,000 events
 * (one per change), then GET /v1.0/audit-log/export?format=ndjson read to the end, once for the
 * 10,000 user.created events and once for all of them. The server's peak RSS is reset before each
 * (`/proc/<pid>/clear_refs`), so each figure is that export's own peak.
 */
async function auditExport(target: Target, firstRun: string): Promise<AuditExport[]> {
  const apiKey = /Torii API key\s+:\s+(torii_api_\w+)/.exec(firstRun)?.[1];
  if (!apiKey) throw new Error('No bootstrap key in the first-run file');
  const ids = await idBounds(target);
  const patches = Math.max(0, AUDIT_EVENTS - USERS);
  log(`  audit-export: ${patches} PATCHes so that the audit log holds ${AUDIT_EVENTS} events…`);
  // Each PATCH sets a new title, so each is a change, and an event (a PATCH that changes nothing records none).
  let title = 0;
  const retitle: autocannon.Options['requests'] = [
    {
      method: 'PATCH',
      headers: JSON_HEADERS,
      setupRequest: (req) => ({
        ...req,
        path: `/v1.0/scim/v2/Users/${randomId(ids)}`,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: `Title ${++title}` }],
        }),
      }),
    },
  ];
  const seeded = await run(target, retitle, { amount: patches, connections: CONNECTIONS });
  if (seeded.errors) throw new Error(`Audit seeding failed: ${seeded.errors} errors`);
  const out: AuditExport[] = [];
  for (const filter of ['action=user.created', '']) {
    const before = rssNow(target.pid);
    resetPeakRss(target.pid);
    const started = process.hrtime.bigint();
    const response = await fetch(`${target.url}/v1.0/audit-log/export?format=ndjson${filter ? `&${filter}` : ''}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    let bytes = 0;
    let events = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) events += 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    out.push({
      filter: filter || '(all)',
      events,
      megabytes: bytes / 1e6,
      seconds,
      rssBeforeMb: before,
      peakRssMb: peakRss(target.pid),
    });
    log(`  audit-export ${filter || '(all)'}: ${events} events, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
  }
  return out;
}

function printAuditExport(results: AuditExport[]): void {
  process.stdout.write(
    '\nAudit log export (NDJSON, streamed)\n\n| export | events | size | time | server RSS before | server peak RSS during |\n| --- | ---: | ---: | ---: | ---: | ---: |\n',
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.filter} | ${r.events.toLocaleString('en-US')} | ${r.megabytes.toFixed(1)} MB | ${r.seconds.toFixed(1)} s | ${r.rssBeforeMb.toFixed(0)} MB | ${r.peakRssMb.toFixed(0)} MB |\n`,
    );
  }
}

// ---------------------------------------------------------------- main thread

/** Connections that send a request in a loop while another organization is measured (the finding's 6 loops). */
const MAIN_THREAD_LOOPS = 6;
/** Times each request is sent alone, one after another, while another organization's reads are timed. */
const PROBE_REPEATS = 8;
/** The request body limit (app.setup.ts). */
const BODY_LIMIT = 1024 * 1024;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Probe {
  name: string;
  /** Sent this many at once, in the lone measurement and as the loop's connections (exports: 3, as the finding). */
  parallel?: number;
  /** Sends the request once; its status. */
  send: () => Promise<number>;
}

interface Latencies {
  p50: number;
  p99: number;
  max: number;
  requests: number;
}

interface ProbeResult {
  name: string;
  statuses: Record<string, number>;
  /** The server's CPU time for one request, sent alone, ms. */
  cpuMs: number;
  /** Each lone request's own time, ms. */
  aloneMs: number[];
  /** The other organization's slowest answer while the request ran alone. */
  victimMaxMs: number;
  /** The other organization's GET while `loops` connections send the request in a loop. */
  loops: number;
  victim: Latencies;
  loopRequests: number;
}

interface MainThread {
  quiet: Latencies;
  /** The other organization's slowest answer, alone, back to back on one connection. */
  quietMaxMs: number;
  probes: ProbeResult[];
}

/** `parts` joined by `separator`, as many as fit in `limit` characters. */
function fitting(part: (i: number) => string, separator: string, limit: number, most = Infinity): string[] {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; parts.length < most; i++) {
    const next = part(i);
    const added = next.length + (parts.length ? separator.length : 0);
    if (length + added > limit) break;
    parts.push(next);
    length += added;
  }
  return parts;
}

/** A PATCH body whose Operations are as many of `operation(i)` as fit in the 1 MiB body limit (or `most`). */
function patchBody(operation: (i: number) => unknown, most = Infinity): string {
  const envelope = JSON.stringify({ schemas: [PATCH_OP], Operations: [] });
  const ops = fitting((i) => JSON.stringify(operation(i)), ',', BODY_LIMIT - envelope.length - 1024, most);
  return `{"schemas":["${PATCH_OP}"],"Operations":[${ops.join(',')}]}`;
}

/**
 * `--workloads main-thread` (issue: bounded work on the main thread): the largest legal requests of
 * each kind, each measured by what it costs the server and does to another organization: the
 * server's CPU per request (sent alone, PROBE_REPEATS times; on SQLite all of it is event-loop time
 * but the search worker's); then, sent alone PROBE_REPEATS times again, each one's time while another
 * organization's `GET /Users/{id}` is sent back to back from a process of its own (its slowest
 * answer: how long it waited for the event loop); then that
 * GET's p50/p99 (2 connections) while MAIN_THREAD_LOOPS connections send the request in a loop.
 * Memberships alternate (add, then remove), so that every request changes something. CPU is the
 * figure to compare between runs on a shared machine; times move with whatever else runs there.
 */
async function mainThread(
  target: Target,
  databaseUrl: string,
  firstRun: string,
  ids: { min: number; max: number },
): Promise<MainThread> {
  const apiKey = /Torii API key\s+:\s+(torii_api_\w+)/.exec(firstRun)?.[1];
  if (!apiKey) throw new Error('No Torii API key in the first-run file');
  const victim = await secondOrganization(target.url, databaseUrl);
  const call = async (method: string, path: string, body?: string, key = target.key): Promise<Response> =>
    fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/scim+json' },
      body,
    });
  const status = async (response: Promise<Response>): Promise<number> => {
    const r = await response;
    await r.arrayBuffer();
    return r.status;
  };
  const json = async <T>(response: Promise<Response>): Promise<T> => {
    const r = await response;
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const group = async (name: string) =>
    (
      await json<{ id: string }>(
        call('POST', '/v1.0/scim/v2/Groups', JSON.stringify({ displayName: `${name} ${run_id}`, members: [] })),
      )
    ).id;
  const members = Array.from({ length: Math.min(10_000, ids.max - ids.min + 1) }, (_, i) => String(ids.min + i));
  const [opsGroup, membersGroup, mappedGroup, putGroup] = [
    await group('One member an operation'),
    await group('Members in one operation'),
    await group('Mapped members'),
    await group('Members by PUT'),
  ];
  await json(call('POST', '/v1.0/settings/role-mappings', JSON.stringify({ groupId: mappedGroup, role: 'Read-only' }), apiKey));
  const user = await json<{ id: string; userName: string }>(call('GET', `/v1.0/scim/v2/Users/${ids.max}`));
  const alternate = () => {
    let n = 0;
    return () => n++ % 2 === 0;
  };
  const eqTerms = fitting((i) => `userName eq "user${i + 1}@bench.test"`, ' or ', 4096);
  const coTerms = fitting((i) => `value co "zz${i}"`, ' or ', 4096 - 'emails[]'.length, 200);
  const oneMemberOps = (op: string) =>
    patchBody((i) => ({ op, path: 'members', value: [{ value: members[i % members.length] }] }));
  const opsBodies = [oneMemberOps('add'), oneMemberOps('remove')];
  const everyone = (op: string) =>
    JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op, path: 'members', value: members.map((value) => ({ value })) }] });
  const membersBodies = [everyone('add'), everyone('remove')];
  const userOps = (suffix: string) =>
    patchBody((i) => ({ op: 'replace', path: 'emails[type eq "work"].value', value: `w${i % 2}${suffix}@bench.test` }));
  const userPatchBodies = [userOps('a'), userOps('b')];
  // The largest PATCHes the server accepts (MAX_PATCH_OPERATIONS, MAX_MEMBERS_PER_REQUEST): 100 operations, each
  // adding or removing 100 members in turn (no two in a row to merge), and 100 filtered-path user operations.
  const hundredOps = (first: string) =>
    JSON.stringify({
      schemas: [PATCH_OP],
      Operations: Array.from({ length: 100 }, (_, i) => ({
        op: i % 2 === 0 ? first : first === 'add' ? 'remove' : 'add',
        path: 'members',
        value: members.slice((i % 100) * 100, (i % 100) * 100 + 100).map((value) => ({ value })),
      })),
    });
  const hundredOpsBodies = [hundredOps('add'), hundredOps('remove')];
  const userHundred = (suffix: string) =>
    patchBody((i) => ({ op: 'replace', path: 'emails[type eq "work"].value', value: `w${i % 2}${suffix}@bench.test` }), 100);
  const userHundredBodies = [userHundred('a'), userHundred('b')];
  const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
  const fullUser = (suffix: string) =>
    JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: user.userName,
      emails: many(100, (i) => ({ value: `e${i}${suffix}@bench.test`, type: 'work' })),
      phoneNumbers: many(100, (i) => ({ value: `+1 555 01${String(i).padStart(2, '0')}${suffix}`, type: 'work' })),
      ims: many(100, (i) => ({ value: `im${i}${suffix}`, type: 'xmpp' })),
      photos: many(100, (i) => ({ value: `https://example.test/${i}${suffix}.png`, type: 'photo' })),
      addresses: many(100, (i) => ({
        streetAddress: `${i} Main St ${suffix}`,
        locality: 'Springfield',
        country: 'US',
        type: 'work',
      })),
      entitlements: many(100, (i) => ({ value: `ent${i}${suffix}` })),
      roles: many(100, (i) => ({ value: `role${i}${suffix}` })),
      x509Certificates: many(100, (i) => ({ value: `Y2VydA${i}${suffix}` })),
    });
  const putBodies = [fullUser('a'), fullUser('b')];
  const putGroupBodies = [
    JSON.stringify({ displayName: `Members by PUT ${run_id}`, members: members.map((value) => ({ value })) }),
    JSON.stringify({ displayName: `Members by PUT ${run_id}`, members: [] }),
  ];
  const turns = {
    ops: alternate(),
    members: alternate(),
    mapped: alternate(),
    put: alternate(),
    userPatch: alternate(),
    userPut: alternate(),
    hundredOps: alternate(),
    userHundred: alternate(),
  };
  const probes: Probe[] = [
    {
      name: `GET /Users, ${eqTerms.length} userName eq terms or-ed`,
      send: () => status(call('GET', `/v1.0/scim/v2/Users?filter=${encodeURIComponent(eqTerms.join(' or '))}`)),
    },
    {
      name: `GET /Users, emails[${coTerms.length} value co terms or-ed]`,
      send: () => status(call('GET', `/v1.0/scim/v2/Users?filter=${encodeURIComponent(`emails[${coTerms.join(' or ')}]`)}`)),
    },
    {
      name: `PATCH /Groups, 1 MiB of one-member operations (${opsBodies[0].split('"op"').length - 1})`,
      send: () => status(call('PATCH', `/v1.0/scim/v2/Groups/${opsGroup}`, opsBodies[turns.ops() ? 0 : 1])),
    },
    {
      name: 'PATCH /Groups, 100 operations of 100 members, adding and removing in turn',
      send: () => status(call('PATCH', `/v1.0/scim/v2/Groups/${opsGroup}`, hundredOpsBodies[turns.hundredOps() ? 0 : 1])),
    },
    {
      name: `PATCH /Groups, ${members.length.toLocaleString('en-US')} members in one operation`,
      send: () => status(call('PATCH', `/v1.0/scim/v2/Groups/${membersGroup}`, membersBodies[turns.members() ? 0 : 1])),
    },
    {
      name: `the same, the group mapped to a role`,
      send: () => status(call('PATCH', `/v1.0/scim/v2/Groups/${mappedGroup}`, membersBodies[turns.mapped() ? 0 : 1])),
    },
    {
      name: `PUT /Groups, ${members.length.toLocaleString('en-US')} members, then none`,
      send: () => status(call('PUT', `/v1.0/scim/v2/Groups/${putGroup}`, putGroupBodies[turns.put() ? 0 : 1])),
    },
    {
      name: `PATCH /Users, 1 MiB of operations (${userPatchBodies[0].split('"op"').length - 1})`,
      send: () => status(call('PATCH', `/v1.0/scim/v2/Users/${user.id}`, userPatchBodies[turns.userPatch() ? 0 : 1])),
    },
    {
      name: 'PATCH /Users, 100 operations',
      send: () => status(call('PATCH', `/v1.0/scim/v2/Users/${user.id}`, userHundredBodies[turns.userHundred() ? 0 : 1])),
    },
    {
      name: 'PUT /Users, 100 elements of each multi-valued attribute',
      send: () => status(call('PUT', `/v1.0/scim/v2/Users/${user.id}`, putBodies[turns.userPut() ? 0 : 1])),
    },
    {
      name: 'GET /v1.0/audit-log/export?format=ndjson, 3 at once',
      parallel: 3,
      send: () => status(call('GET', '/v1.0/audit-log/export?format=ndjson', undefined, apiKey)),
    },
  ];

  const victimPath = `/v1.0/scim/v2/Users/${victim.userId}`;
  await victimReads(target.url, victim.scimKey, victimPath, 2, WARMUP || 1);
  const quietTimes = await victimReads(target.url, victim.scimKey, victimPath, 2, DURATION);
  const quietTicks = await victimReads(target.url, victim.scimKey, victimPath, 1, 3);
  const results: ProbeResult[] = [];
  // BENCH_PROBES: only the requests whose name matches it (a regular expression), e.g. "mapped|export".
  const only = process.env.BENCH_PROBES ? new RegExp(process.env.BENCH_PROBES) : undefined;
  for (const probe of probes.filter((p) => !only || only.test(p.name))) {
    const parallel = probe.parallel ?? 1;
    const statuses: Record<string, number> = {};
    const count = (code: number) => void (statuses[code] = (statuses[code] ?? 0) + 1);
    // Once unmeasured (V8 compiles the request's path).
    await Promise.all(Array.from({ length: parallel }, () => probe.send()));
    // The server's CPU for the request alone (robust to other processes on the machine, unlike times).
    const ticks = cpuTicks(target.pid);
    for (let i = 0; i < PROBE_REPEATS; i++)
      (await Promise.all(Array.from({ length: parallel }, () => probe.send()))).forEach(count);
    const cpuMs = ((cpuTicks(target.pid) - ticks) * (1000 / CLOCK_TICKS)) / (PROBE_REPEATS * parallel);
    // Then alone again, timed, the other organization reading meanwhile.
    const aloneMs: number[] = [];
    const reads = victimReads(target.url, victim.scimKey, victimPath, 1);
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 300));
    for (let i = 0; i < PROBE_REPEATS; i++) {
      const started = process.hrtime.bigint();
      (await Promise.all(Array.from({ length: parallel }, () => probe.send()))).forEach(count);
      aloneMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((resolveSoon) => setTimeout(resolveSoon, 100));
    }
    const victimTimes = await reads.stop();
    const loops = probe.parallel ?? MAIN_THREAD_LOOPS;
    let loopRequests = 0;
    let looping = true;
    const loop = Promise.all(
      Array.from({ length: loops }, async () => {
        while (looping) {
          count(await probe.send());
          loopRequests += 1;
        }
      }),
    );
    const underLoops = await victimReads(target.url, victim.scimKey, victimPath, 2, DURATION);
    looping = false;
    await loop;
    results.push({
      name: probe.name,
      statuses,
      cpuMs,
      aloneMs,
      victimMaxMs: latencies(victimTimes).max,
      loops,
      victim: latencies(underLoops),
      loopRequests,
    });
    log(
      `  main-thread: ${probe.name}: server CPU ${cpuMs.toFixed(0)} ms a request; alone ${aloneMs.map((ms) => ms.toFixed(0)).join(', ')} ms; the other organization's slowest answer meanwhile ${latencies(victimTimes).max.toFixed(0)} ms, p99 under ${loops} loops ${latencies(underLoops).p99.toFixed(0)} ms; statuses ${JSON.stringify(statuses)}`,
    );
  }
  return {
    quiet: latencies(quietTimes),
    quietMaxMs: latencies(quietTicks).max,
    probes: results,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

/** p50, p99 and the largest of some times, ms. */
function latencies(times: number[]): { p50: number; p99: number; max: number; requests: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, requests: sorted.length };
}

/** What a process reading one path in loops runs (its own process: the bench's event loop is busy with the requests measured). */
const VICTIM_SCRIPT = `
const [url, key, connections, seconds] = process.argv.slice(1);
const times = [];
let stop = false;
if (Number(seconds) > 0) setTimeout(() => (stop = true), Number(seconds) * 1000);
process.stdin.on('end', () => (stop = true)).resume();
Promise.all(Array.from({ length: Number(connections) }, async () => {
  while (!stop) {
    const started = process.hrtime.bigint();
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + key } });
    await response.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
})).then(() => process.stdout.write(JSON.stringify(times), () => process.exit(0)));
`;

/**
 * Another organization's reads of `path`, back to back on `connections` connections, from a
 * process of its own: for `seconds`, or until stop() when none is given. Their times, ms.
 */
function victimReads(url: string, key: string, path: string, connections: number): { stop: () => Promise<number[]> };
function victimReads(url: string, key: string, path: string, connections: number, seconds: number): Promise<number[]>;
function victimReads(
  url: string,
  key: string,
  path: string,
  connections: number,
  seconds?: number,
): Promise<number[]> | { stop: () => Promise<number[]> } {
  const child = spawn(process.execPath, ['-e', VICTIM_SCRIPT, `${url}${path}`, key, String(connections), String(seconds ?? 0)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  const done = new Promise<number[]>((resolveTimes, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolveTimes(JSON.parse(output) as number[]) : reject(new Error(`victim exited ${code}`)),
    ),
  );
  if (seconds !== undefined) return done;
  return {
    stop: () => {
      child.stdin!.end();
      return done;
    },
  };
}

function printMainThread(result: MainThread): void {
  const ms = (n: number) => n.toFixed(0);
  const lines = [
    '',
    `Main thread: another organization's GET /Users/{id} while this one sends the largest requests (${USERS.toLocaleString('en-US')} users)`,
    '',
    `Quiet: p50 ${ms(result.quiet.p50)} ms, p99 ${ms(result.quiet.p99)} ms (2 connections); alone, the slowest of back-to-back reads ${ms(result.quietMaxMs)} ms`,
    '',
    "| request | statuses | server CPU a request (ms) | alone, median (max) ms | other org's slowest answer meanwhile (ms) | loops | other org's p50 / p99 under the loops (ms) |",
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...result.probes.map(
      (p) =>
        `| ${p.name} | ${Object.entries(p.statuses)
          .map(([code, n]) => `${n} × ${code}`)
          .join(
            ', ',
          )} | ${ms(p.cpuMs)} | ${ms(median(p.aloneMs))} (${ms(Math.max(...p.aloneMs))}) | ${ms(p.victimMaxMs)} | ${p.loops} | ${ms(p.victim.p50)} / ${ms(p.victim.p99)} |`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function rssNow(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: `5` to /proc/<pid>/clear_refs). */
function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    log("  (could not reset the peak RSS: the figure is the whole run's)");
  }
}

async function run(
  target: Target,
  requests: autocannon.Options['requests'],
  options: { duration?: number; amount?: number; connections: number },
): Promise<Measurement> {
  const before = cpuTicks(target.pid);
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    headers: target.key ? { authorization: `Bearer ${target.key}` } : {},
    requests,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = ((cpuTicks(target.pid) - before) / CLOCK_TICKS / seconds) * 100;
  return {
    workload: '',
    rps: result.requests.average || result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
    cpuPercent: cpu,
  };
}

/** Starts one of the bench's processes, the real server with the Node flags of `npm run start:prod`, as a user runs it. */
function startProcess(script: string, argv: string[], env: Record<string, string>, ready?: RegExp) {
  const nodeFlags = script === SERVER ? productionNodeFlags() : [];
  if (script === SERVER && args['cpu-prof']) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
  return startAnyProcess(script, argv, env, { ready, nodeFlags, core: PINNED ? 0 : undefined });
}

function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function scimKey(url: string, firstRun: string): Promise<string> {
  const apiKey = /Torii API key\s+:\s+(torii_api_\w+)/.exec(firstRun)?.[1];
  if (!apiKey) throw new Error(`No bootstrap key in the first-run file:\n${firstRun}`);
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  await fetch(`${url}/v1.0/settings/security`, { method: 'PATCH', headers, body: JSON.stringify({ scimEnabled: true }) });
  const created = await fetch(`${url}/v1.0/settings/api-keys`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ type: 'scim', description: 'bench' }),
  });
  return ((await created.json()) as { key: string }).key;
}

/** The organization's users, as SCIM counts them. */
async function userCount(target: Target): Promise<number> {
  const response = await fetch(`${target.url}/v1.0/scim/v2/Users?count=0`, {
    headers: { authorization: `Bearer ${target.key}` },
  });
  return ((await response.json()) as { totalResults: number }).totalResults;
}

/** A Torii API key for organization 1 of a reused database, from the operator CLI (the first-run key is long gone). */
function operatorApiKey(databaseUrl: string): string {
  const created = JSON.parse(
    execFileSync(process.execPath, [CLI, 'keys:create', '--org', '1', '--type', 'api', '--description', 'bench', '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    }).toString(),
  ) as { apiKey: { key: string } };
  return `Torii API key   : ${created.apiKey.key}`;
}

/** The floor server must give the real server's JSON, or its figures would compare different work. */
async function sameAnswers(real: Target, floor: Target, ids: { min: number; max: number }): Promise<void> {
  const fetchBoth = async (path: string) =>
    Promise.all(
      [real, floor].map(async (t) => {
        const response = await fetch(`${t.url}/v1.0/scim/v2${path}`, { headers: { authorization: `Bearer ${t.key}` } });
        return response.text();
      }),
    );
  const paths = [
    `/Users/${ids.min}`,
    `/Users/${ids.max}`,
    `/Users?filter=userName+eq+%22user1%40bench.test%22&startIndex=1&count=100`,
  ];
  for (const path of paths) {
    const [a, b] = await fetchBoth(path);
    if (a !== b) throw new Error(`The floor server answers ${path} differently:\nreal:  ${a}\nfloor: ${b}`);
  }
  log('Floor server: the same JSON as the real server for get and filter.');
}

/**
 * The seeded users' ids: the first user after the bootstrap Admin, and the USERS ids from it (seeding
 * gives consecutive ids); the last one is checked. No search over the whole organization, which an
 * older build may refuse as too costly at a million users.
 */
async function idBounds(target: Target): Promise<{ min: number; max: number }> {
  const headers = { authorization: `Bearer ${target.key}` };
  const first = await fetch(`${target.url}/v1.0/scim/v2/Users?startIndex=2&count=1&attributes=id`, { headers });
  const min = Number(((await first.json()) as { Resources: Array<{ id: string }> }).Resources[0].id);
  const max = min + USERS - 1;
  const last = await fetch(`${target.url}/v1.0/scim/v2/Users/${max}`, { headers });
  if (!last.ok) throw new Error(`The seeded users are not ids ${min}..${max}: GET /Users/${max} is ${last.status}`);
  return { min, max };
}

function printTable(
  engine: string,
  results: Array<{ server: Measurement; bare: Measurement; floor?: Measurement }>,
  seedRate: number,
  peakRssMb: number,
): void {
  const rows = [
    ['workload', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'floor req/s', 'vs floor', 'bare req/s', 'vs bare'],
    ...results.map(({ server, bare, floor }) => [
      server.workload,
      Math.round(server.rps).toLocaleString('en-US'),
      String(server.p50),
      String(server.p99),
      String(server.errors),
      `${Math.round(server.cpuPercent)}%`,
      floor ? Math.round(floor.rps).toLocaleString('en-US') : '',
      floor ? `${Math.round((server.rps / floor.rps) * 100)}%` : '',
      Math.round(bare.rps).toLocaleString('en-US'),
      `${Math.round((server.rps / bare.rps) * 100)}%`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  process.stdout.write(
    `\n${engine}, ${USERS.toLocaleString('en-US')} users, ${CONNECTIONS} connections, ${DURATION} s per workload\n\n`,
  );
  process.stdout.write(
    `${line(rows[0])}\n| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |\n`,
  );
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`\n${seeding(seedRate)}; server peak RSS: ${peakRssMb.toFixed(0)} MB\n`);
}

function seeding(rate: number): string {
  return Number.isNaN(rate)
    ? 'Seeding: none (a reused database)'
    : `Seeding: ${Math.round(rate).toLocaleString('en-US')} users/s`;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
