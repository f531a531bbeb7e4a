/** The soak's report: its checks against the targets (contract §9), as a table or as JSON. */
import { cpus } from 'node:os';
import type { Traffic } from './cluster';
import type { Findings, SoakOrganization } from './identity-providers';
import type { WatcherResult, WatcherSample } from './watcher';

/** The watcher's p99 under load may exceed its idle p99 by this much (contract §9). */
const P99_BUDGET_MS = 50;
/** Seconds around the kill and the restart left out of the watcher's second figure (not out of the target). */
const KILL_WINDOW_S = 3;

export interface LoadResult {
  traffic: Traffic;
  elapsedS: number;
  /** Epoch milliseconds at which the load started. */
  startedAt: number;
  kill?: { instance: number; atS: number; backAfterS: number };
  /** Each process's CPU over the load, as a share of one core: time it ran, and time it waited runnable for a core. */
  cpu: Array<{ process: string; ranPercent: number; waitedPercent: number }>;
  machineBusyPercent: number;
  loadAverages: number[];
}

export interface ReportInput {
  options: {
    engine: string;
    instances: number;
    poolPerInstance: number;
    rateLimitPerMinutePerKey: number;
    connectionsPerOrganization: number;
    seed: number;
    watcherInstance: boolean;
  };
  orgs: SoakOrganization[];
  load: LoadResult;
  watcher: WatcherResult & { organizationId: string };
  findings: Findings;
  unexpected: { count: number; samples: string[] };
  /** Lines logged at error level or above, per instance. */
  serverErrorsLogged: number[];
  /** Instances that exited without being told to. */
  exits: string[];
}

export interface Check {
  name: string;
  value: string;
  target: string;
  ok: boolean;
}

export type Report = ReturnType<typeof buildReport>;

