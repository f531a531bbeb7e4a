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

  it('should create a first organization, Admin and API key on an empty database, print them once, and serve /health', async () => {
    const server = await startServer({
      DATABASE_URL: databaseUrl(db.config),
      MAIL_OUTBOX_DIR: outbox,
      BOOTSTRAP_ADMIN_EMAIL: 'first@acme.test',
    });
    try {
      const output = server.output();
      const orgId = /Organization ID : (\d+)/.exec(output)?.[1];
      const key = /Torii API key {3}: (torii_api_\w+)/.exec(output)?.[1];
      expect(orgId).toBeDefined();
      expect(key).toBeDefined();
      expect(output).toContain('first@acme.test');

      console.log(`startup to healthy on ${db.engine}: ${server.startupMs} ms (first start, migrations included)`);

      const organization = await request(server.url, 'GET', '/v1.0/organization', { key });
      expect(organization.status).toBe(200);
      expect(organization.body).toMatchObject({ id: orgId });
      const users = await request(server.url, 'GET', '/v1.0/users', { key });
      expect(users.body.users).toEqual([expect.objectContaining({ userName: 'first@acme.test', role: 'Admin', active: true })]);
      expect((await request(server.url, 'GET', '/health/ready')).body).toEqual({ status: 'ok', database: 'up' });
      // The key is printed for the person, never written to the logs.
      expect(output.split('\n').filter((line) => line.includes(key!))).toHaveLength(1);
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
