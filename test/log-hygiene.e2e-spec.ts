import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase } from './support/database';
import { request } from './support/http';
import { databaseUrl, run, SERVER_MAIN, startServer } from './support/process';

/*
 * Logs hold no secrets and no personal data at the default level. The server runs as in production
 * (built, its output piped, LOG_LEVEL=info) through a whole flow: the first-run bootstrap, keys
 * generated, SCIM with filters on email addresses, addresses in paths (routed or not) and in query
 * names, a key sent in a query string, a forced 500 whose failed statement carried an email, and a
 * bad configuration with a password in it. Then its whole output is searched for every secret and
 * every address.
 */
describe('logs: no secret, no personal data, no password', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('should log a full flow without a key, an email from a filter or a failed statement, or a password', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'torii-logs-')), 'key.txt');
    const server = await startServer({
      DATABASE_URL: databaseUrl(db.config),
      LOG_LEVEL: 'info',
      BOOTSTRAP_ADMIN_EMAIL: 'bootstrap.admin@logs.test',
      BOOTSTRAP_KEY_FILE: keyFile,
      MAIL_OUTBOX_DIR: join(tmpdir(), `torii-logs-outbox-${process.pid}`),
    });
    const secrets: string[] = [];
    const addresses = [
      'bootstrap.admin@logs.test',
      'filtered.person@logs.test',
      'forced.failure@logs.test',
      'path.person@logs.test',
    ];
    let serverOutput: string;
    try {
      const apiKey = /Torii API key {3}: (torii_api_\w+)/.exec(readFileSync(keyFile, 'utf8'))![1];
      secrets.push(apiKey);
      const admin = (method: string, path: string, body?: unknown) => request(server.url, method, path, { key: apiKey, body });
      expect((await admin('PATCH', '/v1.0/settings/security', { scimEnabled: true })).status).toBe(200);
      const scimKey = (await admin('POST', '/v1.0/settings/api-keys', { type: 'scim', description: 'Okta' })).body.key;
      const otherKey = (await admin('POST', '/v1.0/settings/api-keys', { type: 'api' })).body.key;
      secrets.push(scimKey, otherKey);
      const scim = (method: string, path: string, body?: unknown) =>
        request(server.url, method, `/v1.0/scim/v2${path}`, { key: scimKey, body });

      expect((await scim('POST', '/Users', { userName: 'filtered.person@logs.test' })).status).toBe(201);
      for (const filter of ['userName eq "filtered.person@logs.test"', 'emails co "forced.failure@logs.test"']) {
        expect((await scim('GET', `/Users?filter=${encodeURIComponent(filter)}&count=10`)).status).toBe(200);
      }
      // Addresses in paths, routed or not, and in a query's names or paging values: answered, never logged.
      const inPath = 'path.person@logs.test';
      const pathStatuses: number[] = [];
      for (const [method, path] of [
        ['GET', `/v1.0/scim/v2/Users/${inPath}`],
        ['PATCH', `/v1.0/scim/v2/Users/${encodeURIComponent(inPath)}`],
        ['GET', `/v1.0/scim/v2/Users/${inPath}/more`],
        ['GET', `/v1.0/scim/v2/Users/${inPath}%zz`],
        ['GET', `/v1.0/scim/v2/Users?${inPath}`],
        ['GET', `/v1.0/scim/v2/Users?startIndex=${inPath}&count=${inPath}`],
        ['GET', `/${inPath}`],
        ['GET', `/v1.0/${inPath}`],
        ['GET', `/settings/assets/${inPath}.js`],
        ['GET', `/docs/${inPath}`],
      ]) {
        pathStatuses.push((await request(server.url, method, path, { key: scimKey })).status);
      }
      expect(pathStatuses).toEqual([404, 404, 404, 404, 200, 400, 404, 404, 404, 404]);

      // A client that puts the key in the URL: refused, and the URL is logged without it.
      const inUrl = await request(server.url, 'GET', `/v1.0/scim/v2/Users?access_token=${scimKey}`);
      expect(inUrl.status).toBe(401);

      // A 500 whose failed statement carries an email: the values table is gone under the running server.
      await dropValuesTable(db);
      const failed = await scim('POST', '/Users', { userName: 'ok@logs.test', emails: [{ value: 'forced.failure@logs.test' }] });
      expect(failed.status).toBe(500);
      expect(failed.text).not.toContain('forced.failure');
    } finally {
      await server.stop();
      serverOutput = server.output();
    }
    // The flow was logged: request lines and the 500, with its statement.
    expect(serverOutput).toContain('"msg":"request completed"');
    expect(serverOutput).toMatch(/Unhandled error while serving a request/);
    expect(serverOutput).toContain('user_attribute_values');
    expect(serverOutput).toContain('filter=…');

    const badConfig = await run(SERVER_MAIN, [], { DATABASE_URL: 'mysql://torii:hunter2-secret@db.internal:3306' });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('mysql://torii:***@db.internal:3306');

    const everything = serverOutput + badConfig.stdout + badConfig.stderr;
    for (const secret of [...secrets, 'hunter2-secret']) expect(everything).not.toContain(secret);
    for (const address of addresses) {
      expect(everything).not.toContain(address);
      expect(everything).not.toContain(encodeURIComponent(address));
    }
    // The requests with an address in their path were logged, the address masked; the 500 by its route.
    expect(serverOutput).toContain('"url":"/v1.0/scim/v2/Users/…"');
    expect(serverOutput).toContain('"url":"/v1.0/scim/v2/Users?…"');
    expect(serverOutput).toContain('"url":"/…"');
    expect(serverOutput).toContain('"route":"/v1.0/scim/v2/Users"');
  });
});

async function dropValuesTable(db: TestDatabase): Promise<void> {
  if (db.config.type === 'sqlite') {
    const sqlite = new Database(db.config.path);
    try {
      sqlite.exec('DROP TABLE user_attribute_values');
    } finally {
      sqlite.close();
    }
    return;
  }
  const connection = await createConnection(db.config.url);
  try {
    await connection.query('DROP TABLE user_attribute_values');
  } finally {
    await connection.end();
  }
}
