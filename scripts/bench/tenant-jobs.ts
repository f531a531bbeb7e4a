/**
 * `--workloads jobs` (with --orgs): each scheduled job over the N organizations, with nothing due and
 * with 1% of the organizations due, and another organization's `GET /Users/{id}` while it runs.
 *
 * For each job, a server of its own on the bench's database, as deployed but for the schedule: the
 * scheduler on, that job's cron every PERIOD seconds (the cron variables take seconds), every other
 * job's once a year; METRICS_ENABLED, for each run's time and what it handled (JobRuns' `torii_job_*`
 * gauges, polled every 100 ms). A process of its own reads
 * another organization's user back to back (2 connections) from the start, each request's start and
 * time kept. Runs: the first (after start-up: it may do one-time work), NOTHING_DUE_RUNS with nothing
 * due, then 1% of the organizations made due (dueSetups, through the API where there is a way, the
 * clock moved back in the database where the job waits for time to pass), then one run. The reads that
 * overlap a run are "while it runs"; those that overlap no run (nor the set-up) are "idle".
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BenchContext, call, pool, stop, Tenant, Tenants, tenantUserBody } from './tenants';
import type { StartedProcess } from './server-process';

/** Seconds between a job's runs (a run longer than that skips ticks). */
const PERIOD = 15;
const NOTHING_DUE_RUNS = 2;
/** A cron expression that does not fire during a run of the bench (once a year). */
const NEVER = '0 0 1 1 *';

interface Job {
  /** Its name in /metrics (`torii_job_*{job="…"}`). */
  name: string;
  cron: string;
  /** A job whose run must follow the set-up before what it made due is seen (the traffic flush, once a minute). */
  after?: string;
  /** Makes `chosen` due; a sentence saying what it did. */
  due: (setup: Setup, chosen: Tenant[]) => Promise<string>;
  /** Undoes what a later run would trip over. */
  cleanup?: (setup: Setup, chosen: Tenant[]) => Promise<void>;
}

interface Setup {
  ctx: BenchContext;
  server: StartedProcess;
  tenants: Tenants;
  /** Scratch space between due() and cleanup(). */
  state: Record<string, unknown>;
}

