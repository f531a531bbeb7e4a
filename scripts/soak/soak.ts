/**
 * npm run soak — many identity providers at once, against the production build as it is deployed:
 * several instances sharing one MySQL/MariaDB database and Redis (or one instance on SQLite), each
 * with a small connection pool, more clients than the pools have connections, one instance killed
 * with SIGKILL and restarted mid-run. Then the final state, read back through the API, is checked
 * against what every client was told. docs/performance.md ("Soak") says what it checks.
 *
 *   npm run soak                                                     # SQLite, one instance, 60 s
 *   npm run soak -- --database mysql://root@127.0.0.1:3306/torii     # MariaDB: a fresh database next to it, 3 instances, Redis
 *   npm run soak -- --duration 120 --orgs 8 --clients-per-org 6 --pool 4 --kill-at 30% --seed 7 --json
 *
 * Exits with 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { BARE, CLI, freePort, freshDatabase, removeDatabase, schedulerSeconds, startProcess } from '../bench/server-process';
import { Cluster, Instance, Traffic } from './cluster';
import {
  emptyFindings,
  identityProviderConnection,
  newOrganization,
  organizationAdmin,
  random,
  SoakOrganization,
  unexpected,
  unexpectedAnswers,
  verify,
} from './identity-providers';
import { buildReport, LoadResult, printReport } from './report';
import type { WatcherInput, WatcherMessage, WatcherResult } from './watcher';

const { values: args } = parseArgs({
  options: {
    // mysql://user@host:3306/<name>: a fresh database <name>_soak_<time> is made on that server. Default: SQLite.
    database: { type: 'string' },
    instances: { type: 'string', default: '3' },
    pool: { type: 'string', default: '4' },
    orgs: { type: 'string', default: '6' },
    'clients-per-org': { type: 'string', default: '4' },
    duration: { type: 'string', default: '60' },
    // When one instance is SIGKILLed and restarted: a share of the duration (40%), seconds (24s), or off.
    'kill-at': { type: 'string', default: '40%' },
    seed: { type: 'string', default: '1' },
    // Diagnosis: the watcher reads through an instance of its own that no other client uses (the load
    // then reaches it only through the machine and the database, not through a shared process).
    'watcher-instance': { type: 'boolean', default: false },
    // Seconds the watcher measures alone before the load.
    idle: { type: 'string', default: '10' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    // SCIM requests a minute per key: on (each request takes a token, from Redis when there is one), never reached here.
    'rate-limit': { type: 'string', default: '60000' },
    // The instances' LOG_LEVEL; info logs every request with its server-side time ("ms") and organization, in the kept logs.
    'log-level': { type: 'string', default: 'warn' },
    'keep-database': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const MYSQL = args.database?.startsWith('mysql') ?? false;
const INSTANCES = MYSQL ? Number(args.instances) : 1;
const ORGS = Number(args.orgs);
const CLIENTS = Number(args['clients-per-org']);
const DURATION_S = Number(args.duration);
const SEED = Number(args.seed);
async function main(): Promise<void> {
  if (args.database && !MYSQL) throw new Error('--database takes a mysql:// URL; without it the soak runs on a SQLite file.');
  if (args['watcher-instance'] && !MYSQL)
    throw new Error('--watcher-instance needs MySQL/MariaDB: one server process per SQLite file.');
  for (const [name, value] of Object.entries({ INSTANCES, ORGS, CLIENTS, DURATION_S, SEED }))
    if (!Number.isInteger(value) || value < (name === 'SEED' ? 0 : 1)) throw new Error(`${name}: not a usable number`);
  const killAtS = killTime(String(args['kill-at']));
  const runId = randomBytes(4).toString('hex');
  const redisPrefix = `torii-soak-${runId}:`;
  const workDir = mkdtempSync(join(tmpdir(), 'torii-soak-'));
  const databaseUrl = await freshDatabase(args.database, 'soak');
  log(
    `Soak ${runId}: ${MYSQL ? `MySQL/MariaDB, ${INSTANCES} instances with a pool of ${args.pool}` : 'SQLite, one instance'}, ` +
      `${ORGS} organizations × ${CLIENTS} connections, ${DURATION_S} s, seed ${SEED}`,
  );
  const cli = (...argv: string[]) =>
    execFileSync(process.execPath, [CLI, ...argv], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    }).toString();
  const instances: Instance[] = [];
  const processes: Array<{ stop: () => unknown }> = [];
  let failed = true;
  try {
    cli('db:migrate');
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(args.pool),
      BOOTSTRAP_ENABLED: 'false',
      LOG_LEVEL: String(args['log-level']),
      SCIM_RATE_LIMIT_PER_MINUTE: String(args['rate-limit']),
      MAIL_OUTBOX_DIR: join(workDir, 'outbox'),
      HOST: '127.0.0.1',
      ...(MYSQL ? { REDIS_URL: String(args.redis), REDIS_KEY_PREFIX: redisPrefix } : {}),
    };
    for (let i = 0; i < INSTANCES + (args['watcher-instance'] ? 1 : 0); i++) {
      const port = await freePort();
      instances.push(new Instance(i, port, { ...env, APP_URL: `http://127.0.0.1:${port}` }));
    }
    await Promise.all(instances.map((instance) => instance.start()));
    // The clients' instances; with --watcher-instance the last one is the watcher's alone.
    const served = instances.slice(0, INSTANCES);
    // Set-up and read-back requests are not counted with the load's.
    const cluster = new Cluster(served, new Traffic());

    const { orgs, watched } = await organizations(cluster, cli);
    const control = await startProcess(BARE, ['0'], {}, { ready: /listening (\d+)/ });
    processes.push({ stop: () => control.child.kill('SIGTERM') });
    const watcher = startWatcher(args['watcher-instance'] ? instances.slice(INSTANCES) : served, control.url, watched);
    processes.push({ stop: () => watcher.stop() });
    log(`The watcher measures alone for ${args.idle} s…`);
    await sleep(Number(args.idle) * 1000);

    log(
      `Load for ${DURATION_S} s${killAtS === undefined ? '' : `; instance ${INSTANCES} is killed at ${killAtS.toFixed(1)} s`}…`,
    );
    const load = await runLoad(served, orgs, watcher, killAtS);
    const watcherResult = await watcher.result;

    log('Reading back every organization…');
    const findings = emptyFindings();
    for (const org of orgs) await verify(org, cluster, findings);

    const report = buildReport({
      options: {
        engine: MYSQL ? 'MySQL/MariaDB' : 'SQLite',
        instances: INSTANCES,
        poolPerInstance: Number(args.pool),
        rateLimitPerMinutePerKey: Number(args['rate-limit']),
        connectionsPerOrganization: CLIENTS,
        seed: SEED,
        watcherInstance: args['watcher-instance'],
      },
      orgs,
      load,
      watcher: { ...watcherResult, organizationId: watched.organizationId },
      findings,
      unexpected: { count: unexpectedAnswers(), samples: unexpected },
      serverErrorsLogged: served.map(
        (i) =>
          i
            .output()
            .split('\n')
            .filter((line) => /"level":(50|60)\b/.test(line)).length,
      ),
      exits: served.flatMap((i) => (i.unexpectedExit ? [i.unexpectedExit] : [])),
    });
    failed = report.checks.some((c) => !c.ok);
    const keepLogs = failed || args['log-level'] !== 'warn';
    if (args.json) process.stdout.write(`${JSON.stringify({ ...report, logs: keepLogs ? workDir : null }, null, 2)}\n`);
    else printReport(report);
  } finally {
    // Every process is stopped and the database dropped even when one of these steps fails.
    const stopped = await Promise.allSettled([...processes, ...instances].map((p) => p.stop()));
    for (const result of stopped) if (result.status === 'rejected') log(`Could not stop a process: ${String(result.reason)}`);
    instances.forEach((instance) => writeFileSync(join(workDir, `instance-${instance.index + 1}.log`), instance.output()));
    if (args['keep-database']) log(`Database kept: ${databaseUrl}`);
    else await removeDatabase(databaseUrl).catch((error) => log(`Could not remove ${databaseUrl}: ${String(error)}`));
    if (MYSQL) await removeRedisKeys(String(args.redis), redisPrefix);
    if (!failed && args['log-level'] === 'warn') rmSync(workDir, { recursive: true, force: true });
    else log(`Server logs kept in ${workDir}`);
  }
  process.exitCode = failed ? 1 : 0;
}

/**
 * The organizations, as an operator makes them (the CLI's org:create), with SCIM on and a SCIM key
 * from their admin API; then the watcher's organization and its one user.
 */
