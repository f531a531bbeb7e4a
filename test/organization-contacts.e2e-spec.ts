import { loadConfig } from '@app/config';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncidentAlerts } from '../apps/server/src/notifications/incident-alerts';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { OnboardingService } from '../apps/server/src/onboarding/onboarding.service';
import { SYSTEM_SCOPE } from '../apps/server/src/audit/audit-context';
import { ScimHealthMonitor } from '../apps/server/src/scim-health/scim-health.monitor';
import { ScimTrafficService } from '../apps/server/src/scim-health/scim-traffic.service';
import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { createUser, oktaCreateBody, patchBody, scimOrganization, ScimOrganization } from './support/scim';
import { TestSmtpServer } from './support/smtp';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Contract §12, the organization and its contacts: its name, the email and name of users no identity
 * provider manages, and who gets its emails besides the active Admins (reminders, connection alerts,
 * incident emails, each address once, through a real SMTP server). Also the keys' default expiry and
 * how a sent notification left (SMTP or only the outbox folder).
 */
describe('the organization and its contacts', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    const base = loadConfig({ SMTP_URL: smtp.url, DEPROVISION_BURST_THRESHOLD: '3', DEPROVISION_BURST_PERCENT: '0' });
    t = await startTestApp({ mail: base.mail, safetyNet: base.safetyNet });
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.clear();
    t.clock.reset();
  });

  const events = async (o: { admin: ReturnType<typeof client> }, action: string) =>
    (await o.admin.get(`/v1.0/audit-log?action=${action}`)).body.events as any[];

  describe('PATCH /v1.0/organization', () => {
    it('should rename the organization, trimmed, with an audit event, and change nothing when the name is the same', async () => {
      const o = await scimOrganization(t, 'My Organization');
      const renamed = await o.admin.patch('/v1.0/organization', { body: { name: '  Acme Corporation  ' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ id: o.org.organizationId, name: 'Acme Corporation', createdAt: expect.any(String) });
      expect((await o.admin.get('/v1.0/organization')).body.name).toBe('Acme Corporation');
      expect(await events(o, 'organization.renamed')).toEqual([
        expect.objectContaining({
          actor: expect.objectContaining({ type: 'api-key', keyId: o.org.apiKey.id }),
          target: { type: 'organization', id: o.org.organizationId, display: 'Acme Corporation' },
          changes: [{ attribute: 'name', from: 'My Organization', to: 'Acme Corporation' }],
          outcome: 'success',
        }),
      ]);
      expect((await o.admin.patch('/v1.0/organization', { body: { name: 'Acme Corporation' } })).status).toBe(200);
      expect(await events(o, 'organization.renamed')).toHaveLength(1);
    });

    it('should take 1 to 100 characters (an emoji is one) and refuse the rest with a sentence, writing nothing', async () => {
      const o = await scimOrganization(t, 'Bounded');
      const hundred = `${'🚀'.repeat(50)}${'a'.repeat(50)}`;
      expect((await o.admin.patch('/v1.0/organization', { body: { name: hundred } })).body.name).toBe(hundred);
      const refusals: Array<[unknown, RegExp]> = [
        [{ name: '' }, /^name must be 1 to 100 characters \(spaces at either end are not counted\); got 0\.$/],
        [{ name: '   ' }, /name must be 1 to 100 characters .*got 0/],
        [{ name: 'a'.repeat(101) }, /name must be 1 to 100 characters .*got 101/],
        [{ name: 'x'.repeat(5000) }, /name must be at most 100 characters/],
        [{ name: 'Acme\nCorp' }, /name must not contain control characters/],
        [{ name: 'Acme\u0000' }, /name must not contain control characters/],
        [{ name: '\u202eemcA' }, /name must not contain directional formatting characters/],
        [{ name: 42 }, /name must be text/],
        [{ name: null }, /name must be text/],
        [{}, /name must be text/],
        [{ name: 'Acme', id: '7' }, /id/],
      ];
      for (const [body, message] of refusals) {
        const refused = await o.admin.patch('/v1.0/organization', { body });
        expect({ body, status: refused.status }).toEqual({ body, status: 400 });
        expect(refused.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(refused.body.message).toMatch(message);
        expect(refused.text).not.toMatch(/\n\s+at /);
      }
      expect((await o.admin.get('/v1.0/organization')).body.name).toBe(hundred);
      expect(await events(o, 'organization.renamed')).toHaveLength(1);
    });

    it("should rename the calling key's organization only, and refuse a SCIM key", async () => {
      const a = await scimOrganization(t, 'Alpha');
      const b = await scimOrganization(t, 'Beta');
      await a.admin.patch('/v1.0/organization', { body: { name: 'Alpha Renamed' } });
      expect((await b.admin.get('/v1.0/organization')).body.name).toBe('Beta');
      expect((await client(t.url, a.scimKey).patch('/v1.0/organization', { body: { name: 'X' } })).status).toBe(403);
    });
  });

  describe('PATCH /v1.0/users/{id}: email and name', () => {
    it('should change the email and name of the first Admin (no identity provider manages it), everywhere, with an event', async () => {
      const o = await scimOrganization(t, 'Edited', 'admin@example.com');
      const before = (await o.admin.get(`/v1.0/users/${o.org.adminUserId}`)).body;
      expect(before).toMatchObject({ userName: 'admin@example.com', scimManaged: false, displayName: null });
      const edited = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, {
        body: { email: ' Ada@Edited.test ', name: 'Ada  King Lovelace' },
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        id: o.org.adminUserId,
        userName: 'Ada@Edited.test',
        email: 'Ada@Edited.test',
        displayName: 'Ada King Lovelace',
        firstName: 'Ada King',
        lastName: 'Lovelace',
        role: 'Admin',
        active: true,
        scimManaged: false,
      });
      expect(Date.parse(edited.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
      // SCIM shows the same user: the primary work email follows the address.
      const resource = (await o.scim.get(`/Users/${o.org.adminUserId}`)).body;
      expect(resource).toMatchObject({
        userName: 'Ada@Edited.test',
        displayName: 'Ada King Lovelace',
        name: { formatted: 'Ada King Lovelace', givenName: 'Ada King', familyName: 'Lovelace' },
        emails: [{ value: 'Ada@Edited.test', type: 'work', primary: true }],
        meta: expect.objectContaining({ version: 'W/"2"' }),
      });
      // The old address is free, the new one taken (case-insensitively).
      expect((await o.scim.get('/Users?filter=userName%20eq%20%22admin@example.com%22')).body.totalResults).toBe(0);
      expect((await o.scim.get('/Users?filter=userName%20eq%20%22ada@edited.test%22')).body.totalResults).toBe(1);
      const [event] = await events(o, 'user.updated');
      expect(event).toMatchObject({
        actor: { type: 'api-key', keyId: o.org.apiKey.id },
        target: { type: 'user', id: o.org.adminUserId, display: 'Ada@Edited.test' },
      });
      expect(event.changes).toEqual(
        expect.arrayContaining([
          { attribute: 'userName', from: 'admin@example.com', to: 'Ada@Edited.test' },
          { attribute: 'displayName', from: null, to: 'Ada King Lovelace' },
          { attribute: 'name.familyName', from: null, to: 'Lovelace' },
          { attribute: 'emails', from: ['admin@example.com'], to: ['Ada@Edited.test'] },
        ]),
      );
      // The same values again: nothing changes, nothing is recorded.
      const again = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, {
        body: { email: 'Ada@Edited.test', name: 'Ada King Lovelace' },
      });
      expect(again.body.updatedAt).toBe(edited.body.updatedAt);
      expect(await events(o, 'user.updated')).toHaveLength(1);
      // null clears the name; a role change goes with it in one request.
      await insertUser(t.dataSource, o.org.organizationId, 'second@edited.test', { role: 'Admin' });
      const cleared = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { name: null, role: 'IT Admin' } });
      expect(cleared.body).toMatchObject({ displayName: null, firstName: null, lastName: null, role: 'IT Admin' });
      expect((await events(o, 'user.role-changed'))[0]).toMatchObject({ target: { id: o.org.adminUserId } });
    });

    it('should refuse with 409 the email and name of a user written through SCIM, changing nothing', async () => {
      const o = await scimOrganization(t, 'Managed');
      const provisioned = await createUser(o.scim, oktaCreateBody('okta.user@managed.test'));
      const view = (await o.admin.get(`/v1.0/users/${provisioned.id}`)).body;
      expect(view).toMatchObject({ scimManaged: true, externalId: expect.any(String) });
      for (const body of [{ email: 'new@managed.test' }, { name: 'New Name' }, { name: null }, { email: view.email }]) {
        const refused = await o.admin.patch(`/v1.0/users/${provisioned.id}`, { body });
        expect(refused.status).toBe(409);
        expect(refused.body.message).toMatch(
          /^okta\.user@managed\.test is managed by your identity provider \(it was provisioned through SCIM\): change their (email address|name) there/,
        );
      }
      // Role and state stay the admin API's, as before.
      expect((await o.admin.patch(`/v1.0/users/${provisioned.id}`, { body: { role: 'Procurement' } })).status).toBe(200);
      expect((await o.admin.get(`/v1.0/users/${provisioned.id}`)).body).toMatchObject({
        userName: 'okta.user@managed.test',
        displayName: provisioned.displayName,
        role: 'Procurement',
      });
      expect(await events(o, 'user.updated')).toEqual([]);
    });

    it('should hand the first Admin to the identity provider once SCIM writes it (Okta linking it by userName)', async () => {
      const o = await scimOrganization(t, 'Linked', 'it@linked.test');
      // An unchanged write (the same active) still tells that the identity provider manages the user now.
      const write = await o.scim.patch(`/Users/${o.org.adminUserId}`, {
        body: patchBody({ op: 'replace', value: { active: true } }),
      });
      expect(write.status).toBe(200);
      expect(write.body.meta.version).toBe('W/"1"');
      expect((await o.admin.get(`/v1.0/users/${o.org.adminUserId}`)).body.scimManaged).toBe(true);
      expect((await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { name: 'IT' } })).status).toBe(409);
    });

    it('should keep email addresses unique in the organization case-insensitively (409), not across organizations', async () => {
      const o = await scimOrganization(t, 'Unique', 'first@unique.test');
      await createUser(o.scim, oktaCreateBody('taken@unique.test'));
      const taken = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { email: 'TAKEN@unique.test' } });
      expect(taken.status).toBe(409);
      expect(taken.body.message).toBe('A user with the email "TAKEN@unique.test" already exists in this organization.');
      expect((await o.admin.get(`/v1.0/users/${o.org.adminUserId}`)).body.userName).toBe('first@unique.test');
      // Its own address in another case is a change of spelling, allowed.
      const recased = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { email: 'First@Unique.test' } });
      expect(recased.body.userName).toBe('First@Unique.test');
      const other = await scimOrganization(t, 'Other Unique');
      await createUser(other.scim, oktaCreateBody('shared@unique.test'));
      const shared = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { email: 'shared@unique.test' } });
      expect(shared.status).toBe(200);
    });

    it('should refuse bad email addresses and names with a sentence naming the field, writing nothing', async () => {
      const o = await scimOrganization(t, 'Validated', 'valid@validated.test');
      const refusals: Array<[unknown, number, RegExp]> = [
        [{ email: 'not-an-email' }, 400, /^email must be an email address; "not-an-email" is not a valid email\.$/],
        [{ email: '' }, 400, /^email must be an email address\.$/],
        [{ email: 'a\u0000@validated.test' }, 400, /email must not contain control characters/],
        [{ email: 'a@validated.test\n' }, 400, /email must not contain control characters/],
        [{ email: '\u202eab@validated.test' }, 400, /email must not contain directional formatting characters/],
        [{ email: `${'a'.repeat(250)}@validated.test` }, 400, /email must be an email address/],
        [{ email: 'x'.repeat(2000) }, 400, /email must be at most 254 characters/],
        [{ email: null }, 400, /email cannot be null/],
        [{ email: 7 }, 400, /email must be an email address/],
        [{ name: '' }, 400, /^name must be 1 to 255 characters \(spaces at either end are not counted\); got 0\.$/],
        [{ name: 'n'.repeat(256) }, 400, /name must be 1 to 255 characters .*got 256/],
        [{ name: 'Ada\tLovelace' }, 400, /name must not contain control characters/],
        [{ name: ['Ada'] }, 400, /name must be text/],
        [{ userName: 'x@validated.test' }, 400, /userName/],
      ];
      for (const [body, status, message] of refusals) {
        const refused = await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body });
        expect({ body, status: refused.status }).toEqual({ body, status });
        expect(refused.body.message).toMatch(message);
      }
      expect((await o.admin.get(`/v1.0/users/${o.org.adminUserId}`)).body).toMatchObject({
        userName: 'valid@validated.test',
        displayName: null,
      });
      expect(await events(o, 'user.updated')).toEqual([]);
      // A right-to-left name may hold directional marks (as SCIM's displayName may).
      expect((await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { name: 'נועה\u200f כהן' } })).status).toBe(200);
    });
  });

  describe('notification recipients', () => {
    it('should start empty, store the addresses in order, fold duplicates case-insensitively, and record the change', async () => {
      const o = await scimOrganization(t, 'Contacts');
      expect((await o.admin.get('/v1.0/settings/notification-recipients')).body).toEqual({ emails: [] });
      const put = await o.admin.put('/v1.0/settings/notification-recipients', {
        body: { emails: [' it-ops@contacts.test', 'Security@Contacts.test', 'IT-OPS@contacts.test', 'security@contacts.test'] },
      });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ emails: ['it-ops@contacts.test', 'Security@Contacts.test'] });
      expect((await o.admin.get('/v1.0/settings/notification-recipients')).body).toEqual(put.body);
      const [event] = await events(o, 'notification-recipients.updated');
      expect(event).toMatchObject({
        actor: { type: 'api-key' },
        target: { type: 'organization', id: o.org.organizationId, display: 'Notification recipients' },
        changes: [{ attribute: 'emails', from: [], to: ['it-ops@contacts.test', 'Security@Contacts.test'] }],
      });
      // The same list again: nothing recorded. [] removes them all.
      await o.admin.put('/v1.0/settings/notification-recipients', { body: { emails: put.body.emails } });
      expect(await events(o, 'notification-recipients.updated')).toHaveLength(1);
      expect((await o.admin.put('/v1.0/settings/notification-recipients', { body: { emails: [] } })).body).toEqual({
        emails: [],
      });
      expect(await events(o, 'notification-recipients.updated')).toHaveLength(2);
    });

    it('should take at most 20 distinct addresses and refuse bad lists with a sentence naming the entry', async () => {
      const o = await scimOrganization(t, 'Many Contacts');
      const twenty = Array.from({ length: 20 }, (_, i) => `r${i}@many.test`);
      // 25 entries, 20 distinct once folded: accepted.
      const folded = await o.admin.put('/v1.0/settings/notification-recipients', {
        body: { emails: [...twenty, ...twenty.slice(0, 5).map((e) => e.toUpperCase())] },
      });
      expect(folded.status).toBe(200);
      expect(folded.body.emails).toEqual(twenty);
      const refusals: Array<[unknown, RegExp]> = [
        [{ emails: [...twenty, 'r20@many.test'] }, /^emails must hold at most 20 distinct addresses; got 21\./],
        [
          { emails: Array.from({ length: 101 }, () => 'same@many.test') },
          /emails must hold at most 20 addresses; got 101 entries/,
        ],
        [{ emails: ['ok@many.test', 'nope'] }, /^emails\[1\] must be an email address; "nope" is not a valid email\.$/],
        [{ emails: ['a\nb@many.test', 5] }, /^emails\[0\] must not contain control characters.* \(and 1 more\)\.$/],
        [{ emails: 'ops@many.test' }, /emails must be a list of email addresses/],
        [{ emails: null }, /emails must be a list of email addresses/],
        [{}, /emails must be a list of email addresses/],
      ];
      for (const [body, message] of refusals) {
        const refused = await o.admin.put('/v1.0/settings/notification-recipients', { body });
        expect({ body: JSON.stringify(body).slice(0, 60), status: refused.status }).toEqual({
          body: JSON.stringify(body).slice(0, 60),
          status: 400,
        });
        expect(refused.body.message).toMatch(message);
      }
      const bad = await o.admin.put('/v1.0/settings/notification-recipients', { body: { emails: ['x', 'ok@many.test', 'y'] } });
      expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['emails[0]', 'emails[2]']);
      expect((await o.admin.get('/v1.0/settings/notification-recipients')).body.emails).toEqual(twenty);
    });

    it("should keep each organization's recipients to itself", async () => {
      const a = await scimOrganization(t, 'Contacts A');
      const b = await scimOrganization(t, 'Contacts B');
      await a.admin.put('/v1.0/settings/notification-recipients', { body: { emails: ['only-a@a.test'] } });
      expect((await b.admin.get('/v1.0/settings/notification-recipients')).body).toEqual({ emails: [] });
    });
  });

  describe('who gets the emails (a real SMTP server)', () => {
    /**
     * An organization with two active Admins (one of whose addresses is also a recipient, in another
     * case), an inactive Admin, an Employee, and two more recipients.
     */
    const withContacts = async (name: string) => {
      const slug = name.toLowerCase().replace(/\W+/g, '-');
      const o = await scimOrganization(t, name, `admin@${slug}.test`);
      await insertUser(t.dataSource, o.org.organizationId, `second.admin@${slug}.test`, { role: 'Admin' });
      await insertUser(t.dataSource, o.org.organizationId, `gone.admin@${slug}.test`, { role: 'Admin', active: false });
      await insertUser(t.dataSource, o.org.organizationId, `employee@${slug}.test`);
      const put = await o.admin.put('/v1.0/settings/notification-recipients', {
        body: { emails: [`it-ops@${slug}.test`, `SECOND.ADMIN@${slug}.test`, `security@${slug}.test`] },
      });
      expect(put.status).toBe(200);
      const everyone = [`admin@${slug}.test`, `second.admin@${slug}.test`, `it-ops@${slug}.test`, `security@${slug}.test`];
      return { o, slug, everyone };
    };
    /** The messages about this organization, with each recipient's count. */
    const received = (slug: string) => {
      const mails = smtp.received.filter((m) => m.envelopeTo.some((to) => to.endsWith(`@${slug}.test`)));
      const counts: Record<string, number> = {};
      for (const mail of mails) for (const to of mail.envelopeTo) counts[to.toLowerCase()] = (counts[to.toLowerCase()] ?? 0) + 1;
      return { mails, counts };
    };
    const once = (addresses: string[]) => Object.fromEntries(addresses.map((a) => [a, 1]));

    it('should send a key-expiry reminder to the active Admins and the recipients, each address once, over SMTP', async () => {
      t.clock.set('2031-01-01T09:00:00Z');
      const { o, slug, everyone } = await withContacts('Reminded');
      const key = (await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', expiresAt: '2031-01-20' } })).body;
      await t.app.get(RemindersService).run();
      await t.app.get(RemindersService).run();
      const { mails, counts } = received(slug);
      expect(mails).toHaveLength(1);
      expect(counts).toEqual(once(everyone));
      expect(mails[0].parsed.text).toContain(key.maskedKey);
      expect(mails[0].parsed.text).toContain('or as one of its notification recipients (Settings > Organization)');
      const [sent] = (await o.admin.get('/v1.0/settings/notifications')).body.notifications;
      expect(sent).toMatchObject({ status: 'sent', delivery: 'smtp', recipients: everyone });
      expect((await o.admin.get('/v1.0/settings/notifications')).body.mailDelivery).toBe('smtp');
      expect((await events(o, 'reminder.sent'))[0].detail).toBe(
        'The 1M expiry reminder, sent to 2 Admins and 2 notification recipients.',
      );
      // A renamed organization and an edited Admin are what the next email says and where it goes.
      await o.admin.patch('/v1.0/organization', { body: { name: 'Reminded Renamed' } });
      await o.admin.patch(`/v1.0/users/${o.org.adminUserId}`, { body: { email: `new.admin@${slug}.test` } });
      smtp.clear();
      await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2031-01-25' } });
      await t.app.get(RemindersService).run();
      expect(received(slug).counts).toEqual(once([`new.admin@${slug}.test`, ...everyone.slice(1)]));
      expect(received(slug).mails[0].parsed.text).toContain('A Torii API key of Reminded Renamed');
    });

    it('should send a SCIM connection alert to the active Admins and the recipients, each address once', async () => {
      const { o, slug, everyone } = await withContacts('Alerted');
      for (let i = 0; i < 8; i++) expect((await o.scim.get('/Users')).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await o.scim.post('/Users', { body: { userName: `bad${i}` } })).status).toBe(400);
      // Failures are counted just after their response went out.
      for (let tries = 0; tries < 40; tries++) {
        if ((await o.admin.get('/v1.0/settings/scim-health')).body.status === 'degraded') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await t.app.get(ScimTrafficService).flush();
      expect(await t.app.get(ScimHealthMonitor).run()).toContain(Number(o.org.organizationId));
      await t.app.get(ScimHealthMonitor).run();
      const { mails, counts } = received(slug);
      expect(mails).toHaveLength(1);
      expect(mails[0].parsed.subject).toBe('SCIM provisioning of Alerted is degraded');
      expect(counts).toEqual(once(everyone));
    });

    it('should send a deprovisioning incident email to the active Admins and the recipients, each address once', async () => {
      const { o, slug, everyone } = await withContacts('Burst');
      const users = [];
      for (let i = 0; i < 3; i++) users.push(await createUser(o.scim, oktaCreateBody(`u${i}@burst.test`)));
      for (const user of users) {
        const deactivated = await o.scim.patch(`/Users/${user.id}`, {
          body: patchBody({ op: 'replace', value: { active: false } }),
        });
        expect(deactivated.status).toBe(200);
      }
      expect((await o.admin.get('/v1.0/settings/deprovisioning-incidents')).body.incidents).toHaveLength(1);
      await t.app.get(IncidentAlerts).run();
      await t.app.get(IncidentAlerts).run();
      const { mails, counts } = received(slug);
      expect(mails).toHaveLength(1);
      expect(mails[0].parsed.text).toMatch(/3 users/);
      expect(counts).toEqual(once(everyone));
    });

    it('should reach the recipients when the organization has no active Admin left', async () => {
      t.clock.set('2031-01-01T09:00:00Z');
      const o = await scimOrganization(t, 'Adminless', 'only@adminless.test');
      await o.admin.put('/v1.0/settings/notification-recipients', { body: { emails: ['desk@adminless.test'] } });
      await t.dataSource.query('UPDATE users SET active = 0 WHERE id = ?', [Number(o.org.adminUserId)]);
      await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', expiresAt: '2031-01-20' } });
      await t.app.get(RemindersService).run();
      expect(received('adminless').counts).toEqual({ 'desk@adminless.test': 1 });
    });
  });

  describe('expiry by default', () => {
    it('should give the first key of an organization the default lifetime (90 days) unless told it never expires', async () => {
      t.clock.set('2031-03-01T12:00:00Z');
      const onboarding = t.app.get(OnboardingService);
      const expiring = await onboarding.createOrganization('Expiring', 'a@expiring.test', undefined, SYSTEM_SCOPE);
      expect(expiring.apiKey.expiresAt).toBe('2031-05-30T00:00:00.000Z');
      const forever = await onboarding.createOrganization('Forever', 'a@forever.test', undefined, SYSTEM_SCOPE, null);
      expect(forever.apiKey.expiresAt).toBeNull();
      const admin = client(t.url, expiring.apiKey.key);
      expect((await admin.get('/v1.0/settings/api-keys')).body.policy).toEqual({
        maxLifetimeDays: 3653,
        defaultLifetimeDays: 90,
      });
    });

    it('should rotate a key that never expires into one with the default lifetime, unless never is asked for', async () => {
      t.clock.set('2031-03-01T12:00:00Z');
      const o = await scimOrganization(t, 'Rotating');
      const forever = (await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'CI' } })).body;
      expect(forever.expiresAt).toBeNull();
      const rotated = await o.admin.post(`/v1.0/settings/api-keys/${forever.id}/rotate`, { body: {} });
      expect(rotated.body).toMatchObject({ description: 'CI', replacesKeyId: forever.id, expiresAt: '2031-05-30T00:00:00.000Z' });
      await o.admin.delete(`/v1.0/settings/api-keys/${rotated.body.id}`);
      const chosen = await o.admin.post(`/v1.0/settings/api-keys/${forever.id}/rotate`, { body: { expiresAt: '2031-04-01' } });
      expect(chosen.body.expiresAt).toBe('2031-04-01T00:00:00.000Z');
      await o.admin.delete(`/v1.0/settings/api-keys/${chosen.body.id}`);
      const never = await o.admin.post(`/v1.0/settings/api-keys/${forever.id}/rotate`, { body: { expiresAt: null } });
      expect(never.body.expiresAt).toBeNull();
    });
  });
});

describe('a sent notification without SMTP_URL', () => {
  let t: TestApp;
  let outbox: string;

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-contacts-outbox-'));
    t = await startTestApp({ mail: loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail });
  });

  afterAll(async () => {
    await t?.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('should say it was only written to the outbox folder, in the notifications and in the audit log', async () => {
    t.clock.set('2031-01-01T09:00:00Z');
    const o: ScimOrganization = await scimOrganization(t, 'Outboxed', 'admin@outboxed.test');
    await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', expiresAt: '2031-01-20' } });
    const pending = (await o.admin.get('/v1.0/settings/notifications')).body;
    expect(pending.mailDelivery).toBe('outbox');
    await t.app.get(RemindersService).run();
    expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    const [sent] = (await o.admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(sent).toMatchObject({ status: 'sent', delivery: 'outbox', recipients: ['admin@outboxed.test'] });
    const event = (await o.admin.get('/v1.0/audit-log?action=reminder.sent')).body.events[0];
    expect(event.detail).toBe('The 1M expiry reminder, written to the outbox folder (no SMTP_URL: not delivered) to 1 Admin.');
  });
});