const SCIM = '/v1.0/scim/v2';
const scimHeaders = (tenant: Tenant) => ({ authorization: `Bearer ${tenant.scimKey}`, 'content-type': 'application/scim+json' });
const apiHeaders = (tenant: Tenant) => ({ authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' });
const patchOp = (operations: unknown[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
});
const DAY_MS = 86_400_000;
/** As the server writes dates (common/db-values.ts toDbDate). */
const dbDate = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

const JOBS: Job[] = [
  {
    name: 'expiry-reminders',
    cron: 'REMINDER_CRON',
    // A SCIM key expiring in 7 days in each: inside the reminder windows (API_KEY_REMINDER_LEAD_TIMES), mailed to the Admins.
    due: async ({ ctx, server, state }, chosen) => {
      const expiresAt = new Date(Date.now() + 7 * DAY_MS).toISOString().slice(0, 10);
      const keys: Array<[Tenant, string]> = [];
      await pool(chosen, ctx.connections, async (tenant) => {
        const key = (await call(server.url, 'POST', '/v1.0/settings/api-keys', apiHeaders(tenant), {
          type: 'scim',
          description: 'bench: expiring',
          expiresAt,
        })) as { id: string };
        keys.push([tenant, key.id]);
      });
      state.keys = keys;
      return `a SCIM key expiring on ${expiresAt} in each (admin API)`;
    },
    cleanup: async ({ ctx, server, state }) => {
      await pool(state.keys as Array<[Tenant, string]>, ctx.connections, async ([tenant, id]) => {
        await call(server.url, 'DELETE', `/v1.0/settings/api-keys/${id}`, apiHeaders(tenant));
      });
    },
  },
  {
    name: 'scim-health',
    cron: 'SCIM_HEALTH_CRON',
    // Failures mark an organization due when the minute's traffic is written.
    after: 'scim-traffic',
    // Failed SCIM requests, a third of the organization's last 24 hours' (scim_traffic) and at least 10: the
    // connection turns degraded (more than 20% of at least 10 requests), an alert is mailed.
    due: async ({ ctx, server }, chosen) => {
      const failures = new Map<Tenant, number>();
      const db = await database(ctx.databaseUrl);
      try {
        for (const tenant of chosen) {
          const [[requests, errors]] = await db.rows(
            'SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(errors), 0) FROM scim_traffic WHERE organization_id = ? AND minute >= ?',
            [tenant.id, dbDate(new Date(Date.now() - DAY_MS))],
          );
          // (errors + n) / (requests + n) >= 1/3
          failures.set(tenant, Math.max(10, Math.ceil((Number(requests) / 3 - Number(errors)) * 1.5)));
        }
      } finally {
        await db.close();
      }
      await pool(chosen, ctx.connections, async (tenant) => {
        for (let i = 0; i < failures.get(tenant)!; i++) {
          const response = await fetch(`${server.url}${SCIM}/Users`, {
            method: 'POST',
            headers: scimHeaders(tenant),
            body: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}',
          });
          await response.arrayBuffer();
          if (response.status !== 400) throw new Error(`A failing POST /Users answered ${response.status}`);
        }
      });
      const sent = [...failures.values()].reduce((a, b) => a + b, 0);
      return `${sent} failed POST /Users (400) to this server, a third of each one's last 24 hours' requests`;
    },
  },
  {
    name: 'deleted-user-purge',
    cron: 'DELETED_USER_PURGE_CRON',
    // A user created and deleted through SCIM in each; then, in the database, that deletion and every
    // deprovisioning record before it moved back past DELETED_USER_RETENTION_DAYS (the job walks records oldest first).
    due: async ({ ctx, server }, chosen) => {
      const users: number[] = [];
      await pool(chosen, ctx.connections, async (tenant) => {
        const user = (await call(
          server.url,
          'POST',
          `${SCIM}/Users`,
          scimHeaders(tenant),
          JSON.parse(tenantUserBody(tenant.n, `purge${Date.now()}`)),
        )) as { id: string };
        await call(server.url, 'DELETE', `${SCIM}/Users/${user.id}`, scimHeaders(tenant));
        users.push(Number(user.id));
      });
      const past = dbDate(new Date(Date.now() - 31 * DAY_MS));
      const db = await database(ctx.databaseUrl);
      try {
        const marks = users.map(() => '?').join(', ');
        const [[last]] = await db.rows(`SELECT MAX(id) FROM user_deprovisionings WHERE user_id IN (${marks})`, users);
        const records = await db.write('UPDATE user_deprovisionings SET at = ? WHERE id <= ?', [past, last]);
        await db.write(`UPDATE users SET deleted_at = ? WHERE id IN (${marks})`, [past, ...users]);
        return `a user created and deleted in each (SCIM); ${records} deprovisioning records, these deletions the newest, moved back 31 days (database)`;
      } finally {
        await db.close();
      }
    },
  },
  {
    name: 'audit-prune',
    cron: 'AUDIT_PRUNE_CRON',
    // The oldest 1% of the audit log (by id: the job walks it oldest first) moved back past AUDIT_RETENTION_DAYS.
    due: async ({ ctx }) => {
      const db = await database(ctx.databaseUrl);
      try {
        const [[total]] = await db.rows('SELECT COUNT(*) FROM audit_events', []);
        const count = Math.max(1, Math.ceil(Number(total) / 100));
        const [[last]] = await db.rows(`SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET ${count - 1}`, []);
        const events = await db.write('UPDATE audit_events SET occurred_at = ? WHERE id <= ?', [
          dbDate(new Date(Date.now() - 181 * DAY_MS)),
          last,
        ]);
        return `the oldest ${events} of ${Number(total)} audit events moved back 181 days (database; not per organization)`;
      } finally {
        await db.close();
      }
    },
  },
  {
    name: 'incident-alerts',
    cron: 'DEPROVISION_ALERT_CRON',
    // A burst of deactivations through SCIM in each (DEPROVISION_BURST_THRESHOLD, 10, and
    // DEPROVISION_BURST_PERCENT, 10%, of its active users, which POSTs may have added to): a
    // deprovisioning incident opens with its alert due.
    due: async ({ ctx, server, state }, chosen) => {
      const db = await database(ctx.databaseUrl);
      try {
        const deactivated: Array<[Tenant, number]> = [];
        for (const tenant of chosen) {
          const [[active]] = await db.rows(
            'SELECT COUNT(*) FROM users WHERE organization_id = ? AND deleted_at IS NULL AND active = 1',
            [tenant.id],
          );
          const count = Math.max(10, Math.ceil(Number(active) / 10)) + 1;
          if (count > tenant.users.length) throw new Error(`Tenant ${tenant.n} has too few seeded users for a burst (${count})`);
          deactivated.push(...tenant.users.slice(0, count).map((id) => [tenant, id] as [Tenant, number]));
        }
        state.deactivated = deactivated;
        await pool(deactivated, ctx.connections, async ([tenant, id]) => {
          await call(
            server.url,
            'PATCH',
            `${SCIM}/Users/${id}`,
            scimHeaders(tenant),
            patchOp([{ op: 'replace', value: { active: false } }]),
          );
        });
        const [[due]] = await db.rows('SELECT COUNT(*) FROM deprovisioning_incidents WHERE alert_due = 1', []);
        return `${deactivated.length} users deactivated (SCIM), a tenth of each one's active users and one more: ${Number(due)} incident alerts due`;
      } finally {
        await db.close();
      }
    },
    // The users active again (the next run deactivates them again); their incidents stay open, dismissed by nobody.
    cleanup: async ({ ctx, server, state }) => {
      await pool(state.deactivated as Array<[Tenant, number]>, ctx.connections, async ([tenant, id]) => {
        await call(
          server.url,
          'PATCH',
          `${SCIM}/Users/${id}`,
          scimHeaders(tenant),
          patchOp([{ op: 'replace', value: { active: true } }]),
        );
      });
    },
  },
];

// ---------------------------------------------------------------- the job's runs, from /metrics

interface Run {
  /** When the bench saw it end (epoch ms), and its duration (ms): it ran over [end - ms, end]. */
  end: number;
  ms: number;
  /** The rows or organizations it handled, as the job counts them. */
  handled: number;
  failed: boolean;
}

/** A job's runs so far, from /metrics (JobRuns: `torii_job_*{job="…"}`). */
interface JobMetrics {
  runs: number;
  failures: number;
  seconds: number;
  handled: number;
  /** When the last run ended (epoch ms). */
  endedAt: number;
}

async function readJobMetrics(url: string, job: string): Promise<JobMetrics | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found: JobMetrics = { runs: 0, failures: 0, seconds: NaN, handled: NaN, endedAt: NaN };
  for (const line of text.split('\n')) {
    const match = /^(torii_job_\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match || !match[2].split(',').includes(`job="${job}"`)) continue;
    const value = Number(match[3]);
    if (match[1] === 'torii_job_runs_total') {
      found.runs += value;
      if (match[2].includes('outcome="failure"')) found.failures += value;
    } else if (match[1] === 'torii_job_last_run_duration_seconds') found.seconds = value;
    else if (match[1] === 'torii_job_last_run_handled') found.handled = value;
    else if (match[1] === 'torii_job_last_run_timestamp_seconds') found.endedAt = value * 1000;
  }
  return found.runs ? found : null;
}

