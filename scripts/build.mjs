#!/usr/bin/env node
/**
 * npm run build — compiles the server (with its CLI entry), the libraries and the scripts with SWC
 * into dist/, then the settings UI with Vite into dist/web. Safe to run next to a running server:
 *
 * - Nothing is deleted first. The server is compiled only when a source (or .swcrc, or
 *   package-lock.json) is newer than the last compile (dist/.server-build); SWC then rewrites the
 *   JavaScript in place (a running process has already loaded its modules), and files whose source
 *   is gone are pruned.
 * - The UI is rebuilt only when its inputs changed (a hash of apps/web, libs/api-types and package-lock.json, kept
 *   in dist/web/.build-hash), into a staging folder; its files are then renamed into dist/web, the
 *   hashed assets before index.html, and only then are the previous build's assets removed. A
 *   server reading dist/web sees the old files or the new ones, never a missing one.
 *
 *   node scripts/build.mjs              # everything (npm run build)
 *   node scripts/build.mjs --no-web     # server, CLI and libraries only (npm run cli builds this)
 *   node scripts/build.mjs --force-web  # rebuild the UI even if its inputs did not change
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const WEB_DIR = join(DIST, 'web');
const WEB_STAGING = join(DIST, '.web-next');
const HASH_FILE = '.build-hash';
const SERVER_STAMP = join(DIST, '.server-build');
/** Compiled by SWC; each maps to dist/<same path>. */
const SOURCES = ['apps/server', 'libs', 'scripts', 'ormconfig.ts'];

const args = new Set(process.argv.slice(2));

if (serverSourcesChanged()) {
  compileServer();
  pruneStale();
  writeFileSync(SERVER_STAMP, new Date().toISOString());
}
if (!args.has('--no-web')) await buildWeb(args.has('--force-web'));

function compileServer() {
  const swc = join(ROOT, 'node_modules/.bin/swc');
  const result = spawnSync(
    swc,
    [
      ...SOURCES,
      '-d',
      'dist',
      '--copy-files',
      // Unit specs and the protocol library's test fixtures are not part of the build.
      '--ignore',
      '**/*.spec.ts,**/testing/**',
      '--quiet',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Whether any input of the server's compile is newer than the last one (or there was none). */
function serverSourcesChanged() {
  if (!existsSync(SERVER_STAMP) || !existsSync(join(DIST, 'apps/server/src/main.js'))) return true;
  const built = statSync(SERVER_STAMP).mtimeMs;
  const inputs = [join(ROOT, '.swcrc'), join(ROOT, 'package-lock.json')];
  for (const source of SOURCES) {
    const path = join(ROOT, source);
    inputs.push(...(statSync(path).isDirectory() ? walk(path) : [path]));
  }
  // A source moved or deleted changes no file, only its folder: check the folders too, so the prune runs.
  return inputs.some((file) => statSync(file).mtimeMs > built) || directoryChanged(built);
}

/** A folder's mtime changes when a file in it is added, removed or renamed. */
function directoryChanged(built) {
  const dirs = SOURCES.map((s) => join(ROOT, s)).filter((p) => statSync(p).isDirectory());
  const all = dirs.flatMap((d) => [d, ...walkDirs(d)]);
  return all.some((d) => statSync(d).mtimeMs > built);
}

function walkDirs(dir) {
  const dirs = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const path = join(dir, entry.name);
      dirs.push(path, ...walkDirs(path));
    }
  }
  return dirs;
}

/** Removes compiled files whose TypeScript source no longer exists (a moved or deleted module). */
function pruneStale() {
  for (const top of ['apps', 'libs', 'scripts']) {
    const dir = join(DIST, top);
    if (!existsSync(dir)) continue;
    for (const file of walk(dir)) {
      const match = /^(.*)\.js(\.map)?$/.exec(relative(DIST, file));
      if (!match) continue;
      const source = join(ROOT, `${match[1]}.ts`);
      if (!existsSync(source) || /\.spec$|\/testing\//.test(match[1])) rmSync(file);
    }
  }
}

async function buildWeb(force) {
  const hash = webInputsHash();
  const current = join(WEB_DIR, HASH_FILE);
  if (!force && existsSync(current) && readFileSync(current, 'utf8') === hash) return;
  rmSync(WEB_STAGING, { recursive: true, force: true });
  const { build } = await import('vite');
  await build({
    configFile: join(ROOT, 'apps/web/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: WEB_STAGING, emptyOutDir: true },
  });
  writeFileSync(join(WEB_STAGING, HASH_FILE), hash);
  swapIn(WEB_STAGING, WEB_DIR);
  rmSync(WEB_STAGING, { recursive: true, force: true });
}

/** Moves the staged build into place file by file (each rename is atomic), entry points last, then drops leftovers. */
function swapIn(staging, target) {
  const staged = walk(staging).map((file) => relative(staging, file));
  const last = (name) => name === 'index.html' || name === HASH_FILE;
  for (const name of [...staged.filter((n) => !last(n)), ...staged.filter(last)]) {
    mkdirSync(dirname(join(target, name)), { recursive: true });
    renameSync(join(staging, name), join(target, name));
  }
  const keep = new Set(staged);
  if (existsSync(target)) for (const file of walk(target)) if (!keep.has(relative(target, file))) rmSync(file);
}

function webInputsHash() {
  const hash = createHash('sha256');
  const inputs = [...walk(join(ROOT, 'apps/web')), ...walk(join(ROOT, 'libs/api-types')), join(ROOT, 'package-lock.json')];
  for (const file of inputs.sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function walk(dir) {
  const files = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}
