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
    [
      ['frobnicate'],
      /^Unknown command "frobnicate"; the commands are org:create, org:rename, users:edit, recipients:list, recipients:set, keys:create, keys:rotate, users:restore, incidents:list, incidents:undo, reminders:run, db:migrate/,
    ],
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

  /** `YYYY-MM-DD` of the day `days` from now (UTC): a default expiry given now. */
  const dayIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  it('should give the key of org:create the default expiry unless --never-expires, and say so', async () => {
    const created = await cli('org:create', '--name', 'Expiring', '--admin-email', 'it@expiring.test');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      `Expires         : ${dayIn(90)}T00:00:00.000Z (in 90 days, the default: API_KEY_DEFAULT_LIFETIME_DAYS; --expires or --never-expires to choose). The Admins are reminded a month before.`,
    );
    expect(created.stdout).toMatch(/Organization ID : \d+/);
    const forever = JSON.parse(
      (await cli('org:create', '--name', 'Forever', '--admin-email', 'it@forever.test', '--never-expires', '--json')).stdout,
    );
    expect(forever.apiKey.expiresAt).toBeNull();
  });

  it('should give the keys of keys:create the default expiry (API_KEY_DEFAULT_LIFETIME_DAYS) unless told otherwise', async () => {
    const org = JSON.parse((await cli('org:create', '--name', 'Keyed', '--admin-email', 'it@keyed.test', '--json')).stdout)
      .organizationId as string;
    const byDefault = await cli('keys:create', '--org', org, '--type', 'api', '--json');
    expect(JSON.parse(byDefault.stdout).apiKey.expiresAt).toBe(`${dayIn(90)}T00:00:00.000Z`);
    const never = await cli('keys:create', '--org', org, '--type', 'api', '--never-expires');
    expect(never.code).toBe(0);
    expect(never.stdout).toContain('Expires     : never (--never-expires: no reminder will come; rotate or delete it yourself)');
    const chosen = await cli('keys:create', '--org', org, '--type', 'api', '--expires', '2031-01-01');
    expect(chosen.stdout).toContain('Expires     : 2031-01-01T00:00:00.000Z\n');
    const both = await cli('keys:create', '--org', org, '--type', 'api', '--expires', '2031-01-01', '--never-expires');
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe(
      'Give --expires or --never-expires, not both. Run "npm run cli -- keys:create --help" for its options.',
    );
    expect((await cli('keys:create', '--help')).stdout).toContain('--never-expires');
    // The default follows API_KEY_DEFAULT_LIFETIME_DAYS.
    const thirty = await run(CLI_MAIN, ['keys:create', '--org', org, '--type', 'api', '--json'], {
      ...env,
      API_KEY_DEFAULT_LIFETIME_DAYS: '30',
    });
    expect(JSON.parse(thirty.stdout).apiKey.expiresAt).toBe(`${dayIn(30)}T00:00:00.000Z`);
  });

  it('should rotate a key: its successor, shown once, with the lifetime asked for', async () => {
    const org = JSON.parse((await cli('org:create', '--name', 'Rotor', '--admin-email', 'it@rotor.test', '--json')).stdout);
    const rotated = await cli('keys:rotate', '--org', org.organizationId, '--key', org.apiKey.id, '--json');
    expect(rotated.code).toBe(0);
    const successor = JSON.parse(rotated.stdout).apiKey;
    expect(successor).toMatchObject({
      type: 'api',
      description: 'Created with the organization',
      replacesKeyId: org.apiKey.id,
      expiresAt: `${dayIn(90)}T00:00:00.000Z`,
    });
    expect(successor.key).toMatch(/^torii_api_/);
    const again = await cli('keys:rotate', '--org', org.organizationId, '--key', org.apiKey.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has a successor/);
    const app = await startTestApp({}, db);
    try {
      // Both keys work in between.
      expect((await client(app.url, successor.key).get('/v1.0/organization')).status).toBe(200);
      expect((await client(app.url, org.apiKey.key).get('/v1.0/organization')).status).toBe(200);
      await client(app.url, successor.key).delete(`/v1.0/settings/api-keys/${successor.id}`);
    } finally {
      await app.close();
    }
    const never = await cli('keys:rotate', '--org', org.organizationId, '--key', org.apiKey.id, '--never-expires', '--json');
    expect(JSON.parse(never.stdout).apiKey.expiresAt).toBeNull();
    expect((await cli('keys:rotate', '--org', org.organizationId)).stderr).toMatch(/^keys:rotate needs --key\./);
  });

  /** An organization made by org:create with the placeholder Admin of a first start. */
  const placeholderOrg = async (name: string) =>
    JSON.parse((await cli('org:create', '--name', name, '--admin-email', 'admin@example.com', '--json')).stdout);

  /** The actions the CLI recorded in the organization's audit log, read over the API. */
  const cliActions = async (key: string): Promise<string[]> => {
    const app = await startTestApp({}, db);
    try {
      return (await client(app.url, key).get('/v1.0/audit-log?size=50')).body.events
        .filter((e: { actor: { type: string } }) => e.actor.type === 'cli')
        .map((e: { action: string }) => e.action);
    } finally {
      await app.close();
    }
  };

  it('should rename an organization, recorded as done by the CLI', async () => {
    const org = await placeholderOrg('My Organization');
    const renamed = await cli('org:rename', '--org', org.organizationId, '--name', ' Contoso ');
    expect(renamed.code).toBe(0);
    expect(renamed.stdout.trim()).toBe(`Organization ${org.organizationId} renamed: "My Organization" → "Contoso".`);
    const tooLong = await cli('org:rename', '--org', org.organizationId, '--name', 'n'.repeat(101), '--json');
    expect(tooLong.code).toBe(2);
    expect(JSON.parse(tooLong.stderr).error).toMatch(/^--name must be 1 to 100 characters\./);
    expect((await cli('org:rename', '--org', '999999', '--name', 'X')).stderr.trim()).toBe('No organization with id 999999.');
    expect(await cliActions(org.apiKey.key)).toContain('organization.renamed');
  });

  it('should edit the email and name of a user no identity provider manages, by id or email, and refuse a managed one', async () => {
    const org = await placeholderOrg('Edits');
    const byEmail = await cli(
      'users:edit',
      '--org',
      org.organizationId,
      '--user',
      'ADMIN@example.com',
      '--email',
      'ada@edits.test',
    );
    expect(byEmail.code).toBe(0);
    expect(byEmail.stdout.trim()).toBe(`User ${org.adminUserId}: ada@edits.test (Admin, active).`);
    const byId = await cli(
      'users:edit',
      '--org',
      org.organizationId,
      '--user',
      org.adminUserId,
      '--name',
      'Ada Lovelace',
      '--json',
    );
    expect(JSON.parse(byId.stdout).user).toMatchObject({ email: 'ada@edits.test', firstName: 'Ada', lastName: 'Lovelace' });
    const nothing = await cli('users:edit', '--org', org.organizationId, '--user', org.adminUserId);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/^users:edit needs --email or --name \(or both\)\./);
    const unknown = await cli('users:edit', '--org', org.organizationId, '--user', 'nobody@edits.test', '--name', 'X');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('No user with the email "nobody@edits.test" in this organization.');
    // A user written through SCIM is the identity provider's: refused.
    const app = await startTestApp({}, db);
    let oktaId: string;
    try {
      const admin = client(app.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } })).body.key;
      const okta = await client(`${app.url}/v1.0/scim/v2`, key).post('/Users', {
        body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'okta@edits.test' },
      });
      oktaId = okta.body.id;
    } finally {
      await app.close();
    }
    const managed = await cli('users:edit', '--org', org.organizationId, '--user', oktaId, '--name', 'X');
    expect(managed.code).toBe(1);
    expect(managed.stderr).toMatch(/^okta@edits\.test is managed by your identity provider/);
    expect((await cliActions(org.apiKey.key)).filter((a) => a === 'user.updated')).toHaveLength(2);
  });

  it('should set and list who gets the emails besides the Admins, recorded as done by the CLI', async () => {
    const org = await placeholderOrg('Recipients');
    const set = await cli(
      'recipients:set',
      '--org',
      org.organizationId,
      '--emails',
      'ops@rcpt.test, OPS@rcpt.test,sec@rcpt.test',
    );
    expect(set.code).toBe(0);
    expect(set.stdout.trim()).toBe(
      `Reminders, connection alerts and incident emails of organization ${org.organizationId} go to its active Admins and to: ops@rcpt.test, sec@rcpt.test.`,
    );
    expect(JSON.parse((await cli('recipients:list', '--org', org.organizationId, '--json')).stdout)).toEqual({
      emails: ['ops@rcpt.test', 'sec@rcpt.test'],
    });
    const bad = await cli('recipients:set', '--org', org.organizationId, '--emails', 'ops@rcpt.test,nope', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toEqual({ error: 'emails[1] must be an email address; "nope" is not a valid email.' });
    expect(await cliActions(org.apiKey.key)).toContain('notification-recipients.updated');
    const cleared = await cli('recipients:set', '--org', org.organizationId, '--emails', '');
    expect(cleared.stdout.trim()).toBe(
      `Reminders, connection alerts and incident emails of organization ${org.organizationId} go to its active Admins only.`,
    );
    expect((await cli('recipients:list', '--org', org.organizationId)).stdout.trim()).toBe(
      `No notification recipients: emails of organization ${org.organizationId} go to its active Admins only.`,
    );
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