/**
 * Polls /metrics (every 100 ms; a run every PERIOD s) until the job has run more often than `seen.last`
 * says (nothing: not at all yet); that run.
 */
async function nextRun(server: StartedProcess, job: string, seen: { last: JobMetrics | null }, timeoutMs: number): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 100));
    const now = performance.timeOrigin + performance.now();
    const read = await readJobMetrics(server.url, job);
    if (!read || read.runs === seen.last?.runs) continue;
    const failed = read.failures > (seen.last?.failures ?? 0);
    seen.last = read;
    // The server's own clock when it gives the end (this machine's, as the reads'), else when the poll saw it.
    return { end: Number.isNaN(read.endedAt) ? now : read.endedAt, ms: read.seconds * 1000, handled: read.handled, failed };
  }
  throw new Error(`The job "${job}" did not run within ${Math.round(timeoutMs / 1000)} s`);
}

// ---------------------------------------------------------------- another organization's reads

/** Back-to-back GETs on `connections` connections until stdin ends: [start (epoch ms), duration (ms)] of each. */
const READER = `
const [url, key, connections] = process.argv.slice(1);
const reads = [];
let stop = false;
process.stdin.on('end', () => (stop = true)).resume();
Promise.all(Array.from({ length: Number(connections) }, async () => {
  while (!stop) {
    const started = performance.timeOrigin + performance.now();
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + key } });
    await response.arrayBuffer();
    reads.push([started, performance.timeOrigin + performance.now() - started, response.status]);
  }
})).then(() => process.stdout.write(JSON.stringify(reads), () => process.exit(0)));
`;