async function organizations(
  cluster: Cluster,
  cli: (...argv: string[]) => string,
): Promise<{ orgs: SoakOrganization[]; watched: WatchedUser }> {
  const onboard = async (name: string, email: string) => {
    const created = JSON.parse(cli('org:create', '--name', name, '--admin-email', email, '--json'));
    const apiKey: string = created.apiKey.key;
    const on = await cluster.send({ method: 'PATCH', path: '/settings/security', key: apiKey, body: { scimEnabled: true } });
    const key = await cluster.send({
      method: 'POST',
      path: '/settings/api-keys',
      key: apiKey,
      body: { type: 'scim', description: 'soak' },
    });
    if (on.status !== 200 || key.status !== 201)
      throw new Error(
        [
          `Setting up ${name}: PATCH /settings/security answered ${on.status || 'nothing'}, POST /settings/api-keys ${key.status || 'nothing'}`,
          ...cluster.instances.flatMap((i) => (i.unexpectedExit ? [i.unexpectedExit] : [])),
          ...cluster.traffic.samples.connection,
          ...cluster.traffic.samples.fivexx,
        ].join('\n'),
      );
    return { ...created, apiKey, scimKey: key.body.key as string };
  };
  const orgs: SoakOrganization[] = [];
  for (let i = 0; i < ORGS; i++) orgs.push(newOrganization(i, await onboard(`Soak ${i}`, `admin@org${i}.soak.test`)));
  const watcherOrg = await onboard('Soak watcher', 'admin@watcher.soak.test');
  const user = await cluster.send({
    method: 'POST',
    path: '/scim/v2/Users',
    key: watcherOrg.scimKey,
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'watched@watcher.soak.test', active: true },
  });
  if (user.status !== 201) throw new Error(`Creating the watcher's user: ${user.status}`);
  log(
    `${ORGS} organizations (${orgs.filter((o) => o.kind === 'okta').length} Okta, ${orgs.filter((o) => o.kind === 'entra').length} Entra) and the watcher's are ready.`,
  );
  return { orgs, watched: { organizationId: watcherOrg.organizationId, key: watcherOrg.scimKey, userId: user.body.id } };
}

