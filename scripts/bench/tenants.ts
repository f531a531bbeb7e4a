/**
 * `npm run bench -- --orgs N --users-per-org M`: the server across many organizations (issue 31).
 *
 * Seeding, as identity providers and operators do it: N organizations as `npm run cli -- org:create`
 * makes them (its service, in one process: seed-organizations.ts), SCIM turned on and a Torii SCIM key
 * made through each one's admin API, then M users (`POST /Users`) and GROUPS_PER_ORG groups holding them
 * (`POST /Groups` with members, as Okta pushes a group) through SCIM. The keys and ids go to a side file
 * next to the database (sideFile), so that `--database` can reuse it.
 *
 * Workloads `tenants-<name>` send each request to a random organization with its key, and the same
 * requests to one organization (the first tenant, the same size) in the same run, for the ratio.
 * `tenants-rss` is a fresh server's peak RSS after one pass that uses every organization; `startup`
 * the time from spawn to ready with the N organizations against an empty database; `jobs`
 * (tenant-jobs.ts) each scheduled job over the N organizations.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedProcess } from './server-process';

/** Groups per organization; user i of an organization is a member of group i % GROUPS_PER_ORG. */
export const GROUPS_PER_ORG = 3;

export interface Tenant {
  /** Tenant number, 1..N (`Tenant <n>`, users `user<i>@tenant<n>.test`). */
  n: number;
  id: string;
  /** The Torii API key org:create printed. */
  apiKey: string;
  scimKey: string;
  /** The seeded users' ids, user i at index i - 1. */
  users: number[];
  groups: string[];
}

export interface Tenants {
  orgs: number;
  usersPerOrg: number;
  tenants: Tenant[];
}

export interface Measurement {
  workload: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  cpuPercent: number;
}

/** What the bench gives this module: its runner, its way of starting a server, its settings. */
export interface BenchContext {
  root: string;
  databaseUrl: string;
  duration: number;
  warmup: number;
  connections: number;
  seedConnections: number;
  /** autocannon against a target, with the server's CPU share (bench.ts `run`). */
  run: (
    target: { url: string; pid: number; key?: string },
    requests: autocannon.Options['requests'],
    options: { duration?: number; amount?: number; connections: number },
  ) => Promise<Measurement>;
  /** Starts a server on `databaseUrl` as the bench does (production build and flags, pinned), with these variables on top. */
  startServer: (databaseUrl: string, env: Record<string, string>, pollMs?: number) => Promise<StartedProcess>;
  log: (message: string) => void;
}

export interface TenantSeeding {
  orgsSeconds: number;
  keysSeconds: number;
  usersSeconds: number;
  groupsSeconds: number;
}

const SCIM = '/v1.0/scim/v2';
const SCIM_JSON = { 'content-type': 'application/scim+json' };

// ---------------------------------------------------------------- side file

/** Where the tenants' keys and ids are kept: next to a SQLite file, in bench-results/ for a MySQL database. */
export function sideFile(root: string, databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `${databaseUrl.slice('sqlite:'.length)}.tenants.json`;
  return join(root, 'bench-results', `${new URL(databaseUrl).pathname.slice(1)}.tenants.json`);
}

export function removeSideFile(root: string, databaseUrl: string): void {
  rmSync(sideFile(root, databaseUrl), { force: true });
}

function save(file: string, tenants: Tenants): void {
  writeFileSync(file, JSON.stringify(tenants), { mode: 0o600 });
}

// ---------------------------------------------------------------- seeding

/**
 * The database's tenants: read from the side file when a previous run seeded them (`--database`), else
 * seeded now through the server at `url`. A database seeded with other counts is refused.
 */
