/** What the bench scripts (bench.ts, cpu-ab.ts) read of a server process, and how they start one. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/** The process's user and system CPU time so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** The Node flags of `npm run start:prod`: the server is measured as it is run. */
export function productionNodeFlags(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
    'start:prod'
  ];
  return script.split(/\s+/).filter((token) => token.startsWith('--'));
}
