import { loadConfig } from '@app/config';
import { simpleParser } from 'mailparser';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { OnboardedOrganization } from '../apps/server/src/onboarding/onboarding.service';
import { createTestDatabase, TestDatabase } from './support/database';
import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { CLI_MAIN, databaseUrl, run } from './support/process';
import { TestSmtpServer } from './support/smtp';
import { startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;

function reminderConfig(smtpUrl: string, leadTimes = '1M') {
  const base = loadConfig({ REMINDER_LEAD_TIMES: leadTimes, SMTP_URL: smtpUrl, APP_URL: 'https://torii.example.test' });
  return {
    mail: base.mail,
    appUrl: base.appUrl,
    reminders: {
      ...base.reminders,
      leadTimes: base.reminders.leadTimes,
      schedulerEnabled: false,
      maxAttempts: 3,
      retryBaseSeconds: 300,
    },
  };
}

describe('key-expiry reminders', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp(reminderConfig(smtp.url));
  });

  beforeEach(() => {
    smtp.clear();
    smtp.failWith = null;
    t.clock.set('2027-01-01T09:00:00Z');
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const runJob = () => t.app.get(RemindersService).run();

  async function orgWithScim(): Promise<{ org: OnboardedOrganization; admin: ReturnType<typeof client> }> {
    const org = await t.createOrganization();
    const admin = client(t.url, org.apiKey.key);
    await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    return { org, admin };
  }

  const mailsFor = (keyMasked: string) => smtp.received.filter((m) => m.parsed.text?.includes(keyMasked));

  it('should list the reminders to come with when the job runs next, and move one to the history once sent', async () => {
    const { admin } = await orgWithScim();
    const key = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'soon', expiresAt: '2027-03-15' } })
    ).body;
    await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'forever' } });
    const before = (await admin.get('/v1.0/settings/notifications')).body;
    expect(before.upcoming).toEqual([
      {
        apiKeyId: key.id,
        keyType: 'api',
        keyDescription: 'soon',
        maskedKey: key.maskedKey,
        expiresAt: '2027-03-15T00:00:00.000Z',
        leadTime: '1M',
        remindAt: '2027-02-15T00:00:00.000Z',
      },
    ]);
    // The tests' server does not run the job itself (SCHEDULER_ENABLED=false): no next run to show.
    expect(before.nextRunAt).toBeNull();
    t.clock.set('2027-02-15T01:00:00Z');
    await runJob();
    const after = (await admin.get('/v1.0/settings/notifications')).body;
    expect(after.upcoming).toEqual([]);
    expect(after.notifications[0]).toMatchObject({ apiKeyId: key.id, status: 'sent', leadTime: '1M' });
  });

  it('should email each active Admin once when a key enters its one-month window, and nobody else', async () => {
    const { org, admin } = await orgWithScim();
    await insertUser(t.dataSource, org.organizationId, 'second.admin@x.test', { role: 'Admin' });
    await insertUser(t.dataSource, org.organizationId, 'gone.admin@x.test', { role: 'Admin', active: false });
    await insertUser(t.dataSource, org.organizationId, 'employee@x.test');
    await insertUser(t.dataSource, org.organizationId, 'buyer@x.test', { role: 'Procurement' });
    const key = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta prod', expiresAt: '2027-02-10' } })
    ).body;

    await runJob(); // 40 days before expiry: nothing
    expect(mailsFor(key.maskedKey)).toHaveLength(0);
    t.clock.set('2027-01-09T23:59:59Z'); // one month before 2027-02-10 is 2027-01-10
    await runJob();
    expect(mailsFor(key.maskedKey)).toHaveLength(0);

    t.clock.set('2027-01-10T00:00:00Z');
    await runJob();
    const mails = mailsFor(key.maskedKey);
    expect(mails).toHaveLength(1);
    expect(mails[0].envelopeTo.sort()).toEqual([org.adminEmail, 'second.admin@x.test'].sort());

    await runJob();
    t.clock.advance(2 * DAY);
    await runJob();
    expect(mailsFor(key.maskedKey)).toHaveLength(1);

    const history = (await admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(history).toEqual([
      expect.objectContaining({
        apiKeyId: key.id,
        keyType: 'scim',
        keyDescription: 'Okta prod',
        maskedKey: key.maskedKey,
        leadTime: '1M',
        expiresAt: '2027-02-10T00:00:00.000Z',
        status: 'sent',
        attempts: 1,
        lastError: null,
        sentAt: '2027-01-10T00:00:00.000Z',
        recipients: expect.arrayContaining([org.adminEmail, 'second.admin@x.test']),
      }),
    ]);
  });

  it('should say which key, when it expires in UTC, what stops working and how to rotate, in text and HTML', async () => {
    const { org, admin } = await orgWithScim();
    const key = (
      await admin.post('/v1.0/settings/api-keys', {
        body: { type: 'scim', description: 'Okta', expiresAt: '2027-01-20T15:30:00Z' },
      })
    ).body;
    await runJob();
    const [mail] = mailsFor(key.maskedKey);
    expect(mail.parsed.subject).toBe('Your Torii SCIM key "Okta" expires in 20 days (2027-01-20 15:30 UTC)');
    expect(mail.parsed.from?.text).toContain('no-reply@localhost');
    for (const part of [mail.parsed.text!, mail.parsed.html as string]) {
      expect(part).toContain(org.organizationName);
      expect(part).toContain(key.maskedKey);
      expect(part).toContain('2027-01-20 15:30 UTC');
      expect(part).toMatch(/Okta .*will no longer be able to create, update or deactivate users/);
      expect(part).toMatch(/Rotate it in/);
      expect(part).toMatch(/Delete the old key/);
      // Straight to the key's rotation.
      expect(part).toContain(`https://torii.example.test/settings/api-access?rotate=${key.id}`);
    }
    expect(mail.parsed.text).toContain(`Created:     2027-01-01 09:00 UTC`);
  });

  it('should remind a key created already inside the window on the next run', async () => {
    const { admin } = await orgWithScim();
    const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2027-01-05' } })).body;
    await runJob();
    expect(mailsFor(key.maskedKey)).toHaveLength(1);
    expect(mailsFor(key.maskedKey)[0].parsed.subject).toMatch(/Torii API key .* expires in 4 days/);
  });

  it('should send nothing for keys without expiry, deleted keys and expired keys', async () => {
    const { admin } = await orgWithScim();
    const forever = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api' } })).body;
    const deleted = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2027-01-15' } })).body;
    await admin.delete(`/v1.0/settings/api-keys/${deleted.id}`);
    const expiring = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2027-01-02' } })).body;
    t.clock.set('2027-01-03T00:00:00Z');
    await runJob();
    for (const key of [forever, deleted, expiring]) expect(mailsFor(key.maskedKey)).toHaveLength(0);
  });

  it('should keep a reminder when SMTP refuses, retry it with back-off, and send it once SMTP recovers', async () => {
    const { admin } = await orgWithScim();
    const key = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'flaky', expiresAt: '2027-01-20' } })
    ).body;
    smtp.failWith = { code: 451, message: 'Temporary local problem' };
    await runJob();
    let [reminder] = (await admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(reminder).toMatchObject({ status: 'pending', attempts: 1, sentAt: null, nextAttemptAt: '2027-01-01T09:05:00.000Z' });
    expect(reminder.lastError).toMatch(/451|Temporary local problem/);

    smtp.failWith = null;
    await runJob(); // before the back-off: not yet
    expect(mailsFor(key.maskedKey)).toHaveLength(0);
    t.clock.advance(5 * 60_000);
    await runJob();
    expect(mailsFor(key.maskedKey)).toHaveLength(1);
    [reminder] = (await admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(reminder).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('should mark a reminder failed after the configured attempts, keeping the error', async () => {
    const { admin } = await orgWithScim();
    await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2027-01-25' } });
    smtp.failWith = { code: 550, message: 'Mailbox unavailable' };
    for (let i = 0; i < 4; i++) {
      await runJob();
      t.clock.advance(60 * 60_000);
    }
    const [reminder] = (await admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(reminder).toMatchObject({ status: 'failed', attempts: 3 });
    expect(reminder.lastError).toMatch(/Mailbox unavailable/);
  });

  it("should not send a deleted key's pending reminder", async () => {
    const { admin } = await orgWithScim();
    const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2027-01-25' } })).body;
    smtp.failWith = { code: 421, message: 'Try later' };
    await runJob();
    smtp.failWith = null;
    await admin.delete(`/v1.0/settings/api-keys/${key.id}`);
    t.clock.advance(DAY);
    await runJob();
    expect(mailsFor(key.maskedKey)).toHaveLength(0);
    const [reminder] = (await admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(reminder).toMatchObject({ status: 'cancelled', lastError: 'The key was deleted before the reminder was sent.' });
  });
});

describe('key-expiry reminders with several lead times', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp(reminderConfig(smtp.url, '1M,7d,1d'));
  });

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('should send each lead time once and collapse the ones that passed unseen into one message', async () => {
    t.clock.set('2027-03-01T00:00:00Z');
    const org = await t.createOrganization();
    const admin = client(t.url, org.apiKey.key);
    const early = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'early', expiresAt: '2027-05-01' } })
    ).body;
    const late = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'late', expiresAt: '2027-03-05' } })
    ).body;
    const subjects = (key: { maskedKey: string }) =>
      smtp.received.filter((m) => m.parsed.text?.includes(key.maskedKey)).map((m) => m.parsed.subject);

    await t.app.get(RemindersService).run(); // late: 1M and 7d windows both passed unseen → one message
    expect(subjects(late)).toHaveLength(1);
    expect(subjects(early)).toHaveLength(0);
    t.clock.set('2027-03-04T00:00:00Z');
    await t.app.get(RemindersService).run(); // late's 1d window
    expect(subjects(late)).toHaveLength(2);

    for (const now of ['2027-04-01T00:00:00Z', '2027-04-24T00:00:00Z', '2027-04-30T00:00:00Z', '2027-04-30T12:00:00Z']) {
      t.clock.set(now);
      await t.app.get(RemindersService).run();
    }
    expect(subjects(early)).toEqual([
      expect.stringMatching(/expires in 30 days/),
      expect.stringMatching(/expires in 7 days/),
      expect.stringMatching(/expires in 1 day /),
    ]);
    const statuses = (await admin.get('/v1.0/settings/notifications')).body.notifications
      .filter((n: { apiKeyId: string }) => n.apiKeyId === late.id)
      .map((n: { leadTime: string; status: string }) => `${n.leadTime}:${n.status}`)
      .sort();
    expect(statuses).toEqual(['1M:superseded', '1d:sent', '7d:sent']);
  });
});