export async function tenantsOf(
  ctx: BenchContext,
  target: { url: string; pid: number },
  orgs: number,
  usersPerOrg: number,
): Promise<{ tenants: Tenants; seeding?: TenantSeeding }> {
  const file = sideFile(ctx.root, ctx.databaseUrl);
  if (existsSync(file)) {
    const tenants = JSON.parse(readFileSync(file, 'utf8')) as Tenants;
    if (tenants.orgs !== orgs || tenants.usersPerOrg !== usersPerOrg)
      throw new Error(
        `The database was seeded with --orgs ${tenants.orgs} --users-per-org ${tenants.usersPerOrg} (${file}); run with those, or on a fresh database.`,
      );
    ctx.log(`The database holds ${orgs} organizations of ${usersPerOrg} users already (${file}): no seeding.`);
    return { tenants };
  }
  const seeding: TenantSeeding = { orgsSeconds: 0, keysSeconds: 0, usersSeconds: 0, groupsSeconds: 0 };
  let started = process.hrtime.bigint();
  const seconds = () => {
    const now = process.hrtime.bigint();
    const s = Number(now - started) / 1e9;
    started = now;
    return s;
  };
  const created = await createOrganizations(ctx, orgs);
  seeding.orgsSeconds = seconds();
  ctx.log(`  ${orgs} organizations (org:create's service, one process) in ${seeding.orgsSeconds.toFixed(1)} s`);
  const tenants: Tenants = {
    orgs,
    usersPerOrg,
    tenants: created.map((c) => ({ ...c, scimKey: '', users: new Array<number>(usersPerOrg).fill(0), groups: [] })),
  };
  const { url } = target;
  await pool(tenants.tenants, ctx.seedConnections, async (tenant) => {
    const headers = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' };
    await call(url, 'PATCH', '/v1.0/settings/security', headers, { scimEnabled: true });
    const key = await call(url, 'POST', '/v1.0/settings/api-keys', headers, { type: 'scim', description: 'bench' });
    tenant.scimKey = (key as { key: string }).key;
  });
  seeding.keysSeconds = seconds();
  ctx.log(`  SCIM on and a SCIM key for each (admin API) in ${seeding.keysSeconds.toFixed(1)} s`);
  await seedUsers(ctx, target, tenants);
  seeding.usersSeconds = seconds();
  const total = orgs * usersPerOrg;
  ctx.log(
    `  ${total} users through POST /Users in ${seeding.usersSeconds.toFixed(1)} s (${Math.round(total / seeding.usersSeconds)} users/s)`,
  );
  await seedGroups(ctx, target, tenants);
  seeding.groupsSeconds = seconds();
  ctx.log(`  ${orgs * GROUPS_PER_ORG} groups through POST /Groups in ${seeding.groupsSeconds.toFixed(1)} s`);
  save(file, tenants);
  ctx.log(`  Keys and ids written to ${file}`);
  return { tenants, seeding };
}

/** Organizations `Tenant 1..count`, by seed-organizations.js (org:create's service) on the database. */
function createOrganizations(ctx: BenchContext, count: number): Promise<Array<{ n: number; id: string; apiKey: string }>> {
  return new Promise((resolveCreated, reject) => {
    const child = spawn(process.execPath, [join(ctx.root, 'dist/scripts/bench/seed-organizations.js'), '1', String(count)], {
      cwd: ctx.root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: ctx.databaseUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`seed-organizations exited with ${code}:\n${err}`));
      const lines = out.trim().split('\n').filter(Boolean);
      const created = lines.map((line) => JSON.parse(line) as { n: number; id: string; apiKey: string });
      created.sort((a, b) => a.n - b.n);
      if (created.length !== count) return reject(new Error(`seed-organizations made ${created.length} of ${count}`));
      resolveCreated(created);
    });
  });
}

