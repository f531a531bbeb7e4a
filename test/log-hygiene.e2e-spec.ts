import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase } from './support/database';
import { request } from './support/http';
import { databaseUrl, RunningServer, run, SERVER_MAIN, startServer } from './support/process';
import { TestSmtpServer } from './support/smtp';

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

describe('logs of the mail the jobs send: no recipient address', () => {
  const admin = 'mail.admin@logs.test';
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let outbox: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await new TestSmtpServer().start();
    smtp.rejectRecipients = true;
    outbox = mkdtempSync(join(tmpdir(), 'torii-logs-mail-'));
  });

  afterAll(async () => {
    await smtp.stop();
    rmSync(outbox, { recursive: true, force: true });
    await db.drop();
  });

  it('should log a mail written to the outbox and a recipient refused by SMTP with a count, never the address', async () => {
    const keyFile = join(outbox, 'key.txt');
    // The reminder job every second; a key created expiring in 10 days is inside the first reminder window.
    const env = { DATABASE_URL: databaseUrl(db.config), LOG_LEVEL: 'info', REMINDER_CRON: '* * * * * *' };
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const outputs: string[] = [];

    // No SMTP_URL: the reminder is written to the outbox, and logged.
    const embedded = await startServer({
      ...env,
      BOOTSTRAP_ADMIN_EMAIL: admin,
      BOOTSTRAP_KEY_FILE: keyFile,
      MAIL_OUTBOX_DIR: outbox,
    });
    const apiKey = /Torii API key {3}: (torii_api_\w+)/.exec(readFileSync(keyFile, 'utf8'))![1];
    try {
      const created = await request(embedded.url, 'POST', '/v1.0/settings/api-keys', {
        key: apiKey,
        body: { type: 'api', description: 'nightly', expiresAt: soon },
      });
      expect(created.status).toBe(201);
      await waitForOutput(embedded, /written to .*\.eml/);
    } finally {
      await embedded.stop();
      outputs.push(embedded.output());
    }
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(outputs[0]).toMatch(/Mail to 1 recipient written to \S+\.eml \(no SMTP_URL\)/);

    // An SMTP relay that refuses the recipient, naming it: the retry and the final failure are logged without it.
    const relayed = await startServer({
      ...env,
      SMTP_URL: smtp.url,
      REMINDER_MAX_ATTEMPTS: '2',
      REMINDER_RETRY_BASE_SECONDS: '1',
    });
    try {
      const created = await request(relayed.url, 'POST', '/v1.0/settings/api-keys', {
        key: apiKey,
        body: { type: 'api', description: 'weekly', expiresAt: soon },
      });
      expect(created.status).toBe(201);
      await waitForOutput(relayed, /Gave up on the expiry reminder/);
    } finally {
      await relayed.stop();
      outputs.push(relayed.output());
    }
    expect(outputs[1]).toMatch(/not sent \(attempt 1\).*Recipient address rejected/);
    expect(outputs[1]).toMatch(/Gave up on the expiry reminder \d+ after 2 attempts: .*Recipient address rejected/);
    expect(smtp.received).toEqual([]);

    for (const output of outputs) {
      expect(output).not.toContain(admin);
      expect(output).not.toContain(encodeURIComponent(admin));
    }
  });
});

/** Waits until the server has logged a line matching `pattern` (the reminder job runs every second). */
async function waitForOutput(server: RunningServer, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(server.output())) {
    if (Date.now() > deadline) throw new Error(`The server did not log ${pattern} in ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