interface WatchedUser {
  organizationId: string;
  key: string;
  userId: string;
}

interface Watcher {
  tell: (message: WatcherMessage) => void;
  result: Promise<WatcherResult>;
  stop: () => Promise<unknown>;
}

/** The watcher's thread (watcher.ts), measuring from now ("idle"), told which instances are in rotation. */
function startWatcher(instances: Instance[], controlUrl: string, watched: WatchedUser): Watcher {
  const worker = new Worker(join(__dirname, 'watcher.js'), {
    workerData: {
      urls: instances.map((i) => i.url),
      controlUrl,
      key: watched.key,
      userId: watched.userId,
    } satisfies WatcherInput,
  });
  const result = new Promise<WatcherResult>((resolveResult, reject) => {
    worker.once('message', resolveResult);
    worker.once('error', reject);
  });
  const tell = (message: WatcherMessage) => worker.postMessage(message);
  const rotation = setInterval(() => tell({ rotation: instances.map((i) => i.inRotation) }), 50);
  tell({ phase: 'idle' });
  return {
    tell,
    result,
    stop: () => {
      clearInterval(rotation);
      return worker.terminate();
    },
  };
}

/**
 * The load: every organization's identity-provider connections and its admin, for DURATION_S; one
 * instance killed and restarted at `killAtS`; the watcher told when the load starts and ends.
 */