export function buildReport(input: ReportInput) {
  const { load, watcher, findings } = input;
  const { traffic, kill } = load;
  const inKillWindow = (s: WatcherSample) =>
    kill !== undefined &&
    [kill.atS, kill.atS + kill.backAfterS].some((t) => Math.abs((s.at - load.startedAt) / 1000 - t) <= KILL_WINDOW_S);
  const idle = latency(watcher.idle);
  const underLoad = latency(watcher.load);
  const watcherFivexx = Object.entries(watcher.otherStatuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
  const fivexx = traffic.fivexx + watcherFivexx;
  const checks: Check[] = [
    { name: '5xx from live instances', value: String(fivexx), target: '0', ok: fivexx === 0 },
    {
      name: 'connections cut or refused by instances not killed, instances that died on their own',
      value: `${traffic.connectionErrorsOnLive}, ${input.exits.length}`,
      target: '0, 0',
      ok: traffic.connectionErrorsOnLive === 0 && input.exits.length === 0,
    },
    {
      name: 'answers a client did not expect (4xx to a legal request)',
      value: String(input.unexpected.count),
      target: '0',
      ok: input.unexpected.count === 0,
    },
    {
      name: `acknowledged writes lost (of ${findings.usersChecked} users, ${findings.membershipsChecked} memberships, ${findings.mappingsChecked} mappings)`,
      value: String(findings.lost.length),
      target: '0',
      ok: findings.lost.length === 0,
    },
    {
      name: 'users, members or mappings no client made',
      value: String(findings.unexplained.length),
      target: '0',
      ok: findings.unexplained.length === 0,
    },
    {
      name: `users whose userType is not what their groups and the mappings imply (of ${findings.rolesChecked})`,
      value: String(findings.roles.length),
      target: '0',
      ok: findings.roles.length === 0,
    },
    {
      name: `watcher GET /Users/{id} p99 under load minus idle (${underLoad.p99} − ${idle.p99} ms)`,
      value: `${signed(underLoad.p99 - idle.p99)} ms`,
      target: `≤ +${P99_BUDGET_MS} ms`,
      ok: underLoad.p99 - idle.p99 <= P99_BUDGET_MS,
    },
  ];
  return {
    ...input.options,
    organizations: {
      okta: input.orgs.filter((o) => o.kind === 'okta').length,
      entra: input.orgs.filter((o) => o.kind === 'entra').length,
    },
    durationS: round(load.elapsedS),
    kill: kill ?? null,
    requests: {
      total: traffic.requests,
      perSecond: Math.round(traffic.requests / load.elapsedS),
      byStatus: Object.fromEntries([...traffic.statuses].sort(([a], [b]) => a - b)),
      cutByKill: traffic.cutByKill,
      refusedByKill: traffic.refusedByKill,
      connectionErrorsOnLive: traffic.connectionErrorsOnLive,
      retries: traffic.retries,
      gaveUp: traffic.gaveUp,
    },
    state: {
      users: findings.usersChecked,
      memberships: findings.membershipsChecked,
      mappings: findings.mappingsChecked,
      roles: findings.rolesChecked,
    },
    watcher: {
      organizationId: watcher.organizationId,
      idle,
      load: underLoad,
      loadOutsideKillWindow: latency(watcher.load.filter((s) => !inKillWindow(s))),
      control: { idle: latency(watcher.control.idle), load: latency(watcher.control.load) },
      connectionErrors: watcher.connectionErrors,
      otherStatuses: watcher.otherStatuses,
      loopDelayP99Ms: round(watcher.loopDelayP99Ms),
    },
    machine: {
      cores: cpus().length,
      busyPercent: Math.round(load.machineBusyPercent),
      cpu: load.cpu,
      loadAverage1m: { min: round(Math.min(...load.loadAverages)), max: round(Math.max(...load.loadAverages)) },
    },
    serverErrorsLogged: input.serverErrorsLogged,
    checks,
    samples: {
      fivexx: traffic.samples.fivexx,
      connection: [...traffic.samples.connection, ...input.exits],
      unexpected: input.unexpected.samples,
      lost: findings.lost.slice(0, 10),
      unexplained: findings.unexplained.slice(0, 10),
      roles: findings.roles.slice(0, 10),
    },
  };
}

export function printReport(r: Report): void {
  const lines = [
    '',
    `Soak: ${r.engine === 'SQLite' ? 'SQLite, one instance' : `${r.engine}, ${r.instances} instances with a pool of ${r.poolPerInstance} each, sharing the database and Redis`}; ` +
      `${r.organizations.okta} Okta and ${r.organizations.entra} Entra organizations × ${r.connectionsPerOrganization} connections, ` +
      `an admin each, a watcher${r.watcherInstance ? ' (on an instance of its own)' : ''}; ${r.durationS} s, seed ${r.seed}`,
    r.kill
      ? `Instance ${r.kill.instance} killed (SIGKILL) at ${r.kill.atS.toFixed(1)} s, answering again ${r.kill.backAfterS.toFixed(1)} s later`
      : 'No instance killed',
    '',
    `Requests: ${r.requests.total.toLocaleString('en-US')} (${r.requests.perSecond}/s), ${r.requests.retries} retries, ${r.requests.gaveUp} given up`,
    '',
    table(
      ['answer', 'requests'],
      [
        ...Object.entries(r.requests.byStatus).map(([status, n]) => [status, n.toLocaleString('en-US')]),
        ['connection cut by the SIGKILL', String(r.requests.cutByKill)],
        ['connection refused by the killed instance', String(r.requests.refusedByKill)],
      ],
    ),
    '',
    table(
      ['watcher GET /Users/{id}', 'requests', 'p50 ms', 'p99 ms', 'max ms'],
      (
        [
          ['idle', r.watcher.idle],
          ['under load', r.watcher.load],
          [`under load, ±${KILL_WINDOW_S} s of the kill and restart left out`, r.watcher.loadOutsideKillWindow],
          ['control (bare node:http on this machine), idle', r.watcher.control.idle],
          ['control, under load', r.watcher.control.load],
        ] as const
      ).map(([name, m]) => [name, String(m.requests), String(m.p50), String(m.p99), String(m.max)]),
    ),
    '',
    `Machine: ${r.machine.cores} cores, ${r.machine.busyPercent}% busy; 1-minute load average ${r.machine.loadAverage1m.min}–${r.machine.loadAverage1m.max}; ` +
      `watcher thread's event-loop delay p99 ${r.watcher.loopDelayP99Ms} ms`,
    `CPU over the load, as a share of one core (ran / waited runnable for a core): ${r.machine.cpu.map((c) => `${c.process} ${c.ranPercent}% / ${c.waitedPercent}%`).join(', ')}`,
    `Server errors logged: ${r.serverErrorsLogged.join(', ')}`,
    '',
    table(
      ['check', 'result', 'target', ''],
      r.checks.map((c) => [c.name, c.value, c.target, c.ok ? 'ok' : 'MISSED']),
    ),
    '',
  ];
  for (const [name, samples] of Object.entries(r.samples))
    if (samples.length) lines.push(`First ${name}:`, ...samples.map((s) => `  ${s}`), '');
  process.stdout.write(lines.join('\n'));
}

function latency(samples: WatcherSample[]): { requests: number; p50: number; p99: number; max: number } {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : NaN);
  return { requests: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.length ? round(sorted[sorted.length - 1]) : NaN };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

const round = (n: number) => Math.round(n * 10) / 10;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${round(n)}`;
