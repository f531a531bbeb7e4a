import { AppConfig, DatabaseConfig, loadConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/**
 * Each test file gets a database of its own on the engine DATABASE_URL names:
 * a fresh SQLite file by default, or a fresh MySQL/MariaDB database created
 * next to the one in DATABASE_URL (and dropped afterwards).
 */
export interface TestDatabase {
  config: DatabaseConfig;
  engine: 'sqlite' | 'mysql';
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = loadConfig().database;
  if (base.type === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'torii-test-'));
    return {
      config: { type: 'sqlite', path: join(dir, 'test.sqlite'), logQueries: false },
      engine: 'sqlite',
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = new URL(base.url);
  const name = `${url.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  const admin = new URL(base.url);
  admin.pathname = '/';
  const connection = await createConnection(admin.toString());
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await connection.end();
  url.pathname = `/${name}`;
  return {
    config: { type: 'mysql', url: url.toString(), poolSize: 10, logQueries: false, guardNestedConnections: true },
    engine: 'mysql',
    drop: async () => {
      const c = await createConnection(admin.toString());
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** The configuration tests run with: defaults, the test database, quiet logs, no bootstrap, no scheduler. */
export function testConfig(database: DatabaseConfig, overrides: Partial<AppConfig> = {}): AppConfig {
  const base = loadConfig({ ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' });
  return {
    ...base,
    database,
    bootstrap: { ...base.bootstrap, enabled: false },
    reminders: { ...base.reminders, schedulerEnabled: false },
    scim: { ...base.scim, rateLimitPerMinute: 0 },
    ...overrides,
  };
}
