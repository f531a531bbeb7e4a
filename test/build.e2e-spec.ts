import { spawn } from 'node:child_process';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from './support/database';
import { databaseUrl, ROOT, RunningServer, startServer } from './support/process';

/** Runs a command to its end; resolves with its exit code and output. */
function runCommand(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Operators run `npm run cli` (which compiles the server and CLI first) on the machine that serves
 * the settings UI, and developers run `npm test` or `npm run build` next to `npm start`. None of it
 * may take the running server's files away: its page and assets answer 200 throughout.
 */
describe('building next to a running server', () => {
  let db: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServer({ DATABASE_URL: databaseUrl(db.config), BOOTSTRAP_ENABLED: 'false' });
  });

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  /** Requests the page and each asset it names, over and over, while `work` runs; returns every non-200 seen. */
  async function pollWhile(work: Promise<unknown>): Promise<{ failures: string[]; rounds: number }> {
    const page = await (await fetch(`${server.url}/settings`)).text();
    const assets = [...page.matchAll(/(?:src|href)="(\/settings\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    let done = false;
    void work.finally(() => (done = true));
    const failures: string[] = [];
    let rounds = 0;
    while (!done) {
      rounds += 1;
      for (const path of ['/settings', '/settings/api-access', ...assets]) {
        const response = await fetch(`${server.url}${path}`);
        await response.arrayBuffer();
        if (response.status !== 200) failures.push(`${path}: ${response.status}`);
      }
    }
    return { failures, rounds };
  }

  it('should keep serving the settings page and its assets during `npm run cli -- --help`', async () => {
    // A source newer than the last compile, so that the CLI's build step recompiles the server in place.
    const stamp = join(ROOT, 'dist/.server-build');
    const before = readFileSync(stamp, 'utf8');
    const now = new Date(Date.now() + 1000);
    utimesSync(join(ROOT, 'apps/server/src/main.ts'), now, now);
    const cli = runCommand('npm', ['run', '--silent', 'cli', '--', '--help']);
    const { failures, rounds } = await pollWhile(cli);
    const result = await cli;
    expect(result.code).toBe(0);
    expect(result.output).toContain('Usage: npm run cli -- <command>');
    expect(readFileSync(stamp, 'utf8')).not.toBe(before);
    expect(rounds).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });

  it('should keep serving them while the UI itself is rebuilt and swapped in', async () => {
    const build = runCommand(process.execPath, ['scripts/build.mjs', '--force-web']);
    const { failures, rounds } = await pollWhile(build);
    expect((await build).code).toBe(0);
    expect(rounds).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });
});
