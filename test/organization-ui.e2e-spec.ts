import { loadConfig } from '@app/config';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { AUDIT_ACTIONS } from '../apps/server/src/audit/audit.service';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { AUDIT_ACTION_LABELS } from '../apps/web/src/format';
import { DESKTOP, inPage, launchBrowser, NARROW, screenshot, signIn, TestBrowser } from './support/browser';
import { insertUser } from './support/fixtures';
import { client } from './support/http';
import { PATCH_OP, scimOrganization } from './support/scim';
import { TestSmtpServer } from './support/smtp';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Contract §12 in the settings UI (apps/web), in Debian's Chromium against the real server: the Organization
 * page (its name, its notification recipients), editing the users no identity provider manages in Members,
 * mail written to the outbox folder shown as what it is on Notifications, the server's proposed key
 * lifetime in API Access, and the audit log's labels for the new actions. Screenshots: organization-*.png.
 */
const DAY = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** A day as the UI writes it: "Mar 7, 2027" (UTC). */
const formatDay = (date: Date) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
/** This server proposes 45 days for a new key (API_KEY_DEFAULT_LIFETIME_DAYS), not the usual 90. */
const DEFAULT_LIFETIME_DAYS = 45;

describe('Organization, recipients and unmanaged users in the settings UI', () => {
  let t: TestApp;
  let browser: TestBrowser;
  let outbox: string;

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-org-ui-outbox-'));
    const base = loadConfig({ MAIL_OUTBOX_DIR: outbox });
    t = await startTestApp({ mail: base.mail, apiKeys: { ...base.apiKeys, defaultLifetimeDays: DEFAULT_LIFETIME_DAYS } });
    browser = await launchBrowser(t.url);
  });

  afterEach(() => {
    // Any uncaught error or failed script in the page fails the test that caused it.
    expect(browser.takeErrors()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (outbox) rmSync(outbox, { recursive: true, force: true });
  });

  // Focus moves in an effect after the render that a click causes, so wait for it (up to the default
  // timeout) rather than reading it once; on a timeout, say where focus is instead.
  const expectFocusOn = async (page: Page, id: string | null) => {
    const ok = await page
      .waitForFunction((want) => (globalThis as any).document.activeElement?.id === want, id, { timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    if (!ok) expect(await inPage<string>(page, 'document.activeElement?.id ?? ""')).toBe(id);
  };

  describe('Organization page: the name', () => {
    it('should rename the organization, show the limit with a counter and the server’s sentence on a refusal', async () => {
      const org = await t.createOrganization('My Organization', 'owner@rename.test');
      const admin = client(t.url, org.apiKey.key);
      const page = await browser.open(DESKTOP);
      await signIn(page, t.url, org.apiKey.key, '/settings/security');
      // A tab in the navigation, like every other page.
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Organization' }).click();
      await page.getByRole('heading', { level: 1, name: 'Organization' }).waitFor();
      expect(page.url()).toBe(`${t.url}/settings/organization`);
      await expect(page.title()).resolves.toBe('Organization · Torii Settings');

      const name = page.getByLabel('Name', { exact: true });
      await expect(name.inputValue()).resolves.toBe('My Organization');
      await page.getByText('15 of 100 characters').waitFor();
      const save = page.getByRole('button', { name: 'Save name' });
      // Nothing to save until the name changes.
      await expect(save.isDisabled()).resolves.toBe(true);

      // A long paste is kept whole, counted, and not sent.
      await name.fill('N'.repeat(150));
      await expect(name.inputValue()).resolves.toHaveLength(150);
      await page.getByText('50 characters too many: at most 100.').waitFor();
      await save.click();
      await page.getByText('Shorten the name to at most 100 characters.').waitFor();
      expect((await admin.get('/v1.0/organization')).body.name).toBe('My Organization');

      // A control character (a tab pasted with the name): the server refuses it with a sentence, shown as it is.
      const refused = await admin.patch('/v1.0/organization', { body: { name: 'Acme\tCorporation' } });
      expect(refused.status).toBe(400);
      await name.fill('Acme\tCorporation');
      await save.click();
      const error = page.locator('#organization-name-error');
      // The server's sentence, with a capital: "Name must not contain control characters …".
      const message: string = refused.body.message;
      expect(message).toMatch(/^name must not contain control characters/);
      await expect(error.textContent()).resolves.toBe(message.charAt(0).toUpperCase() + message.slice(1));
      await expect(name.getAttribute('aria-invalid')).resolves.toBe('true');
      await screenshot(page, 'organization-name-refused-1280');
      expect((await admin.get('/v1.0/organization')).body.name).toBe('My Organization');

      await name.fill('  Acme Corporation  ');
      await save.click();
      await page.getByRole('status').filter({ hasText: 'The organization is now called "Acme Corporation".' }).waitFor();
      // The header says the new name at once, without a reload.
      await page.getByRole('banner').getByText('Acme Corporation', { exact: true }).waitFor();
      await expect(name.inputValue()).resolves.toBe('Acme Corporation');
      expect((await admin.get('/v1.0/organization')).body).toMatchObject({ id: org.organizationId, name: 'Acme Corporation' });
      await expect(page.getByTestId('organization-id').textContent()).resolves.toBe(org.organizationId);

      // The audit log says it as a person would.
      await page.goto(`${t.url}/settings/audit-log?action=organization.renamed`);
      const row = page.locator('tr[data-action="organization.renamed"]');
      await row.getByText('Organization renamed').waitFor();
      await row.getByText('name: "My Organization" → "Acme Corporation"').waitFor();
    });
  });

  describe('Organization page: notification recipients', () => {
    it('should add and remove addresses, show each refused entry under it, and keep the list to 20', async () => {
      const org = await t.createOrganization('Recipients Inc', 'owner@recipients.test');
      const admin = client(t.url, org.apiKey.key);
      const page = await browser.open(DESKTOP);
      await signIn(page, t.url, org.apiKey.key, '/settings/organization');
      const card = page.getByRole('region', { name: /Notification recipients/ });
      await card
        .getByText(
          /Key expiry reminders, SCIM connection health alerts and deprovisioning incident emails go to the organization's active Admins and to these addresses/,
        )
        .waitFor();
      await card.getByText('No addresses yet: only the active Admins get these emails.').waitFor();
      // Who gets them anyway: the active Admin, by address.
      await card
        .getByText('The active Admin always gets them: owner@recipients.test (change who is an Admin in Members).')
        .waitFor();
      await screenshot(page, 'organization-empty-1280');

      // Add: a new empty row, focused.
      const add = card.getByRole('button', { name: 'Add address' });
      const addAddress = async (value: string) => {
        await add.click();
        const count = await card.locator('li.recipient').count();
        const input = card.getByLabel(`Address ${count}`, { exact: true });
        await expectFocusOn(page, await input.getAttribute('id'));
        await input.fill(value);
      };
      await addAddress('it-alerts@recipients.test');
      await addAddress('not-an-email');
      await addAddress('IT-Alerts@recipients.test');
      await addAddress('security@recipients.test');
      await card.locator('[data-recipient-count]').getByText('4 of 20').waitFor();

      // The server refuses the list and names the bad entry: its sentence goes under that row, nothing is saved.
      const refused = await admin.put('/v1.0/settings/notification-recipients', {
        body: { emails: ['it-alerts@recipients.test', 'not-an-email'] },
      });
      expect(refused.body.details).toEqual([{ field: 'emails[1]', message: expect.stringContaining('not a valid email') }]);
      await card.getByRole('button', { name: 'Save recipients' }).click();
      await card.getByText('1 address could not be saved: correct it below. Nothing was changed.').waitFor();
      const bad = card.locator('li.recipient').nth(1);
      await expect(bad.locator('.field-error').textContent()).resolves.toBe(
        `This address ${refused.body.details[0].message.replace(/^emails\[1\] /, '')}.`,
      );
      await expect(bad.getByRole('textbox').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(card.locator('li.recipient .field-error').count()).resolves.toBe(1);
      await screenshot(page, 'organization-recipient-refused-1280');
      expect((await admin.get('/v1.0/settings/notification-recipients')).body.emails).toEqual([]);

      // Corrected: saved, the duplicate folded (the first spelling kept), and said.
      await bad.getByRole('textbox').fill('finance-ops@recipients.test');
      await expect(bad.locator('.field-error').count()).resolves.toBe(0);
      await card.getByRole('button', { name: 'Save recipients' }).click();
      await card
        .getByRole('status')
        .getByText('Saved: 3 addresses get these emails besides the active Admins. 1 duplicate left out.')
        .waitFor();
      expect((await admin.get('/v1.0/settings/notification-recipients')).body.emails).toEqual([
        'it-alerts@recipients.test',
        'finance-ops@recipients.test',
        'security@recipients.test',
      ]);
      await expect(card.locator('li.recipient').count()).resolves.toBe(3);
      await expect(card.getByRole('button', { name: 'Save recipients' }).isDisabled()).resolves.toBe(true);

      // Remove: focus moves to the row that took its place; Discard brings the saved list back.
      await card.getByRole('button', { name: 'Remove finance-ops@recipients.test' }).click();
      await expectFocusOn(page, await card.getByRole('textbox').nth(1).getAttribute('id'));
      await expect(card.getByRole('textbox').nth(1).inputValue()).resolves.toBe('security@recipients.test');
      await card.getByRole('button', { name: 'Discard changes' }).click();
      await expect(card.locator('li.recipient').count()).resolves.toBe(3);
      await card.getByRole('button', { name: 'Remove finance-ops@recipients.test' }).click();
      // A blank row is left out, not refused.
      await add.click();
      await card.getByRole('button', { name: 'Save recipients' }).click();
      await card.getByRole('status').getByText('Saved: 2 addresses get these emails besides the active Admins.').waitFor();
      expect((await admin.get('/v1.0/settings/notification-recipients')).body.emails).toEqual([
        'it-alerts@recipients.test',
        'security@recipients.test',
      ]);

      // At most 20: the 20th row turns the Add button off and says why.
      const eighteen = Array.from({ length: 18 }, (_, i) => `team-${i + 1}@recipients.test`);
      await admin.put('/v1.0/settings/notification-recipients', {
        body: { emails: ['it-alerts@recipients.test', 'security@recipients.test', ...eighteen.slice(0, 17)] },
      });
      await page.reload();
      await card.locator('[data-recipient-count]').getByText('19 of 20').waitFor();
      await addAddress('team-18@recipients.test');
      await expect(add.isDisabled()).resolves.toBe(true);
      await card.getByText('At most 20 addresses: to reach more people, add a mailing list.').waitFor();
      await card.getByRole('button', { name: 'Save recipients' }).click();
      await card.getByRole('status').getByText('Saved: 20 addresses get these emails besides the active Admins.').waitFor();
      expect((await admin.get('/v1.0/settings/notification-recipients')).body.emails).toHaveLength(20);

      // The audit log: the change, labelled.
      await page.goto(`${t.url}/settings/audit-log?action=notification-recipients.updated`);
      await page
        .locator('tr[data-action="notification-recipients.updated"]')
        .first()
        .getByText('Notification recipients changed')
        .waitFor();
    });

    it('should lay out the page on a phone', async () => {
      const org = await t.createOrganization('Phone Inc', 'owner@phone.test');
      await client(t.url, org.apiKey.key).put('/v1.0/settings/notification-recipients', {
        body: { emails: ['it-alerts@phone.test', 'security-operations-center@phone.test'] },
      });
      const page = await browser.open(NARROW);
      await signIn(page, t.url, org.apiKey.key, '/settings/organization');
      await page.locator('li.recipient').nth(1).waitFor();
      await screenshot(page, 'organization-recipients-390');
      await expect(inPage<number>(page, 'document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(NARROW.width);
    });
  });

  describe('Members: users no identity provider manages', () => {
    it('should edit the email and name of an unmanaged user, and leave a managed one to the identity provider', async () => {
      const s = await scimOrganization(t, 'Edit Inc', 'owner@edit.test');
      const buyer = await insertUser(t.dataSource, s.org.organizationId, 'buyer@edit.test', { role: 'Procurement' });
      const provisioned = (
        await s.scim.post('/Users', {
          body: { userName: 'okta.user@edit.test', displayName: 'Okta User', externalId: '00u1', userType: 'Procurement' },
        })
      ).body;
      const page = await browser.open(DESKTOP);
      await signIn(page, t.url, s.org.apiKey.key, '/settings/members');

      // The identity provider's user: no Edit, and a plain hint why.
      const managed = page.locator('tr[data-user="okta.user@edit.test"]');
      await managed.getByText('Email and name come from your identity provider').waitFor();
      await expect(managed.getByRole('button', { name: /^Edit/ }).count()).resolves.toBe(0);
      const owner = page.locator('tr[data-user="owner@edit.test"]');
      await expect(owner.locator('[data-idp-managed]').count()).resolves.toBe(0);
      await screenshot(page, 'organization-members-edit-1280');

      await owner.getByRole('button', { name: 'Edit the email and name of owner@edit.test' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit owner@edit.test' });
      // A form dialog starts on its first field, not on ✕.
      await expectFocusOn(page, 'edit-user-email');
      const email = dialog.getByLabel('Email', { exact: true });
      await expect(email.inputValue()).resolves.toBe('owner@edit.test');

      // Over the limit: kept, counted, not sent.
      await email.fill(`${'a'.repeat(290)}@edit.test`);
      await dialog.getByText('46 characters too many: at most 254.').waitFor();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByText('Shorten the email address to at most 254 characters.').waitFor();

      // Another user's address: the server's 409 sentence, in the dialog.
      await email.fill('buyer@edit.test');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByText('A user with the email "buyer@edit.test" already exists in this organization.').waitFor();
      await screenshot(page, 'organization-members-edit-taken-1280', false);

      await email.fill('ada@edit.test');
      await dialog.getByLabel('Full name').fill('Ada King Lovelace');
      await dialog.getByText('17 of 255 characters').waitFor();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').getByText('Saved: ada@edit.test (Ada King Lovelace).').waitFor();
      await page.locator('tr[data-user="ada@edit.test"]').getByText('Ada King Lovelace').waitFor();
      expect((await s.admin.get(`/v1.0/users/${s.org.adminUserId}`)).body).toMatchObject({
        userName: 'ada@edit.test',
        displayName: 'Ada King Lovelace',
        scimManaged: false,
      });

      // The page can be out of date: the identity provider takes the user over meanwhile. The 409 says so, and
      // the row loses its Edit button.
      await page.getByRole('button', { name: 'Edit the email and name of buyer@edit.test' }).click();
      const edit = page.getByRole('dialog', { name: 'Edit buyer@edit.test' });
      await edit.getByLabel('Full name').fill('Benedict Buyer');
      const patched = await s.scim.patch(`/Users/${buyer.id}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Buyer' }] },
      });
      expect(patched.status).toBe(200);
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.getByText(/buyer@edit\.test is managed by your identity provider .*change their name there/).waitFor();
      await screenshot(page, 'organization-members-edit-managed-1280', false);
      await edit.getByRole('button', { name: 'Cancel' }).click();
      await page
        .locator('tr[data-user="buyer@edit.test"]')
        .getByText('Email and name come from your identity provider')
        .waitFor();
      await expect(page.getByRole('button', { name: 'Edit the email and name of buyer@edit.test' }).count()).resolves.toBe(0);
      expect((await s.admin.get(`/v1.0/users/${buyer.id}`)).body.displayName).toBeNull();
      expect((await s.admin.get(`/v1.0/users/${provisioned.id}`)).body.scimManaged).toBe(true);

      // The audit log: the edit, with the changed attributes.
      await page.goto(`${t.url}/settings/audit-log?action=user.updated&targetType=user&targetId=${s.org.adminUserId}`);
      await page.locator('tr[data-action="user.updated"]').first().getByText('User changed').waitFor();
    });
  });

  describe('Notifications: mail written to the outbox folder', () => {
    it('should say the outbox folder and not "Sent", say so of pending ones, and say how to configure SMTP', async () => {
      const org = await t.createOrganization('Outbox Inc', 'owner@outbox.test');
      const admin = client(t.url, org.apiKey.key);
      const recipients = [
        'it-alerts@outbox.test',
        'security@outbox.test',
        'finance@outbox.test',
        'ops@outbox.test',
        'cto@outbox.test',
      ];
      await admin.put('/v1.0/settings/notification-recipients', { body: { emails: recipients } });
      const soon = isoDay(new Date(Date.now() + 10 * DAY));
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Written key', expiresAt: soon } });
      const written = await t.app.get(RemindersService).run();
      expect(written.sent).toHaveLength(1);
      // The folder cannot be written now: the next reminder stays pending, to be retried.
      rmSync(outbox, { recursive: true, force: true });
      writeFileSync(outbox, 'not a folder');
      try {
        await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Pending key', expiresAt: soon } });
        expect((await t.app.get(RemindersService).run()).retrying).toHaveLength(1);
      } finally {
        rmSync(outbox, { force: true });
        mkdirSync(outbox, { recursive: true });
      }

      const page = await browser.open(DESKTOP);
      await signIn(page, t.url, org.apiKey.key, '/settings/notifications');
      const notice = page.locator('[data-outbox-notice]');
      await notice.getByText('No SMTP server is configured: nobody receives these emails').waitFor();
      await expect(notice.textContent()).resolves.toMatch(/SMTP_URL.*MAIL_FROM.*docs\/configuration\.md/);

      const sentRow = page.getByRole('row').filter({ hasText: 'Written key' });
      await sentRow.getByText('Written to the outbox folder — no SMTP configured').waitFor();
      await sentRow.getByText('Not emailed').waitFor();
      await expect(sentRow.getByText('Sent', { exact: true }).count()).resolves.toBe(0);
      // Who it was addressed to: the active Admin and the notification recipients, one a line, the first few at first.
      const lines = sentRow.locator('.recipient-lines > span');
      await expect(lines.allTextContents()).resolves.toEqual(['owner@outbox.test', ...recipients.slice(0, 2)]);
      await sentRow.getByRole('button', { name: 'Show all 6 recipients' }).click();
      await expect(lines.allTextContents()).resolves.toEqual(['owner@outbox.test', ...recipients]);

      const pendingRow = page.getByRole('row').filter({ hasText: 'Pending key' });
      await pendingRow.getByText('Pending', { exact: true }).waitFor();
      await pendingRow.getByText('Will only be written to the outbox folder: no SMTP configured').waitFor();
      await screenshot(page, 'organization-notifications-outbox-1280');
      // The notes wrap in their column: the table fits its card at 1280 px.
      await expect(
        inPage<number>(
          page,
          `(() => { const s = document.querySelectorAll('.table-scroll')[1]; return s.scrollWidth - s.clientWidth; })()`,
        ),
      ).resolves.toBeLessThanOrEqual(1);

      const phone = await browser.open(NARROW);
      await signIn(phone, t.url, org.apiKey.key, '/settings/notifications');
      await phone.getByRole('row').filter({ hasText: 'Written key' }).getByText('Not emailed').waitFor();
      await screenshot(phone, 'organization-notifications-outbox-390');
      await expect(inPage<number>(phone, 'document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(NARROW.width);
    });

    it('should say "Sent", with no outbox notice, when an SMTP server took the mail', async () => {
      const smtp = await new TestSmtpServer().start();
      const mailed = await startTestApp({ mail: loadConfig({ SMTP_URL: smtp.url }).mail });
      try {
        const org = await mailed.createOrganization('Mailed Inc', 'owner@mailed.test');
        const admin = client(mailed.url, org.apiKey.key);
        const soon = isoDay(new Date(Date.now() + 10 * DAY));
        await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Mailed key', expiresAt: soon } });
        await mailed.app.get(RemindersService).run();
        expect(smtp.countByRecipient()).toEqual({ 'owner@mailed.test': 1 });
        const page = await browser.open(DESKTOP);
        await signIn(page, mailed.url, org.apiKey.key, '/settings/notifications');
        const row = page.getByRole('row').filter({ hasText: 'Mailed key' });
        await row.getByText('Sent', { exact: true }).waitFor();
        await expect(row.getByText(/outbox/).count()).resolves.toBe(0);
        await expect(page.locator('[data-outbox-notice]').count()).resolves.toBe(0);
      } finally {
        await mailed.close();
        await smtp.stop();
      }
    });
  });

  describe('API Access: the proposed expiry', () => {
    it("should propose the server's default lifetime in Generate, and for a never-expiring key's successor", async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      const page = await browser.open(DESKTOP);
      await signIn(page, t.url, org.apiKey.key, '/settings/api-access');
      await page.getByRole('button', { name: 'Generate API Key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Generate API Key' });
      await dialog.getByLabel('Torii API').check();
      const expiration = dialog.getByLabel('Expiration', { exact: true });
      await expect(expiration.inputValue()).resolves.toBe(String(DEFAULT_LIFETIME_DAYS));
      await expect(expiration.locator('option:checked').textContent()).resolves.toBe(
        `${DEFAULT_LIFETIME_DAYS} days (recommended)`,
      );
      // The usual presets are still offered, none of them called recommended.
      await expect(expiration.locator('option').allTextContents()).resolves.toEqual([
        '30 days',
        `${DEFAULT_LIFETIME_DAYS} days (recommended)`,
        '60 days',
        '90 days',
        '1 year',
        'Custom date…',
        'No expiration',
      ]);
      const day = new Date(`${isoDay(new Date(Date.now() + DEFAULT_LIFETIME_DAYS * DAY))}T00:00:00Z`);
      await dialog.getByText(`The key stops working on ${formatDay(day)} at 00:00 UTC.`).waitFor();
      await screenshot(page, 'organization-api-access-default-expiry-1280', false);
      await dialog.getByLabel('Description').fill('Proposed lifetime');
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      await page.getByRole('dialog', { name: 'Your new Torii API key' }).getByRole('button', { name: 'Got it' }).click();
      const keys = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys as { description: string; expiresAt: string }[];
      expect(keys.find((k) => k.description === 'Proposed lifetime')?.expiresAt).toBe(day.toISOString());

      // A key that never expires: its successor gets the proposed lifetime too.
      const legacy = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Legacy' } })).body;
      await page.reload();
      await page.getByRole('button', { name: `Rotate ${legacy.maskedKey}` }).click();
      const rotate = page.getByRole('dialog', { name: `Rotate ${legacy.maskedKey}?` });
      await expect(rotate.getByLabel('Expiration', { exact: true }).inputValue()).resolves.toBe(String(DEFAULT_LIFETIME_DAYS));
    });
  });

  it('should label every audit action the server records', () => {
    expect(AUDIT_ACTIONS.filter((action) => !AUDIT_ACTION_LABELS[action])).toEqual([]);
  });
});