describe('key-expiry reminders across instances', () => {
  let smtp: TestSmtpServer;
  let db: TestDatabase;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await smtp.stop();
    await db.drop();
  });

  it('should send exactly one reminder per key and recipient when two instances run the job at once', async () => {
    const one = await startTestApp(reminderConfig(smtp.url), db);
    const two = await startTestApp(reminderConfig(smtp.url), db);
    try {
      for (const t of [one, two]) t.clock.set('2027-06-01T00:00:00Z');
      const org = await one.createOrganization();
      await insertUser(one.dataSource, org.organizationId, 'other.admin@x.test', { role: 'Admin' });
      const admin = client(one.url, org.apiKey.key);
      for (let i = 0; i < 200; i++) {
        const created = await admin.post('/v1.0/settings/api-keys', {
          body: { type: 'api', description: `key ${i}`, expiresAt: '2027-06-20' },
        });
        expect(created.status).toBe(201);
      }
      const results = await Promise.all([
        one.app.get(RemindersService).run(),
        two.app.get(RemindersService).run(),
        one.app.get(RemindersService).run(),
        two.app.get(RemindersService).run(),
      ]);
      expect(results.reduce((n, r) => n + r.sent.length, 0)).toBe(200);
      expect(smtp.countByRecipient()).toEqual({ [org.adminEmail]: 200, 'other.admin@x.test': 200 });
      const counts = await one.dataSource.query('SELECT status, COUNT(*) AS n FROM key_reminders GROUP BY status');
      expect(counts.map((r: { status: string; n: number | string }) => [r.status, Number(r.n)])).toEqual([['sent', 200]]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('the embedded mail outbox (no SMTP_URL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('should write the reminder as an .eml file when run from the CLI', async () => {
    const outbox = mkdtempSync(join(tmpdir(), 'torii-outbox-'));
    const env = { DATABASE_URL: databaseUrl(db.config), MAIL_OUTBOX_DIR: outbox };
    const org = JSON.parse(
      (await run(CLI_MAIN, ['org:create', '--name', 'Outbox Co', '--admin-email', 'ops@outbox.test', '--json'], env)).stdout,
    );
    const soon = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);
    const key = JSON.parse(
      (
        await run(
          CLI_MAIN,
          ['keys:create', '--org', org.organizationId, '--type', 'api', '--expires', soon, '--description', 'nightly', '--json'],
          env,
        )
      ).stdout,
    );
    const result = await run(CLI_MAIN, ['reminders:run', '--json'], env);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.sent).toEqual([expect.objectContaining({ apiKeyId: Number(key.apiKey.id), recipients: ['ops@outbox.test'] })]);
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = await simpleParser(readFileSync(join(outbox, files[0])));
    expect(eml.to).toMatchObject({ text: 'ops@outbox.test' });
    expect(eml.subject).toMatch(/^Your Torii API key "nightly" expires in 10 days/);
    expect(eml.text).toContain('Outbox Co');
    const again = JSON.parse((await run(CLI_MAIN, ['reminders:run', '--json'], env)).stdout);
    expect(again.sent).toEqual([]);
    expect(existsSync(outbox)).toBe(true);
  });
});
