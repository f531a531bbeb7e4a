import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from './support/database';
import { request } from './support/http';
import { databaseUrl, run, SERVER_MAIN, startServer } from './support/process';

describe('starting the server (npm start)', () => {
  let db: TestDatabase;
  let outbox: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    outbox = `/tmp/torii-outbox-${process.pid}`;
  });

  afterAll(async () => {
    await db.drop();
  });

  it('should create a first organization, Admin and API key on an empty database, hand them over once, and serve /health', async () => {
    // Standard output is a pipe here, as under journald or Kubernetes: the key goes to an owner-only file.
    const keyFile = join(mkdtempSync(join(tmpdir(), 'torii-first-run-')), 'key.txt');
    const server = await startServer({
      DATABASE_URL: databaseUrl(db.config),
      MAIL_OUTBOX_DIR: outbox,
      BOOTSTRAP_ORG_NAME: 'Acme Corporation',
      BOOTSTRAP_ADMIN_EMAIL: 'first@acme.test',
      BOOTSTRAP_ADMIN_NAME: 'Ada Lovelace',
      BOOTSTRAP_KEY_FILE: keyFile,
    });
    try {
      const output = server.output();
      const handedOver = readFileSync(keyFile, 'utf8');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const orgId = /Organization ID : (\d+)/.exec(handedOver)?.[1];
      const key = /Torii API key {3}: (torii_api_\w+)/.exec(handedOver)?.[1];
      expect(orgId).toBeDefined();
      expect(key).toBeDefined();
      expect(handedOver).toContain('first@acme.test');
      expect(handedOver).toContain('(Acme Corporation)');
      // The key expires by default (API_KEY_DEFAULT_LIFETIME_DAYS), and the hand-over says when and what comes.
      const expires = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
      expect(handedOver).toContain(`Key expires     : ${expires}   (in 90 days, API_KEY_DEFAULT_LIFETIME_DAYS)`);
      expect(handedOver).toContain('Its expiry reminder goes to first@acme.test a month before');
      expect(handedOver).not.toContain('is a placeholder');
      expect(output).toContain(keyFile);
      expect(output).not.toContain(key!);
      expect(output).not.toContain('first@acme.test');

      console.log(`startup to healthy on ${db.engine}: ${server.startupMs} ms (first start, migrations included)`);

      const organization = await request(server.url, 'GET', '/v1.0/organization', { key });
      expect(organization.status).toBe(200);
      expect(organization.body).toMatchObject({ id: orgId, name: 'Acme Corporation' });
      const users = await request(server.url, 'GET', '/v1.0/users', { key });
      expect(users.body.users).toEqual([
        expect.objectContaining({
          userName: 'first@acme.test',
          displayName: 'Ada Lovelace',
          role: 'Admin',
          active: true,
          scimManaged: false,
        }),
      ]);
      const keys = await request(server.url, 'GET', '/v1.0/settings/api-keys', { key });
      expect(keys.body.apiKeys).toEqual([expect.objectContaining({ expiresAt: `${expires}T00:00:00.000Z` })]);
      expect((await request(server.url, 'GET', '/health/ready')).body).toEqual({ status: 'ok', database: 'up' });
    } finally {
      expect(await server.stop()).toBe(0);
    }

    const again = await startServer({ DATABASE_URL: databaseUrl(db.config), MAIL_OUTBOX_DIR: outbox });
    try {
      console.log(`startup to healthy on ${db.engine}: ${again.startupMs} ms (restart)`);
      expect(again.output()).not.toMatch(/torii_api_/);
      expect(again.output()).not.toContain('Organization ID');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it('should stop with one sentence naming a bad variable, without a stack trace', async () => {
    const result = await run(SERVER_MAIN, [], { PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration: PORT must be a whole number from 0 to 65535 (got "eighty").');
  });

  it('should stop with a clear message when the database is unreachable, creating nothing', async () => {
    const result = await run(SERVER_MAIN, [], { DATABASE_URL: 'mysql://root@127.0.0.1:1/torii' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Could not start: the database is not reachable \(ECONNREFUSED/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