export function tenantUserBody(n: number, i: number | string, extra: Record<string, unknown> = {}): string {
  const userName = `user${i}@tenant${n}.test`;
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: `user${i}`, familyName: `Tenant${n}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `User ${i} Tenant ${n}`,
    locale: 'en-US',
    externalId: `ext-${n}-${i}`,
    groups: [],
    password: 'Sup3rSecret!',
    active: true,
    ...extra,
  });
}

const ID = /"id":"(\d+)"/;

/** Every organization's users through POST /Users, organization after organization, on seedConnections connections. */
async function seedUsers(ctx: BenchContext, target: { url: string; pid: number }, tenants: Tenants): Promise<void> {
  const total = tenants.orgs * tenants.usersPerOrg;
  let next = 0;
  let failed = '';
  const result = await ctx.run(
    target,
    [
      {
        method: 'POST',
        path: `${SCIM}/Users`,
        setupRequest: (req, context) => {
          const k = next++;
          (context as { k?: number }).k = k;
          const tenant = tenants.tenants[Math.floor(k / tenants.usersPerOrg)];
          return {
            ...req,
            headers: { ...req.headers, ...SCIM_JSON, authorization: `Bearer ${tenant.scimKey}` },
            body: tenantUserBody(tenant.n, (k % tenants.usersPerOrg) + 1),
          };
        },
        onResponse: (status, body, context) => {
          const k = (context as { k: number }).k;
          const id = ID.exec(body)?.[1];
          if (status !== 201 || !id)
            failed ||= `POST /Users (tenant ${Math.floor(k / tenants.usersPerOrg) + 1}): ${status} ${body}`;
          else tenants.tenants[Math.floor(k / tenants.usersPerOrg)].users[k % tenants.usersPerOrg] = Number(id);
        },
      },
    ],
    { amount: total, connections: Math.min(ctx.seedConnections, total) },
  );
  if (failed || result.errors) throw new Error(`Seeding users failed (${result.errors} errors): ${failed}`);
}

/** GROUPS_PER_ORG groups per organization, each created with its members (user i in group i % GROUPS_PER_ORG). */
async function seedGroups(ctx: BenchContext, target: { url: string; pid: number }, tenants: Tenants): Promise<void> {
  const total = tenants.orgs * GROUPS_PER_ORG;
  let next = 0;
  let failed = '';
  for (const tenant of tenants.tenants) tenant.groups = new Array<string>(GROUPS_PER_ORG).fill('');
  const result = await ctx.run(
    target,
    [
      {
        method: 'POST',
        path: `${SCIM}/Groups`,
        setupRequest: (req, context) => {
          const k = next++;
          (context as { k?: number }).k = k;
          const tenant = tenants.tenants[Math.floor(k / GROUPS_PER_ORG)];
          const g = k % GROUPS_PER_ORG;
          return {
            ...req,
            headers: { ...req.headers, ...SCIM_JSON, authorization: `Bearer ${tenant.scimKey}` },
            body: JSON.stringify({
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              displayName: `Group ${g + 1}`,
              externalId: `group-${tenant.n}-${g + 1}`,
              members: tenant.users.filter((_, i) => i % GROUPS_PER_ORG === g).map((id) => ({ value: String(id) })),
            }),
          };
        },
        onResponse: (status, body, context) => {
          const k = (context as { k: number }).k;
          const id = ID.exec(body)?.[1];
          if (status !== 201 || !id) failed ||= `POST /Groups: ${status} ${body}`;
          else tenants.tenants[Math.floor(k / GROUPS_PER_ORG)].groups[k % GROUPS_PER_ORG] = id;
        },
      },
    ],
    { amount: total, connections: Math.min(ctx.seedConnections, total) },
  );
  if (failed || result.errors) throw new Error(`Seeding groups failed (${result.errors} errors): ${failed}`);
}

/** `work` on every item, `parallel` at a time. */
export async function pool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** One JSON request; its body, or a thrown error naming the request and the answer. */
export async function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    // No content type without a body: the server refuses an empty JSON body.
    headers: body === undefined ? { authorization: headers.authorization } : headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

// ---------------------------------------------------------------- workloads

/** The workloads that send each request to a random organization (and, for the ratio, all to one). */
export const TENANT_WORKLOADS = [
  'tenants-filter',
  'tenants-get',
  'tenants-page',
  'tenants-patch',
  'tenants-post',
  'tenants-group-patch',
];
/** The other measures of --orgs: tenants-rss, startup, jobs. */
export const TENANT_MEASURES = ['tenants-rss', 'startup', 'jobs'];
export const TENANT_DEFAULT = [...TENANT_WORKLOADS, ...TENANT_MEASURES].join(',');

type Pick = () => Tenant;
type Ctx = Record<string, unknown>;
const run_id = Math.random().toString(36).slice(2, 8);
let sequence = 0;

const randomOf = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const auth = (req: autocannon.Request, tenant: Tenant, json = false) => ({
  ...req.headers,
  ...(json ? SCIM_JSON : {}),
  authorization: `Bearer ${tenant.scimKey}`,
});

/** A workload's requests, each to the organization `pick` gives. */
function tenantRequests(name: string, pick: Pick, usersPerOrg: number): autocannon.Options['requests'] {
  switch (name) {
    // Okta's existence check.
    case 'tenants-filter':
      return [
        {
          method: 'GET',
          setupRequest: (req) => {
            const tenant = pick();
            return {
              ...req,
              headers: auth(req, tenant),
              path: `${SCIM}/Users?filter=userName+eq+%22user${1 + Math.floor(Math.random() * usersPerOrg)}%40tenant${tenant.n}.test%22&startIndex=1&count=100`,
            };
          },
        },
      ];
    case 'tenants-get':
      return [
        {
          method: 'GET',
          setupRequest: (req) => {
            const tenant = pick();
            return { ...req, headers: auth(req, tenant), path: `${SCIM}/Users/${randomOf(tenant.users)}` };
          },
        },
      ];
    // The organization's first page (its M users and its Admin: min(M + 1, 100) of them).
    case 'tenants-page':
      return [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, headers: auth(req, pick()), path: `${SCIM}/Users?startIndex=1&count=100` }),
        },
      ];
    // Entra's attribute update: a new title each time, so that each PATCH writes (and records its audit
    // event). Not `active: false`, the single-organization patch: across organizations, deactivations
    // would open deprovisioning incidents (the safety net) in every one of them.
    case 'tenants-patch':
      return [
        {
          method: 'PATCH',
          setupRequest: (req) => {
            const tenant = pick();
            return {
              ...req,
              headers: auth(req, tenant, true),
              path: `${SCIM}/Users/${randomOf(tenant.users)}`,
              body: JSON.stringify({
                schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                Operations: [{ op: 'Replace', path: 'title', value: `Title ${run_id}-${++sequence}` }],
              }),
            };
          },
        },
      ];
    case 'tenants-post':
      return [
        {
          method: 'POST',
          path: `${SCIM}/Users`,
          setupRequest: (req) => {
            const tenant = pick();
            return { ...req, headers: auth(req, tenant, true), body: tenantUserBody(tenant.n, `new${run_id}-${++sequence}`) };
          },
        },
      ];
    // One member added to a group the user is not in, then removed with Okta's filtered path: each PATCH changes the group.
    case 'tenants-group-patch': {
      const body = (operation: unknown) =>
        JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] });
      return [
        {
          method: 'PATCH',
          setupRequest: (req, context) => {
            const tenant = pick();
            const i = Math.floor(Math.random() * tenant.users.length);
            const g = (i + 1 + Math.floor(Math.random() * (GROUPS_PER_ORG - 1))) % GROUPS_PER_ORG;
            Object.assign(context as Ctx, { tenant, user: tenant.users[i], group: tenant.groups[g] });
            return {
              ...req,
              headers: auth(req, tenant, true),
              path: `${SCIM}/Groups/${tenant.groups[g]}`,
              body: body({ op: 'add', path: 'members', value: [{ value: String(tenant.users[i]) }] }),
            };
          },
        },
        {
          method: 'PATCH',
          setupRequest: (req, context) => {
            const { tenant, user, group } = context as { tenant: Tenant; user: number; group: string };
            return {
              ...req,
              headers: auth(req, tenant, true),
              path: `${SCIM}/Groups/${group}`,
              body: body({ op: 'remove', path: `members[value eq "${user}"]` }),
            };
          },
        },
      ];
    }
    default:
      throw new Error(`Unknown workload ${name}`);
  }
}

export interface TenantResult {
  workload: string;
  /** Every request to the first tenant. */
  one: Measurement;
  /** Each request to a random organization. */
  random: Measurement;
}

/**
 * One tenants workload, on one organization and on a random one per request, each warmed up first,
 * then measured in the order one, random, random, one (half the duration each): a machine whose speed
 * drifts during the run (other processes) moves both alike. Each side's figures are its two halves'
 * mean (req/s, p50, CPU), their worst p99, their sums (errors, requests).
 */
export async function tenantWorkload(
  ctx: BenchContext,
  target: { url: string; pid: number },
  tenants: Tenants,
  name: string,
): Promise<TenantResult> {
  const first = tenants.tenants[0];
  const one: Pick = () => first;
  const random: Pick = () => randomOf(tenants.tenants);
  const measure = (pick: Pick, duration: number) =>
    ctx.run(target, tenantRequests(name, pick, tenants.usersPerOrg), { duration, connections: ctx.connections });
  if (ctx.warmup > 0) {
    await measure(one, ctx.warmup);
    await measure(random, ctx.warmup);
  }
  const half = Math.max(1, Math.round(ctx.duration / 2));
  const halves = { one: [await measure(one, half)], random: [await measure(random, half)] };
  halves.random.push(await measure(random, half));
  halves.one.push(await measure(one, half));
  const combine = ([a, b]: Measurement[]): Measurement => ({
    workload: name,
    rps: (a.rps + b.rps) / 2,
    p50: (a.p50 + b.p50) / 2,
    p99: Math.max(a.p99, b.p99),
    errors: a.errors + b.errors,
    requests: a.requests + b.requests,
    cpuPercent: (a.cpuPercent + b.cpuPercent) / 2,
  });
  const result = { workload: name, one: combine(halves.one), random: combine(halves.random) };
  ctx.log(
    `  ${name}: one organization ${Math.round(result.one.rps)} req/s, a random one of ${tenants.orgs} ${Math.round(result.random.rps)} req/s (${Math.round((result.random.rps / result.one.rps) * 100)}%)`,
  );
  return result;
}

export function printTenantTable(
  engine: string,
  tenants: Tenants,
  results: TenantResult[],
  connections: number,
  duration: number,
): void {
  const rows = [
    ['workload', 'one org req/s', 'p50', 'p99', 'random org req/s', 'p50', 'p99', 'random / one', 'errors', 'server CPU'],
    ...results.map(({ workload, one, random }) => [
      workload,
      Math.round(one.rps).toLocaleString('en-US'),
      String(one.p50),
      String(one.p99),
      Math.round(random.rps).toLocaleString('en-US'),
      String(random.p50),
      String(random.p99),
      `${Math.round((random.rps / one.rps) * 100)}%`,
      `${one.errors} / ${random.errors}`,
      `${Math.round(one.cpuPercent)}% / ${Math.round(random.cpuPercent)}%`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  process.stdout.write(
    `\n${engine}, ${tenants.orgs.toLocaleString('en-US')} organizations of ${tenants.usersPerOrg.toLocaleString('en-US')} users, ${connections} connections, ${duration} s per workload (latencies in ms)\n\n`,
  );
  process.stdout.write(
    `${line(rows[0])}\n| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |\n`,
  );
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
}

// ---------------------------------------------------------------- peak RSS after every organization

export interface TenantsRss {
  startMb: number;
  afterMb: number;
  peakMb: number;
  requests: number;
  seconds: number;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * `tenants-rss`: a fresh server (the rate limit on, as deployed; the scheduler off: `jobs` measures it)
 * and one pass that uses every organization once, `connections` organizations at a time: an existence
 * check, a get, a page, a PATCH, a membership added and removed. Its RSS before, its peak (VmHWM) and
 * its RSS after.
 */
export async function tenantsRss(ctx: BenchContext, tenants: Tenants): Promise<TenantsRss> {
  const server = await ctx.startServer(ctx.databaseUrl, { SCIM_RATE_LIMIT_PER_MINUTE: '', SCHEDULER_ENABLED: 'false' });
  try {
    const pid = server.child.pid!;
    // A moment for the start-up's garbage to settle, as a server that has been idle.
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 1000));
    const startMb = procStatus(pid, 'VmRSS');
    let requests = 0;
    const started = Date.now();
    const send = async (tenant: Tenant, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${SCIM}${path}`, {
        method,
        headers: { authorization: `Bearer ${tenant.scimKey}`, ...SCIM_JSON },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await response.arrayBuffer();
      requests += 1;
      if (!response.ok) throw new Error(`${method} ${path} (tenant ${tenant.n}): ${response.status}`);
    };
    const patch = (operations: unknown[]) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: operations,
    });
    await pool(tenants.tenants, ctx.connections, async (tenant) => {
      const i = Math.floor(Math.random() * tenant.users.length);
      const user = tenant.users[i];
      const otherGroup = tenant.groups[(i + 1) % GROUPS_PER_ORG];
      await send(tenant, 'GET', `/Users?filter=userName+eq+%22user${i + 1}%40tenant${tenant.n}.test%22&startIndex=1&count=100`);
      await send(tenant, 'GET', `/Users/${user}`);
      await send(tenant, 'GET', '/Users?startIndex=1&count=100');
      await send(tenant, 'PATCH', `/Users/${user}`, patch([{ op: 'Replace', path: 'title', value: `RSS ${run_id}` }]));
      await send(
        tenant,
        'PATCH',
        `/Groups/${otherGroup}`,
        patch([{ op: 'add', path: 'members', value: [{ value: String(user) }] }]),
      );
      await send(tenant, 'PATCH', `/Groups/${otherGroup}`, patch([{ op: 'remove', path: `members[value eq "${user}"]` }]));
    });
    const result = {
      startMb,
      afterMb: procStatus(pid, 'VmRSS'),
      peakMb: procStatus(pid, 'VmHWM'),
      requests,
      seconds: (Date.now() - started) / 1000,
    };
    ctx.log(
      `  tenants-rss: ${requests} requests over ${tenants.orgs} organizations in ${result.seconds.toFixed(1)} s; RSS ${startMb.toFixed(0)} → ${result.afterMb.toFixed(0)} MB, peak ${result.peakMb.toFixed(0)} MB`,
    );
    return result;
  } finally {
    await stop(server);
  }
}

export async function stop(server: StartedProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  await new Promise((resolveExit) => {
    server.child.once('exit', resolveExit);
    server.child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------- start-up

export interface Startup {
  emptyMs: number[];
  seededMs: number[];
}

/** Starts a server on each database in turns, `rounds` times: milliseconds from spawn to /health answering 200. */
export async function startup(ctx: BenchContext, emptyDatabaseUrl: string, rounds = 3): Promise<Startup> {
  const result: Startup = { emptyMs: [], seededMs: [] };
  const time = async (databaseUrl: string) => {
    const started = process.hrtime.bigint();
    const server = await ctx.startServer(databaseUrl, { BOOTSTRAP_ENABLED: 'false' }, 5);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await stop(server);
    return ms;
  };
  // Once each unmeasured: the empty database is migrated, and both files are in the page cache.
  await time(emptyDatabaseUrl);
  await time(ctx.databaseUrl);
  for (let i = 0; i < rounds; i++) {
    result.emptyMs.push(await time(emptyDatabaseUrl));
    result.seededMs.push(await time(ctx.databaseUrl));
  }
  ctx.log(
    `  startup: empty database ${result.emptyMs.map((ms) => ms.toFixed(0)).join(', ')} ms; seeded ${result.seededMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
  );
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}
