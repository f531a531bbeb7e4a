/** What the bench and soak scripts read of a server process, how they start one, and the database they give it. */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/** The process's user and system CPU time so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/**
 * Seconds the process's threads ran on a CPU, and waited runnable for one (on a run queue), so far:
 * the sum of /proc/<pid>/task/<tid>/schedstat. A wait close to the run time or above it means the
 * machine, not the process, set the pace.
 */
export function schedulerSeconds(pid: number): { ran: number; waited: number } {
  let ran = 0;
  let waited = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
      ran += run / 1e9;
      waited += wait / 1e9;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { ran, waited };
}

/** The Node flags of `npm run start:prod`: the server is measured as it is run. */
export function productionNodeFlags(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
    'start:prod'
  ];
  return script.split(/\s+/).filter((token) => token.startsWith('--'));
}

/** The built server and operator CLI, as `npm run start:prod` and `npm run cli` run them. */
export const SERVER = join(ROOT, 'dist/apps/server/src/main.js');
export const CLI = join(ROOT, 'dist/apps/server/src/cli/main.js');
/** A bare node:http server answering fixed JSON (bare-server.ts): what the machine itself does. */
export const BARE = join(ROOT, 'dist/scripts/bench/bare-server.js');

export interface StartedProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
}

/**
 * Starts a script and waits until it answers: a process that prints its port is ready when its
 * output matches `ready` (the port is the first group); otherwise it is ready when /health answers
 * on env.PORT, polled every `pollMs` (50). `core` pins it to one CPU with taskset.
 */
export async function startProcess(
  script: string,
  argv: string[],
  env: Record<string, string>,
  options: { ready?: RegExp; nodeFlags?: string[]; core?: number; pollMs?: number } = {},
): Promise<StartedProcess> {
  const { ready, nodeFlags = [], core, pollMs = 50 } = options;
  const command = core === undefined ? process.execPath : 'taskset';
  const commandArgs =
    core === undefined ? [...nodeFlags, script, ...argv] : ['-c', String(core), process.execPath, ...nodeFlags, script, ...argv];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = ready?.exec(output);
      if (match) resolvePort(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 60_000).unref();
    if (!ready) {
      const poll = async (): Promise<void> => {
        try {
          if ((await fetch(`http://127.0.0.1:${env.PORT}/health`)).ok) return resolvePort(Number(env.PORT));
        } catch {
          // not up yet
        }
        setTimeout(() => void poll(), pollMs);
      };
      void poll();
    }
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether `taskset` can pin processes here. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh database for a run: a SQLite file in a temporary folder when `url` is empty or SQLite, or
 * a database named `<name in url>_<label>_<time>` (utf8mb4_bin, as the test suites make theirs) on
 * the MySQL/MariaDB server `url` names.
 */
export async function freshDatabase(url: string | undefined, label: string): Promise<string> {
  if (!url || url.startsWith('sqlite'))
    return `sqlite:${join(mkdtempSync(join(tmpdir(), `torii-${label}-`)), `${label}.sqlite`)}`;
  const parsed = new URL(url);
  const name = `${parsed.pathname.slice(1) || 'torii'}_${label}_${Date.now()}`;
  await onServer(url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Removes what freshDatabase made. */
export async function removeDatabase(databaseUrl: string): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    rmSync(dirname(databaseUrl.slice('sqlite:'.length)), { recursive: true, force: true });
    return;
  }
  await onServer(databaseUrl, `DROP DATABASE IF EXISTS \`${new URL(databaseUrl).pathname.slice(1)}\``);
}

/** One statement on the MySQL server of `url`, outside any database. */
async function onServer(url: string, sql: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/';
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection(admin.toString());
  await connection.query(sql);
  await connection.end();
}