async function runLoad(
  instances: Instance[],
  orgs: SoakOrganization[],
  watcher: Watcher,
  killAtS: number | undefined,
): Promise<LoadResult> {
  watcher.tell({ phase: 'load' });
  const machineBefore = machineTicks();
  const meters = cpuMeters(instances);
  for (const meter of meters) meter.mark();
  const loadAverages = [loadavg()[0]];
  const sampling = setInterval(() => loadAverages.push(loadavg()[0]), 5_000);
  const started = performance.now();
  const until = started + DURATION_S * 1000;
  let kill: LoadResult['kill'];
  const killing =
    killAtS === undefined
      ? Promise.resolve()
      : sleep(killAtS * 1000).then(async () => {
          const { killedAt, backAt } = await instances[INSTANCES - 1].killAndRestart();
          kill = { instance: INSTANCES, atS: (killedAt - started) / 1000, backAfterS: (backAt - killedAt) / 1000 };
          log(`Instance ${INSTANCES} killed at ${kill.atS.toFixed(1)} s, answering again ${kill.backAfterS.toFixed(1)} s later.`);
        });
  const traffic = new Traffic();
  const ctx = { cluster: new Cluster(instances, traffic), until, started };
  const clients = orgs.flatMap((org) => [
    ...Array.from({ length: CLIENTS }, (_, c) =>
      identityProviderConnection(org, c, CLIENTS, ctx, random(SEED * 1_000_003 + org.index * 101 + c)),
    ),
    organizationAdmin(org, ctx),
  ]);
  const watcherDone = sleep(DURATION_S * 1000).then(() => watcher.tell({ phase: 'stop' }));
  await Promise.all([...clients, killing, watcherDone]);
  const elapsedS = (performance.now() - started) / 1000;
  clearInterval(sampling);
  const cpu = meters.map((meter) => {
    const { ran, waited } = meter.mark();
    return {
      process: meter.name,
      ranPercent: Math.round((ran / elapsedS) * 100),
      waitedPercent: Math.round((waited / elapsedS) * 100),
    };
  });
  return {
    traffic,
    elapsedS,
    startedAt: performance.timeOrigin + started,
    kill,
    cpu,
    machineBusyPercent: machineBusyPercent(machineBefore, machineTicks()),
    loadAverages,
  };
}

/** `40%` of the duration, `24s` or `24`, or `off`. */
function killTime(raw: string): number | undefined {
  if (raw === 'off') return undefined;
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(raw);
  const seconds = percent ? (Number(percent[1]) / 100) * DURATION_S : Number(raw.replace(/s$/, ''));
  if (!Number.isFinite(seconds) || seconds < 0 || seconds >= DURATION_S)
    throw new Error(`--kill-at must be a share of the duration (40%), seconds within it (24s) or off; "${raw}" is not.`);
  return seconds;
}

/**
 * What the report shows of CPU time: each instance (its restart included), the load generator (this
 * process, the watcher's thread included), and the database server when it runs on this machine.
 */
function cpuMeters(instances: Instance[]): Array<{ name: string; mark: () => { ran: number; waited: number } }> {
  const since = (read: () => { ran: number; waited: number }) => {
    let last = read();
    return () => {
      const now = read();
      const used = { ran: now.ran - last.ran, waited: now.waited - last.waited };
      last = now;
      return used;
    };
  };
  const database = MYSQL ? localPid('mariadbd', 'mysqld') : undefined;
  return [
    ...instances.map((i) => ({ name: `instance ${i.index + 1}`, mark: () => i.markCpu() })),
    { name: 'load generator', mark: since(() => schedulerSeconds(process.pid)) },
    ...(database ? [{ name: 'database server', mark: since(() => schedulerSeconds(database)) }] : []),
  ];
}

function localPid(...names: string[]): number | undefined {
  try {
    return (
      Number(
        execFileSync('pidof', ['-s', ...names])
          .toString()
          .trim(),
      ) || undefined
    );
  } catch {
    return undefined; // not on this machine
  }
}

/** The machine's CPU ticks, busy and total, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** The share of all cores busy between two readings (100% = every core). */
function machineBusyPercent(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  return ((after.busy - before.busy) / (after.total - before.total)) * 100;
}

async function removeRedisKeys(url: string, prefix: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } catch (error) {
    log(`Could not remove the run's Redis keys (${prefix}*): ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