function reader(url: string, key: string): { stop: () => Promise<Array<[number, number, number]>> } {
  const child = spawn(process.execPath, ['-e', READER, url, key, '2'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  const done = new Promise<Array<[number, number, number]>>((resolveReads, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolveReads(JSON.parse(output) as Array<[number, number, number]>)
        : reject(new Error(`reader exited ${code}`)),
    ),
  );
  return {
    stop: () => {
      child.stdin!.end();
      return done;
    },
  };
}

// ---------------------------------------------------------------- the measure

export interface JobResult {
  job: string;
  /** The first run after start-up (it may do one-time work), NOTHING_DUE_RUNS more, and the run after the set-up. */
  first: Run;
  nothingDue: Run[];
  due: Run;
  /** What was made due, in how many organizations, and how long that took. */
  made: string;
  dueOrganizations: number;
  setupSeconds: number;
  /** The other organization's reads: idle, while the first, a nothing-due and the 1%-due run ran. */
  reads: { idle: Reads; first: Reads; nothingDue: Reads; due: Reads; errors: number };
  peakRssMb: number;
}

interface Reads {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

export interface JobsResult {
  orgs: number;
  period: number;
  jobs: JobResult[];
  /** Why the jobs could not be measured (a build whose /metrics does not time them). */
  unavailable?: string;
}

/** Reads around a window: a read that started before its end and ended after its start. */
const overlaps = (read: [number, number, number], from: number, to: number) => read[0] < to && read[0] + read[1] > from;

function stats(reads: Array<[number, number, number]>): Reads {
  const sorted = reads.map((r) => r[1]).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : NaN);
  return { requests: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

export async function tenantJobs(ctx: BenchContext, tenants: Tenants): Promise<JobsResult> {
  const jobs: JobResult[] = [];
  // The reading organization is never among those made due.
  const other = tenants.tenants[tenants.tenants.length - 1];
  // Nor is the first, the workloads' single organization (tenants-post adds thousands of users to it).
  const candidates = tenants.tenants.slice(1, -1);
  const dueCount = Math.max(1, Math.round(tenants.orgs / 100));
  const only = process.env.BENCH_JOBS ? new RegExp(process.env.BENCH_JOBS) : undefined;
  for (const job of JOBS.filter((j) => !only || only.test(j.name))) {
    const env: Record<string, string> = { SCHEDULER_ENABLED: 'true', METRICS_ENABLED: 'true' };
    for (const j of JOBS) env[j.cron] = j === job ? `*/${PERIOD} * * * * *` : NEVER;
    const server = await ctx.startServer(ctx.databaseUrl, env);
    try {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      if (!metrics.includes('torii_job_last_run_duration_seconds')) {
        const unavailable =
          'not measured: /metrics gives no torii_job_last_run_duration_seconds (this build does not time its scheduled jobs)';
        ctx.log(`  jobs: ${unavailable}`);
        return { orgs: tenants.orgs, period: PERIOD, jobs, unavailable };
      }
      const seen = { last: await readJobMetrics(server.url, job.name) };
      const reads = reader(`${server.url}${SCIM}/Users/${other.users[0]}`, other.scimKey);
      // A run may take minutes at scale (that is what this measures): wait for it.
      const timeout = (PERIOD + 600) * 1000;
      const first = await nextRun(server, job.name, seen, timeout);
      const nothing: Run[] = [];
      for (let i = 0; i < NOTHING_DUE_RUNS; i++) nothing.push(await nextRun(server, job.name, seen, timeout));
      const chosen = [...candidates].sort(() => Math.random() - 0.5).slice(0, dueCount);
      const setup: Setup = { ctx, server, tenants, state: {} };
      const setupFrom = performance.timeOrigin + performance.now();
      const made = await job.due(setup, chosen);
      if (job.after) {
        const afterSeen = { last: await readJobMetrics(server.url, job.after) };
        await nextRun(server, job.after, afterSeen, 120_000);
      }
      const setupTo = performance.timeOrigin + performance.now();
      // The runs during the set-up are not counted, nor one that began before it ended (it saw part of it).
      seen.last = await readJobMetrics(server.url, job.name);
      let due = await nextRun(server, job.name, seen, timeout);
      while (due.end - due.ms < setupTo) due = await nextRun(server, job.name, seen, timeout);
      const all = await reads.stop();
      const runs = [first, ...nothing, due];
      const margin = 100;
      const inRun = (run: Run) => all.filter((r) => overlaps(r, run.end - run.ms - margin, run.end));
      const idle = all.filter(
        (r) => !runs.some((run) => overlaps(r, run.end - run.ms - margin, run.end + margin)) && !overlaps(r, setupFrom, setupTo),
      );
      const peakRssMb = peak(server.child.pid!);
      if (job.cleanup) await job.cleanup(setup, chosen);
      if (runs.some((run) => run.failed))
        ctx.log(`  jobs: ${job.name}: a run failed (torii_job_runs_total outcome="failure"); see the server's log`);
      const result: JobResult = {
        job: job.name,
        first,
        nothingDue: nothing,
        due,
        made,
        dueOrganizations: chosen.length,
        setupSeconds: (setupTo - setupFrom) / 1000,
        reads: {
          idle: stats(idle),
          first: stats(inRun(first)),
          nothingDue: stats(nothing.flatMap(inRun)),
          due: stats(inRun(due)),
          errors: all.filter((r) => r[2] !== 200).length,
        },
        peakRssMb,
      };
      jobs.push(result);
      const run = (r: Run) => `${r.ms.toFixed(0)} ms (${r.handled} handled)`;
      ctx.log(
        `  jobs: ${job.name}: first run ${run(first)}, nothing due ${nothing.map(run).join(', ')}, ${chosen.length} organizations due ${run(due)}: ${made}; other organization's GET p99 idle ${result.reads.idle.p99.toFixed(1)} ms, during the runs ${result.reads.nothingDue.p99.toFixed(1)} / ${result.reads.due.p99.toFixed(1)} ms`,
      );
    } finally {
      await stop(server);
    }
  }
  return { orgs: tenants.orgs, period: PERIOD, jobs };
}

function peak(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export function printJobs(result: JobsResult): void {
  if (result.unavailable) {
    process.stdout.write(`\nScheduled jobs: ${result.unavailable}\n`);
    return;
  }
  const run = (r: Run) => `${r.ms.toFixed(0)} (${r.handled})${r.failed ? ' failed' : ''}`;
  const p = (r: Reads) => (r.requests ? `${r.p99.toFixed(1)} (${r.requests})` : '–');
  const lines = [
    '',
    `Scheduled jobs over ${result.orgs.toLocaleString('en-US')} organizations, each on a server of its own with its cron every ${result.period} s: each run's ms (rows or organizations it handled); another organization's GET /Users/{id} on 2 connections, p99 ms (reads)`,
    '',
    '| job | first run | nothing due | 1% due | idle p99 | p99 while the first ran | while nothing due ran | while 1% due ran | read errors | server peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.jobs.map(
      (j) =>
        `| ${j.job} | ${run(j.first)} | ${j.nothingDue.map(run).join(', ')} | ${run(j.due)} | ${p(j.reads.idle)} | ${p(j.reads.first)} | ${p(j.reads.nothingDue)} | ${p(j.reads.due)} | ${j.reads.errors} | ${j.peakRssMb.toFixed(0)} MB |`,
    ),
    '',
    ...result.jobs.map(
      (j) => `- ${j.job}, 1% due: ${j.dueOrganizations} organizations; ${j.made} (set-up ${j.setupSeconds.toFixed(1)} s)`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

// ---------------------------------------------------------------- the database, for what only time makes due

interface Database {
  rows: (sql: string, params: unknown[]) => Promise<unknown[][]>;
  /** Rows changed. */
  write: (sql: string, params: unknown[]) => Promise<number>;
  close: () => Promise<void>;
}

async function database(url: string): Promise<Database> {
  if (url.startsWith('sqlite:')) {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(url.slice('sqlite:'.length));
    db.pragma('busy_timeout = 10000');
    return {
      rows: async (sql, params) =>
        db
          .prepare(sql)
          .raw()
          .all(...params) as unknown[][],
      write: async (sql, params) => db.prepare(sql).run(...params).changes,
      close: async () => {
        db.close();
      },
    };
  }
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection(url);
  return {
    rows: async (sql, params) => (await connection.query({ sql, rowsAsArray: true }, params))[0] as unknown[][],
    write: async (sql, params) => ((await connection.query(sql, params))[0] as { affectedRows: number }).affectedRows,
    close: () => connection.end(),
  };
}
