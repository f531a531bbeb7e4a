import { createTestDatabase, TestDatabase } from './support/database';
import { startTestApp } from './support/test-app';
import { client } from './support/http';
import { CLI_MAIN, databaseUrl, run } from './support/process';

describe('operator CLI (npm run cli)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: databaseUrl(db.config) };
  });

  afterAll(async () => {
    await db.drop();
  });

  const cli = (...args: string[]) => run(CLI_MAIN, args, env);

  it('should migrate an empty database, then report it up to date', async () => {
    const first = await cli('db:migrate', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await cli('db:migrate');
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe('The database is up to date.');
  });

  it('should create an organization with its Admin and a working API key (--json)', async () => {
    const result = await cli('org:create', '--name', 'Acme', '--admin-email', 'admin@acme.test', '--json');
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({
      organizationId: expect.stringMatching(/^\d+$/),
      adminUserId: expect.stringMatching(/^\d+$/),
    });
    expect(created.apiKey.key).toMatch(/^torii_api_/);

    const app = await startTestApp({}, db);
    try {
      const api = client(app.url, created.apiKey.key);
      expect((await api.get('/v1.0/organization')).body).toMatchObject({ id: created.organizationId, name: 'Acme' });
    } finally {
      await app.close();
    }
  });

  it("should give the Admin its address as email, and its name with --admin-name (what Okta's spec test reads)", async () => {
    const created = JSON.parse(
      (
        await cli(
          'org:create',
          '--name',
          'Named',
          '--admin-email',
          'Ada@Named.test',
          '--admin-name',
          'Ada  King Lovelace',
          '--json',
        )
      ).stdout,
    );
    const app = await startTestApp({}, db);
    try {
      const admin = client(app.url, created.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } })).body.key;
      const scim = client(`${app.url}/v1.0/scim/v2`, key);
      const [first] = (await scim.get('/Users?startIndex=1&count=1')).body.Resources;
      expect(first).toMatchObject({
        userName: 'Ada@Named.test',
        displayName: 'Ada King Lovelace',
        name: { formatted: 'Ada King Lovelace', givenName: 'Ada King', familyName: 'Lovelace' },
        emails: [{ value: 'Ada@Named.test', type: 'work', primary: true }],
        userType: 'Admin',
      });
    } finally {
      await app.close();
    }
    const unnamed = JSON.parse(
      (await cli('org:create', '--name', 'Unnamed', '--admin-email', 'x@unnamed.test', '--json')).stdout,
    );
    expect(unnamed.adminEmail).toBe('x@unnamed.test');
    expect((await cli('org:create', '--name', 'X', '--admin-email', 'y@x.test', '--admin-name', ' ')).stderr).toMatch(
      /--admin-name must be 1 to 255 characters/,
    );
  });

  it('should create keys for an organization, and refuse a SCIM key while SCIM is off', async () => {
    const org = JSON.parse((await cli('org:create', '--name', 'Keys Inc', '--admin-email', 'it@keys.test', '--json')).stdout);
    const apiKey = await cli(
      'keys:create',
      '--org',
      org.organizationId,
      '--type',
      'api',
      '--expires',
      '2031-01-01',
      '--description',
      'break glass',
      '--json',
    );
    expect(apiKey.code).toBe(0);
    expect(JSON.parse(apiKey.stdout).apiKey).toMatchObject({
      type: 'api',
      description: 'break glass',
      expiresAt: '2031-01-01T00:00:00.000Z',
    });

    const scim = await cli('keys:create', '--org', org.organizationId, '--type', 'scim');
    expect(scim.code).toBe(1);
    expect(scim.stderr).toMatch(/enable it in Settings > Security first/);
  });

  it.each([
    [['org:create', '--name', 'X'], /org:create needs --admin-email/],
    [['org:create', '--name', 'X', '--admin-email', 'not-an-email'], /--admin-email must be an email address/],
    [['keys:create', '--org', 'abc', '--type', 'api'], /--org must be an Organization ID/],
    [['keys:create', '--org', '1', '--type', 'root'], /--type must be api or scim/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [
      ['org:create', '--colour', 'red'],
      /^Unknown option --colour\. Run "npm run cli -- org:create --help" for its options\.\n?$/,
    ],
    [['org:create', '--name'], /^--name needs a value\./],
    [[], /Usage: npm run cli/],
  ])('should refuse %j with a usage sentence and exit code 2, writing nothing', async (args, message) => {
    const before = await countOrganizations();
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await countOrganizations()).toBe(before);
  });

  it.each([
    [
      ['org:create', '--name', 'X'],
      /^org:create needs --admin-email\. Run "npm run cli -- org:create --help" for its options\.$/,
    ],
    [['org:create', '--name', 'X', '--admin-email', 'not-an-email'], /^--admin-email must be an email address/],
    [['keys:create', '--org', 'abc', '--type', 'api'], /^--org must be an Organization ID/],
    [['keys:create', '--org', '1', '--type', 'root'], /^--type must be api or scim\./],
    [['frobnicate'], /^Unknown command "frobnicate"; the commands are org:create, keys:create, reminders:run, db:migrate/],
    [['org:create', '--colour', 'red'], /^Unknown option --colour\./],
    [['org:create', '--name'], /^--name needs a value\./],
    [[], /^Name a command; run "npm run cli -- --help" for the list\.$/],
  ])('should refuse %j with --json as { error: <one sentence> } and exit code 2', async (args, message) => {
    const result = await cli(...args, '--json');
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stderr);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(message);
    expect(body.error).not.toContain('\n');
  });

  it("should print each command's own help, and refuse in one sentence (JSON: { error })", async () => {
    const help = await cli('keys:create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run cli -- keys:create --org <id> --type api\|scim/);
    expect(help.stdout).toContain('--expires YYYY-MM-DD');
    expect(help.stdout).not.toContain('org:create');
    const refused = await cli('keys:create', '--org', 'abc', '--type', 'api', '--json');
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr)).toEqual({
      error: '--org must be an Organization ID (a number). Run "npm run cli -- keys:create --help" for its options.',
    });
    const unknown = await cli('keys:create', '--colour', 'red', '--json');
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: 'Unknown option --colour. Run "npm run cli -- keys:create --help" for its options.',
    });
  });

  it('should name --expires when the expiration is refused (exit 1)', async () => {
    const org = JSON.parse((await cli('org:create', '--name', 'Past', '--admin-email', 'it@past.test', '--json')).stdout);
    const result = await cli('keys:create', '--org', org.organizationId, '--type', 'api', '--expires', '2020-01-01');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('--expires must be in the future; 2020-01-01T00:00:00.000Z has already passed.');
  });

  it('should say when an organization does not exist (exit 1)', async () => {
    const result = await cli('keys:create', '--org', '999999', '--type', 'api', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toEqual({ error: 'No organization with id 999999.' });
  });

  it('should list and undo a deprovisioning incident, and restore a deleted user, for an Admin locked out of the UI', async () => {
    const org = JSON.parse((await cli('org:create', '--name', 'Burst', '--admin-email', 'it@burst.test', '--json')).stdout);
    const app = await startTestApp({}, db);
    const ids: string[] = [];
    try {
      const admin = client(app.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta' } })).body.key;
      const scim = client(`${app.url}/v1.0/scim/v2`, key);
      for (let i = 0; i < 12; i++) {
        const created = await scim.post('/Users', {
          body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `u${i}@burst.test` },
        });
        ids.push(created.body.id);
      }
      for (const id of ids.slice(0, 11)) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    } finally {
      await app.close();
    }
    const list = await cli('incidents:list', '--org', org.organizationId);
    expect(list.code).toBe(0);
    const [, incidentId] = /^Incident (\d+): open, opened \S+, 11 users$/m.exec(list.stdout) ?? [];
    expect(incidentId).toBeDefined();

    const undone = await cli('incidents:undo', '--org', org.organizationId, '--incident', incidentId, '--json');
    expect(undone.code).toBe(0);
    expect(JSON.parse(undone.stdout)).toMatchObject({
      incident: { status: 'undone', closedBy: { type: 'cli' } },
      notRestored: [],
    });
    expect(JSON.parse(undone.stdout).restored).toHaveLength(11);
    const again = await cli('incidents:undo', '--org', org.organizationId, '--incident', incidentId);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      `Deprovisioning incident ${incidentId} is already undone; only an open incident can be undone.`,
    );

    const app2 = await startTestApp({}, db);
    try {
      const admin = client(app2.url, org.apiKey.key);
      const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } })).body.key;
      expect((await client(`${app2.url}/v1.0/scim/v2`, key).delete(`/Users/${ids[11]}`)).status).toBe(204);
    } finally {
      await app2.close();
    }
    const restored = await cli('users:restore', '--org', org.organizationId, '--user', ids[11]);
    expect(restored.code).toBe(0);
    expect(restored.stdout.trim()).toBe(`Restored user ${ids[11]} (u11@burst.test): Employee, active.`);
    const missing = await cli('users:restore', '--org', org.organizationId, '--user', ids[11], '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error).toMatch(/^No deleted user with id "\d+" in this organization/);
    const usage = await cli('incidents:undo', '--org', org.organizationId);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/incidents:undo needs --incident/);
  });

  async function countOrganizations(): Promise<number> {
    const app = await startTestApp({}, db);
    try {
      const [row] = await app.dataSource.query('SELECT COUNT(*) AS n FROM organizations');
      return Number(row.n);
    } finally {
      await app.close();
    }
  }
});
