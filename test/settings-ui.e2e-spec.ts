import { loadConfig } from '@app/config';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { OnboardedOrganization, OnboardingService } from '../apps/server/src/onboarding/onboarding.service';
import { settingsUiRoot } from '../apps/server/src/settings-ui/settings-ui.routes';
import { insertUser } from './support/fixtures';
import { client, request } from './support/http';
import { oktaCreateBody } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The settings UI (apps/web) in Debian's Chromium, driven by playwright-core,
 * against the real server: what an admin clicks, and what the API then says.
 * Screenshots of every page, desktop and narrow, go to test-artifacts/screenshots.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
const SCREENSHOTS = join(__dirname, '..', 'test-artifacts', 'screenshots');
const DESKTOP = { width: 1280, height: 860 };
const NARROW = { width: 390, height: 844 };
const DAY = 86_400_000;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** A day as the UI writes it: "Mar 7, 2027" (UTC). */
const formatDay = (date: Date) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);

/** Evaluates an expression in the page (a string: this file is typechecked without the DOM library). */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

describe('Settings UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let outbox: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}; the settings UI tests need it. Install it with "apt-get install -y chromium" (.ci/run does this).`,
      );
    }
    if (!existsSync(join(settingsUiRoot(), 'index.html'))) {
      throw new Error(`The settings UI is not built (${settingsUiRoot()}): run "npm run build" (npm test runs it first).`);
    }
    outbox = mkdtempSync(join(tmpdir(), 'torii-ui-outbox-'));
    t = await startTestApp({ mail: loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterEach(() => {
    // Any uncaught error or failed script in the page fails the test that caused it.
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await t?.close();
    if (outbox) rmSync(outbox, { recursive: true, force: true });
  });

  async function openPage(viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-US' });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused key is logged by the browser as a failed request (401): that is the behaviour under test.
      if (message.type() === 'error' && !/status of 40[0-9]/.test(message.text())) pageErrors.push(`console: ${message.text()}`);
    });
    return page;
  }

  async function signIn(page: Page, key: string, path = '/settings'): Promise<void> {
    await page.goto(t.url + path);
    await page.getByLabel('Torii API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).waitFor();
  }

  async function goTo(page: Page, title: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: title }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  /** The whole page; with a dialog open, the window (a modal's backdrop covers the window, not the page). */
  async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }

  describe('serving', () => {
    it('should serve the page at /settings and every client-side route, public, with cache headers', async () => {
      const index = await request(t.url, 'GET', '/settings');
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('cache-control')).toBe('no-cache');
      expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(index.text).toContain('<div id="app">');

      // The link in reminder emails, and every other page, answer the same document.
      for (const path of [
        '/settings/api-access',
        '/settings/security',
        '/settings/roles',
        '/settings/members/',
        '/settings/notifications',
      ]) {
        const page = await request(t.url, 'GET', path);
        expect([path, page.status, page.text]).toEqual([path, 200, index.text]);
      }

      const asset = /src="(\/settings\/assets\/[^"]+\.js)"/.exec(index.text)![1];
      const script = await request(t.url, 'GET', asset);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await request(t.url, 'GET', '/settings/assets/missing.js')).status).toBe(404);

      const root = await fetch(`${t.url}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/settings');

      // The API around it is unchanged: still needs a key.
      expect((await request(t.url, 'GET', '/v1.0/organization')).status).toBe(401);
    });

    it('should render the OpenAPI viewer at /docs under its Content-Security-Policy, with no violation', async () => {
      const page = await openPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      const response = await page.goto(`${t.url}/docs`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(response?.headers()['x-frame-options']).toBe('DENY');
      await page.getByText('Torii SCIM backend').first().waitFor();
      await page.getByText('/v1.0/scim/v2/Users').first().waitFor();
      expect(violations).toEqual([]);
    });
  });

  describe('sign-in', () => {
    it('should sign in with a Torii API key, show the organization, and forget the key on sign-out', async () => {
      const org = await t.createOrganization('Acme Corp');
      const page = await openPage();
      await page.goto(`${t.url}/settings`);
      await expect(page.title()).resolves.toBe('Sign in · Torii Settings');

      await page.getByLabel('Torii API key').fill('torii_api_notarealkey');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not a valid Torii key/);

      await page.getByLabel('Torii API key').fill(org.apiKey.key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const banner = page.getByRole('banner');
      await banner.getByText('Acme Corp').waitFor();
      await expect(page.getByTestId('organization-id').textContent()).resolves.toBe(org.organizationId);
      expect(page.url()).toBe(`${t.url}/settings/security`);
      // Focus lands on the page's heading, not the body.
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement
            ?.textContent === 'Security',
      );

      await banner.getByRole('button', { name: 'Copy Organization ID' }).click();
      await expect(inPage<string>(page, 'navigator.clipboard.readText()')).resolves.toBe(org.organizationId);

      // The key is in sessionStorage only: a reload keeps the session, sign-out removes it.
      await expect(inPage<string>(page, 'JSON.stringify(localStorage) + document.cookie')).resolves.toBe('{}');
      await page.reload();
      await banner.getByText('Acme Corp').waitFor();
      await banner.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Settings' }).waitFor();
      await expect(inPage<number>(page, 'sessionStorage.length')).resolves.toBe(0);
      await page.getByText('You signed out').waitFor();
      // The address no longer names the page of the ended session.
      expect(page.url()).toBe(`${t.url}/settings`);
    });

    it('should open the page a reminder email links to after sign-in', async () => {
      const org = await t.createOrganization();
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/api-access');
      await page.getByRole('heading', { level: 1, name: 'API Access' }).waitFor();
      expect(page.url()).toBe(`${t.url}/settings/api-access`);
    });

    it('should send the admin back to sign-in with a clear message when the key is refused', async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      const second = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Browser' } })).body;
      const page = await openPage();
      await signIn(page, second.key);
      await page.getByRole('switch', { name: /SCIM provisioning/ }).waitFor();

      await admin.delete(`/v1.0/settings/api-keys/${second.id}`);
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Roles' }).click();
      await page.getByRole('heading', { name: 'Sign in to Settings' }).waitFor();
      await expect(page.getByText(/You were signed out because the API key was refused/).isVisible()).resolves.toBe(true);
      await screenshot(page, 'sign-in-refused-1280');
      await expect(inPage<number>(page, 'sessionStorage.length')).resolves.toBe(0);
    });
  });

  describe('Security and API Access', () => {
    it('should enable SCIM, generate a SCIM key that works, show it masked, and delete it', async () => {
      const org = await t.createOrganization('Okta Customer');
      const admin = client(t.url, org.apiKey.key);
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/api-access');
      await page.getByRole('heading', { level: 1, name: 'API Access' }).waitFor();

      // SCIM is off: the dialog says why a SCIM key cannot be generated and links to Security.
      const generate = page.getByRole('button', { name: 'Generate API Key' });
      await generate.click();
      let dialog = page.getByRole('dialog', { name: 'Generate API Key' });
      await dialog.getByLabel('Torii SCIM').check();
      await dialog.getByText('SCIM is turned off').waitFor();
      await expect(dialog.getByRole('button', { name: 'Generate key' }).isDisabled()).resolves.toBe(true);
      await screenshot(page, 'api-access-scim-off-1280', false);
      await dialog.getByRole('link', { name: 'Security' }).click();
      await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
      await expect(dialog.count()).resolves.toBe(0);

      const toggle = page.getByRole('switch', { name: /SCIM provisioning/ });
      await expect(toggle.getAttribute('aria-checked')).resolves.toBe('false');
      await toggle.click();
      await page.getByRole('switch', { name: /SCIM provisioning/, checked: true }).waitFor();
      expect((await admin.get('/v1.0/settings/security')).body).toEqual({ scimEnabled: true });

      // Generate a SCIM key expiring in 20 days (inside the reminder window).
      await goTo(page, 'API Access');
      await generate.click();
      dialog = page.getByRole('dialog', { name: 'Generate API Key' });
      await dialog.getByLabel('Torii SCIM').check();
      await dialog.getByText(/cannot be changed later/).waitFor();
      // No expiration is a choice of its own, with a strong warning.
      await dialog.getByLabel('Expiration', { exact: true }).selectOption('No expiration');
      await dialog.getByText('This key will never expire').waitFor();
      // A custom date: emptied, it is refused in words (it does not quietly mean "never"); a past date too.
      await dialog.getByLabel('Expiration', { exact: true }).selectOption('Custom date…');
      await expect(dialog.getByText('This key will never expire').count()).resolves.toBe(0);
      await dialog.getByLabel('Expiration date').fill('');
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      await dialog.getByText('Choose an expiration date, or "No expiration" if the key must never expire.').waitFor();
      await dialog.getByLabel('Expiration date').fill('2020-01-01');
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      await dialog.getByText('Choose an expiration date from tomorrow on: a key cannot expire in the past.').waitFor();
      expect((await admin.get('/v1.0/settings/api-keys')).body.apiKeys).toHaveLength(1);
      await dialog.getByLabel('Expiration date').fill(isoDay(new Date(Date.now() + 20 * DAY)));
      await dialog.getByLabel('Description').fill('Okta provisioning');
      await dialog.getByRole('button', { name: 'Generate key' }).click();

      const shown = page.getByRole('dialog', { name: 'Your new Torii SCIM key' });
      await shown.getByText('only time the full key is shown').waitFor();
      const displayed = await shown.getByRole('textbox', { name: 'Torii SCIM key' }).inputValue();
      await shown.getByRole('button', { name: 'Copy the Torii SCIM key' }).click();
      await shown.getByRole('button', { name: 'Copy the Torii SCIM key' }).getByText('Copied').waitFor();
      const copied = await inPage<string>(page, 'navigator.clipboard.readText()');
      expect(copied).toBe(displayed);
      expect(copied).toMatch(/^torii_scim_/);
      await screenshot(page, 'api-access-new-key-1280', false);

      // The copied text is a working SCIM key.
      const scim = await request(t.url, 'GET', '/v1.0/scim/v2/Users', { key: copied });
      expect(scim.status).toBe(200);

      // Escape does not lose the key: it asks first, and the key can be shown again.
      await page.keyboard.press('Escape');
      await shown.getByText('Have you copied the key?').waitFor();
      await shown.getByRole('button', { name: 'Show the key again' }).click();
      await expect(shown.getByRole('textbox', { name: 'Torii SCIM key' }).inputValue()).resolves.toBe(displayed);

      // After "Got it" the full key is gone from the page: only the masked key is listed.
      await shown.getByRole('button', { name: 'Got it' }).click();
      await expect(shown.count()).resolves.toBe(0);
      const masked = `torii_scim_…${copied.slice(-4)}`;
      const row = page.getByRole('row').filter({ hasText: 'Okta provisioning' });
      await row.getByText(masked).waitFor();
      await expect(row.getByRole('cell').allTextContents()).resolves.toEqual([
        `Torii SCIM${masked}`,
        'Okta provisioning',
        expect.any(String),
        expect.stringMatching(/Expires in 20 days$/),
        'Never',
        'Active',
        'RotateEditDelete',
      ]);
      await expect(row.locator('.expires-warning').count()).resolves.toBe(1);
      expect(await page.content()).not.toContain(copied);

      // The description can be edited (the expiration cannot).
      await row.getByRole('button', { name: `Edit the description of ${masked}` }).click();
      const describe = page.getByRole('dialog', { name: `Describe ${masked}` });
      await describe.getByLabel('Description').fill('Okta provisioning (prod)');
      await describe.getByRole('button', { name: 'Save' }).click();
      await page.getByText(`The description of ${masked} was saved.`).waitFor();
      await page.getByRole('row').filter({ hasText: 'Okta provisioning (prod)' }).waitFor();

      // Delete: the confirmation says what stops, and the SCIM API refuses the key from then on.
      await row.getByRole('button', { name: `Delete Torii SCIM key ${masked}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this key?' });
      await confirm.getByText(/Systems using this key stop working at once/).waitFor();
      await confirm.getByRole('button', { name: 'Delete key' }).click();
      await page.getByText(`The Torii SCIM key ${masked} was deleted.`).waitFor();
      await expect(page.getByRole('row').filter({ hasText: 'Okta provisioning' }).count()).resolves.toBe(0);
      expect((await request(t.url, 'GET', '/v1.0/scim/v2/Users', { key: copied })).status).toBe(401);
    });

    it('should keep dialogs keyboard-operable: focus stays inside, Escape closes, focus returns', async () => {
      const org = await t.createOrganization();
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/api-access');
      const generate = page.getByRole('button', { name: 'Generate API Key' });
      await generate.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Generate API Key' });
      await dialog.waitFor();
      for (let i = 0; i < 12; i += 1) {
        await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
        await expect(inPage<boolean>(page, "!!document.activeElement?.closest('dialog')")).resolves.toBe(true);
      }
      await page.keyboard.press('Escape');
      await expect(dialog.count()).resolves.toBe(0);
      await expect(inPage<string>(page, 'document.activeElement?.textContent?.trim()')).resolves.toBe('Generate API Key');

      // Focus is visible: the focused button draws an outline.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Shift+Tab');
      const outline = await inPage<string>(page, 'getComputedStyle(document.activeElement).outlineStyle');
      expect(outline).toBe('solid');
    });
    it('should propose a 90-day expiry, make "never" a choice of its own, and show a long paste over the limit instead of cutting it', async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/api-access');
      await page.getByRole('button', { name: 'Generate API Key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Generate API Key' });
      // A form dialog starts on its first field (the chosen type), not on ✕.
      await expect(inPage<string>(page, 'document.activeElement.type + " " + document.activeElement.checked')).resolves.toBe(
        'radio true',
      );
      await dialog.getByLabel('Torii API').check();

      // 90 days unless the admin chooses otherwise, with the day it stops working.
      const expiration = dialog.getByLabel('Expiration', { exact: true });
      await expect(expiration.inputValue()).resolves.toBe('90');
      await expect(expiration.locator('option:checked').textContent()).resolves.toBe('90 days (recommended)');
      const in90 = new Date(`${isoDay(new Date(Date.now() + 90 * DAY))}T00:00:00Z`);
      await dialog.getByText(`The key stops working on ${formatDay(in90)} at 00:00 UTC.`).waitFor();

      // A 5,000-character paste is kept whole: the counter says by how much it is over, and nothing is sent.
      const description = dialog.getByLabel('Description');
      await description.fill('x'.repeat(5000));
      await expect(description.inputValue()).resolves.toHaveLength(5000);
      await dialog.getByText('4,745 characters too many: at most 255.').waitFor();
      await expect(description.getAttribute('aria-invalid')).resolves.toBe('true');
      await screenshot(page, 'api-access-description-too-long-1280', false);
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      await dialog.getByText('Shorten the description to at most 255 characters.').waitFor();
      expect((await admin.get('/v1.0/settings/api-keys')).body.apiKeys).toHaveLength(1);
      await description.fill('Terraform');
      await dialog.getByText('9 of 255 characters').waitFor();
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new Torii API key' });
      const terraform = await shown.getByRole('textbox', { name: 'Torii API key' }).inputValue();
      await shown.getByRole('button', { name: 'Got it' }).click();

      // "No expiration" only when chosen, with the warning.
      await page.getByRole('button', { name: 'Generate API Key' }).click();
      await dialog.getByLabel('Torii API').check();
      await dialog.getByLabel('Expiration', { exact: true }).selectOption('No expiration');
      await dialog.getByText('This key will never expire').waitFor();
      await screenshot(page, 'api-access-never-expires-1280', false);
      await dialog.getByLabel('Description').fill('Break-glass');
      await dialog.getByRole('button', { name: 'Generate key' }).click();
      await page.getByRole('dialog', { name: 'Your new Torii API key' }).getByRole('button', { name: 'Got it' }).click();

      const keys = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys as {
        description: string;
        expiresAt: string | null;
        maskedKey: string;
      }[];
      expect(keys.find((k) => k.description === 'Terraform')).toMatchObject({
        expiresAt: in90.toISOString(),
        maskedKey: `torii_api_…${terraform.slice(-4)}`,
      });
      expect(keys.find((k) => k.description === 'Break-glass')?.expiresAt).toBeNull();
      await page.getByRole('row').filter({ hasText: 'Break-glass' }).getByText('Never').first().waitFor();

      // The description dialog: its field first, the same counter.
      await page
        .getByRole('button', { name: /^Edit the description of torii_api_/ })
        .first()
        .click();
      const describe = page.getByRole('dialog', { name: /^Describe / });
      await expect(inPage<string>(page, 'document.activeElement.id')).resolves.toBe('describe-key');
      await describe.getByLabel('Description').fill('y'.repeat(300));
      await describe.getByText('45 characters too many: at most 255.').waitFor();
      await describe.getByRole('button', { name: 'Save' }).click();
      await describe.getByText('Shorten the description to at most 255 characters.').waitFor();
    });
  });

  describe('Key rotation', () => {
    it("should rotate from the reminder email's link, show the switch live, and offer to delete the old key", async () => {
      const org = await t.createOrganization('Rotation Inc');
      const admin = client(t.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const old = (
        await admin.post('/v1.0/settings/api-keys', {
          body: { type: 'scim', description: 'Okta', expiresAt: isoDay(new Date(Date.now() + 20 * DAY)) },
        })
      ).body;
      const page = await openPage();
      // The reminder email links straight to the key's rotation.
      await signIn(page, org.apiKey.key, `/settings/api-access?rotate=${old.id}`);
      const ask = page.getByRole('dialog', { name: `Rotate ${old.maskedKey}?` });
      // The successor's expiry: the same lifetime as the old key by default; here 30 days, chosen.
      await expect(ask.getByLabel('Expiration', { exact: true }).locator('option:checked').textContent()).resolves.toMatch(
        /^\d+ days \(as this key\)$/,
      );
      await ask.getByLabel('Expiration', { exact: true }).selectOption('30 days');
      await screenshot(page, 'api-access-rotate-1280', false);
      await ask.getByRole('button', { name: 'Generate its successor' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new Torii SCIM key' });
      const successor = await shown.getByRole('textbox', { name: 'Torii SCIM key' }).inputValue();
      await shown.getByText(`replace ${old.maskedKey} with it`).waitFor();
      await shown.getByRole('button', { name: 'Got it' }).click();

      const status = page.locator(`[data-rotation="torii_scim_…${successor.slice(-4)}"]`);
      await status.getByText('waiting for its first use.').waitFor();
      // The identity provider switches: the new key's first use shows, and the old key can go.
      expect((await request(t.url, 'GET', '/v1.0/scim/v2/Users', { key: successor })).status).toBe(200);
      await page.reload();
      await status.getByText(/first used .*; this key last used never\./).waitFor();
      await status.getByRole('button', { name: 'Not used since the switch: delete it' }).click();
      await page.getByRole('dialog', { name: 'Delete this key?' }).getByRole('button', { name: 'Delete key' }).click();
      await page.getByText(`The Torii SCIM key ${old.maskedKey} was deleted.`).waitFor();
      const keys = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys as {
        id: string;
        maskedKey: string;
        expiresAt: string;
      }[];
      expect(keys.map((k) => k.id)).not.toContain(old.id);
      expect(keys.find((k) => k.maskedKey === `torii_scim_…${successor.slice(-4)}`)?.expiresAt).toBe(
        `${isoDay(new Date(Date.now() + 30 * DAY))}T00:00:00.000Z`,
      );
    });

    it("should give a never-expiring key's successor an expiry of 90 days unless told otherwise", async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      const old = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Legacy' } })).body;
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/api-access');
      await page.getByRole('button', { name: `Rotate ${old.maskedKey}` }).click();
      const ask = page.getByRole('dialog', { name: `Rotate ${old.maskedKey}?` });
      await ask
        .getByText('This key never expires; its successor gets an expiration unless you choose "No expiration".')
        .waitFor();
      await expect(ask.getByLabel('Expiration', { exact: true }).inputValue()).resolves.toBe('90');
      await ask.getByRole('button', { name: 'Generate its successor' }).click();
      const successor = await page.getByRole('dialog', { name: 'Your new Torii API key' }).getByRole('textbox').inputValue();
      const keys = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys as { maskedKey: string; expiresAt: string | null }[];
      expect(keys.find((k) => k.maskedKey === `torii_api_…${successor.slice(-4)}`)?.expiresAt).toBe(
        `${isoDay(new Date(Date.now() + 90 * DAY))}T00:00:00.000Z`,
      );
    });
  });

  describe('Roles', () => {
    it('should create, rename and delete a custom role, with the API refusals in words', async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/roles');
      await page.getByRole('row').filter({ hasText: 'Procurement' }).waitFor();

      await page.getByRole('button', { name: 'Create role' }).click();
      let dialog = page.getByRole('dialog', { name: 'Create a custom role' });
      await dialog.getByLabel('Name').fill('Finance');
      await dialog.getByLabel('Description').fill('Approves renewals');
      await dialog.getByRole('button', { name: 'Create role' }).click();
      await page.getByText('The role "Finance" was created.').waitFor();
      const finance = page.getByRole('row').filter({ hasText: 'Finance' });
      await expect(finance.getByRole('cell').allTextContents()).resolves.toEqual([
        'Finance Custom',
        'Approves renewals',
        '0',
        'RenameDelete',
      ]);

      // A name taken by a pre-defined role, case-insensitively: the API's sentence, in the dialog.
      await page.getByRole('button', { name: 'Create role' }).click();
      dialog = page.getByRole('dialog', { name: 'Create a custom role' });
      await dialog.getByLabel('Name').fill('admin');
      await dialog.getByRole('button', { name: 'Create role' }).click();
      await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/A role named "admin" already exists/);
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      // A role with users cannot be deleted: said in words; then rename it, move the user, delete it.
      const user = await insertUser(t.dataSource, org.organizationId, 'fin@acme.test', { role: 'Finance' });
      await page.reload();
      await page.getByRole('button', { name: 'Delete role Finance' }).click();
      let confirm = page.getByRole('dialog', { name: 'Delete role "Finance"?' });
      await confirm.getByText(/still has this role/).waitFor();
      await expect(confirm.getByRole('button', { name: 'Delete role' }).isDisabled()).resolves.toBe(true);
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      // The user count leads to the users with the role.
      await page.getByRole('link', { name: '1 user with the role Finance' }).click();
      await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
      await page.getByRole('row').filter({ hasText: 'fin@acme.test' }).waitFor();
      await goTo(page, 'Roles');

      await page.getByRole('button', { name: 'Rename role Finance' }).click();
      dialog = page.getByRole('dialog', { name: 'Rename role "Finance"' });
      await dialog.getByLabel('Name').fill('Finance Team');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The role was renamed to "Finance Team".').waitFor();

      expect((await admin.patch(`/v1.0/users/${user.id}`, { body: { role: 'Employee' } })).status).toBe(200);
      const role = (await admin.get('/v1.0/settings/roles')).body.roles.find((r: { name: string }) => r.name === 'Finance Team');
      await page.reload();
      await page.getByRole('button', { name: 'Delete role Finance Team' }).click();
      confirm = page.getByRole('dialog', { name: 'Delete role "Finance Team"?' });
      await confirm.getByRole('button', { name: 'Delete role' }).click();
      await page.getByText('The role "Finance Team" was deleted.').waitFor();
      await expect(page.getByRole('row').filter({ hasText: 'Finance Team' }).count()).resolves.toBe(0);
      expect((await admin.get('/v1.0/settings/roles')).body.roles.some((r: { id: string }) => r.id === role.id)).toBe(false);
    });
  });

  describe('Roles: limits and renames', () => {
    it('should show a name over 64 characters instead of cutting it, and warn that a rename refuses the old userType', async () => {
      const org = await t.createOrganization();
      const admin = client(t.url, org.apiKey.key);
      await admin.post('/v1.0/settings/roles', { body: { name: 'Finance' } });
      await insertUser(t.dataSource, org.organizationId, 'fin@rename.test', { role: 'Finance' });
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/roles');

      await page.getByRole('button', { name: 'Create role' }).click();
      const create = page.getByRole('dialog', { name: 'Create a custom role' });
      await expect(inPage<string>(page, 'document.activeElement.id')).resolves.toBe('role-name');
      await create.getByLabel('Name').fill('R'.repeat(5000));
      await expect(create.getByLabel('Name').inputValue()).resolves.toHaveLength(5000);
      await create.getByText('4,936 characters too many: at most 64.').waitFor();
      await create.getByRole('button', { name: 'Create role' }).click();
      await create.getByText('Shorten the name to at most 64 characters.').waitFor();
      await screenshot(page, 'roles-name-too-long-1280', false);
      await create.getByRole('button', { name: 'Cancel' }).click();
      expect((await admin.get('/v1.0/settings/roles')).body.roles).toHaveLength(6);

      await page.getByRole('button', { name: 'Rename role Finance' }).click();
      const rename = page.getByRole('dialog', { name: 'Rename role "Finance"' });
      // A change of case only: the identity provider's value still matches, nothing to warn about.
      await rename.getByLabel('Name').fill('FINANCE');
      await expect(rename.getByText('will be refused').count()).resolves.toBe(0);
      await rename.getByLabel('Name').fill('Finance Team');
      const warning = rename.getByRole('status').filter({ hasText: 'Identity providers that send "Finance" will be refused' });
      await warning.getByText(/userType.* is "Finance" is refused/).waitFor();
      await warning
        .getByText(/to "Finance Team" at the same time\. The 1 user with this role keeps it under its new name\./)
        .waitFor();
      await screenshot(page, 'roles-rename-warning-1280', false);
      await rename.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The role was renamed to "Finance Team".').waitFor();
    });
  });

  describe('Members', () => {
    it("should change a member's role and show the last-Admin refusal in words", async () => {
      const org = await t.createOrganization('Members Inc', 'owner@members.test');
      const admin = client(t.url, org.apiKey.key);
      const buyer = await insertUser(t.dataSource, org.organizationId, 'buyer@members.test', { role: 'Procurement' });
      const worker = await insertUser(t.dataSource, org.organizationId, 'worker@members.test');
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/members');

      // Members: the non-Employee users.
      await page.getByRole('row').filter({ hasText: 'buyer@members.test' }).waitFor();
      await expect(page.getByRole('row').filter({ hasText: 'worker@members.test' }).count()).resolves.toBe(0);

      // A role change asks first, and nothing changes on Cancel.
      await page.getByLabel('Role of buyer@members.test').selectOption('IT Admin');
      const confirm = page.getByRole('dialog', { name: 'Make buyer@members.test IT Admin?' });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      expect((await admin.get(`/v1.0/users/${buyer.id}`)).body.role).toBe('Procurement');
      await expect(page.getByLabel('Role of buyer@members.test').inputValue()).resolves.toBe('Procurement');
      await page.getByLabel('Role of buyer@members.test').selectOption('IT Admin');
      await confirm.getByRole('button', { name: 'Change role' }).click();
      await page.getByText('buyer@members.test is now IT Admin.').waitFor();
      expect((await admin.get(`/v1.0/users/${buyer.id}`)).body.role).toBe('IT Admin');

      // The last active Admin: the page says up front that its role and state cannot change, and offers neither.
      const ownerRow = page.getByRole('row').filter({ hasText: 'owner@members.test' });
      await ownerRow
        .getByText('The only active Admin: make another user an Admin before changing this role or deactivating them.')
        .waitFor();
      await expect(page.getByLabel('Role of owner@members.test').isDisabled()).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Deactivate owner@members.test' }).isDisabled()).resolves.toBe(true);
      await screenshot(page, 'members-last-admin-1280');

      // A second Admin: both can change again; back to one, the page knows at once.
      await page.getByLabel('Role of buyer@members.test').selectOption('Admin');
      await page
        .getByRole('dialog', { name: 'Make buyer@members.test Admin?' })
        .getByRole('button', { name: 'Change role' })
        .click();
      await page.getByText('buyer@members.test is now Admin.').waitFor();
      await expect(page.getByLabel('Role of owner@members.test').isEnabled()).resolves.toBe(true);
      await expect(page.locator('[data-last-admin]').count()).resolves.toBe(0);

      // The page can be out of date (another admin changed something): the server still refuses, in words.
      expect((await admin.patch(`/v1.0/users/${buyer.id}`, { body: { role: 'IT Admin' } })).status).toBe(200);
      await page.getByLabel('Role of owner@members.test').selectOption('Employee');
      await page
        .getByRole('dialog', { name: 'Make owner@members.test Employee?' })
        .getByRole('button', { name: 'Change role' })
        .click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(
        /Could not change the role of owner@members\.test.*last active Admin/,
      );
      await expect(page.getByLabel('Role of owner@members.test').inputValue()).resolves.toBe('Admin');
      await page.locator('[data-last-admin]').waitFor();
      expect((await admin.get(`/v1.0/users/${org.adminUserId}`)).body).toMatchObject({ role: 'Admin', active: true });

      // All users: deactivate and reactivate an Employee.
      await page.getByRole('button', { name: 'All users' }).click();
      const row = page.getByRole('row').filter({ hasText: 'worker@members.test' });
      await row.getByRole('button', { name: 'Deactivate worker@members.test' }).click();
      await page
        .getByRole('dialog', { name: 'Deactivate worker@members.test?' })
        .getByRole('button', { name: 'Deactivate' })
        .click();
      await page.getByText('worker@members.test was deactivated.').waitFor();
      await row.getByText('Inactive').waitFor();
      expect((await admin.get(`/v1.0/users/${worker.id}`)).body.active).toBe(false);
      await row.getByRole('button', { name: 'Reactivate worker@members.test' }).click();
      await page.getByText('worker@members.test was reactivated.').waitFor();
      expect((await admin.get(`/v1.0/users/${worker.id}`)).body.active).toBe(true);

      // Search and filters: by part of the email, by role (also from the address, as the Roles page links).
      await page.getByLabel('Search').fill('WORK');
      await page.getByLabel('Search').press('Enter');
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll(
            'tbody tr',
          ).length === 1,
      );
      await page.getByRole('row').filter({ hasText: 'worker@members.test' }).waitFor();
      await page.goto(`${t.url}/settings/members?role=IT%20Admin`);
      await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
      await page.getByRole('row').filter({ hasText: 'buyer@members.test' }).waitFor();
      await expect(page.getByRole('row').filter({ hasText: 'worker@members.test' }).count()).resolves.toBe(0);
      // The filter shows the role once the organization's roles (its options) have loaded.
      await page.getByLabel('Role', { exact: true }).locator('option', { hasText: 'IT Admin' }).waitFor({ state: 'attached' });
      await expect(page.getByLabel('Role', { exact: true }).inputValue()).resolves.toBe('IT Admin');
    });
  });

  describe('Groups', () => {
    it("should map a pushed group to a role, show where members' roles come from, and give the role back", async () => {
      const org = await t.createOrganization('Groups Inc', 'owner@groups-ui.test');
      const admin = client(t.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const scimKey = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } })).body.key;
      const scim = client(`${t.url}/v1.0/scim/v2`, scimKey);
      const ana = (await scim.post('/Users', { body: { userName: 'ana@groups-ui.test', displayName: 'Ana Silva' } })).body.id;
      const ben = (await scim.post('/Users', { body: { userName: 'ben@groups-ui.test', userType: 'Read-only' } })).body.id;
      const group = (await scim.post('/Groups', { body: { displayName: 'IT Team', members: [{ value: ana }, { value: ben }] } }))
        .body.id;
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/groups');

      const row = page.getByRole('row').filter({ hasText: 'IT Team' });
      await row.getByText('Their own').waitFor();
      await row.getByRole('button', { name: 'Show the 2 members of IT Team' }).click();
      const members = page.getByRole('dialog', { name: 'Members of "IT Team"' });
      await members.getByText('ana@groups-ui.test').waitFor();
      await members.getByText('ben@groups-ui.test').waitFor();
      await members.getByRole('button', { name: 'Done' }).click();

      await row.getByRole('button', { name: 'Map to a role: IT Team' }).click();
      const dialog = page.getByRole('dialog', { name: 'Map "IT Team" to a role' });
      await dialog.getByLabel('Role of its members').selectOption('IT Admin');
      await dialog.getByRole('button', { name: 'Map to role' }).click();
      await page.getByText('Members of "IT Team" now have the role IT Admin.').waitFor();
      await page.getByRole('row').filter({ hasText: 'IT Team' }).first().waitFor();
      expect((await scim.get(`/Users/${ben}`)).body.userType).toBe('IT Admin');
      await screenshot(page, 'groups-mapped-1280');

      // Members: the role and the group it comes from, with no role picker.
      await goTo(page, 'Members');
      const benRow = page.getByRole('row').filter({ hasText: 'ben@groups-ui.test' });
      await benRow.getByText('From the group').waitFor();
      await expect(benRow.getByText('IT Team').count()).resolves.toBe(1);
      await expect(page.getByLabel('Role of ben@groups-ui.test').count()).resolves.toBe(0);

      // Deleting the mapping gives the own role back.
      await goTo(page, 'Groups');
      await page.getByRole('button', { name: 'Delete the mapping of IT Team' }).click();
      await page
        .getByRole('dialog', { name: 'Stop giving IT Admin to "IT Team"?' })
        .getByRole('button', { name: 'Delete mapping' })
        .click();
      await page.getByText('"IT Team" no longer gives a role; its members have their own role back.').waitFor();
      expect((await scim.get(`/Users/${ben}`)).body.userType).toBe('Read-only');
      expect((await admin.get('/v1.0/settings/role-mappings')).body.roleMappings).toEqual([]);
      expect(group).toBeDefined();
    });
  });

  describe('Audit log and connection', () => {
    it('should show what the identity provider did and why a request was refused, and the live connection', async () => {
      const org = await t.createOrganization('Audit UI', 'owner@audit-ui.test');
      const admin = client(t.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const scimKey = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta' } })).body.key;
      const scim = client(`${t.url}/v1.0/scim/v2`, scimKey);
      const ana = (
        await scim.post('/Users', { body: { userName: 'ana@audit-ui.test', displayName: 'Ana Silva', title: 'Engineer' } })
      ).body.id;
      await scim.patch(`/Users/${ana}`, {
        body: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: 'Lead' }],
        },
      });
      await scim.post('/Users', { body: { userName: 'not-an-email' } });
      // The refusal is recorded just after its response went out.
      for (let tries = 0; tries < 40; tries++) {
        if ((await admin.get('/v1.0/audit-log?outcome=failure&size=1')).body.events.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/security');

      // The connection card: live status and the key's counts and last refusal.
      const card = page.locator('[data-health]');
      await card.getByText('Healthy').waitFor();
      await card.getByText('3 SCIM requests in the last 24 hours, 1 failed.').waitFor();
      await card.getByText(/400: userName must be/).waitFor();

      // The audit log: newest first, the refusal highlighted with its sentence.
      await card.getByRole('link', { name: 'See the refused requests' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
      const refused = page.locator('tr[data-action="scim.request-failed"]');
      await refused.getByText(/400 invalidValue: userName must be/).waitFor();
      await expect(page.locator('tr[data-action="user.created"]').count()).resolves.toBe(0);
      await screenshot(page, 'audit-log-failures-1280');

      // Everything, then one user's history from the Members page's link.
      await page.getByLabel('Refused SCIM requests only').uncheck();
      await page.locator('tr[data-action="user.updated"]').getByText('title: "Engineer" → "Lead"').waitFor();
      await goTo(page, 'Members');
      await page.getByRole('button', { name: 'All users' }).click();
      await page.getByRole('link', { name: 'History of ana@audit-ui.test' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
      // Titled with the person, not "user 6".
      await page.getByRole('heading', { name: 'History of Ana Silva' }).waitFor();
      await page.locator('.history-title').getByText('ana@audit-ui.test').waitFor();
      expect(page.url()).toBe(`${t.url}/settings/audit-log?targetType=user&targetId=${ana}`);
      await page.locator('tr[data-action="user.created"]').waitFor();
      await expect(page.locator('tr[data-action="security.scim-enabled"]').count()).resolves.toBe(0);
      await screenshot(page, 'audit-log-history-1280');
      // A deleted user's history keeps the name its events give it.
      expect((await scim.delete(`/Users/${ana}`)).status).toBe(204);
      await page.reload();
      await page.getByRole('heading', { name: 'History of ana@audit-ui.test' }).waitFor();
      await page.getByRole('button', { name: 'Show everything' }).click();
      await page.locator('tr[data-action="security.scim-enabled"]').waitFor();
      await expect(page.locator('.history-title').count()).resolves.toBe(0);
    });

    it('should export what the filters show, credit the first start, hint at a backwards range, and keep rows compact', async () => {
      // The first start creates its organization as an operator's first `npm start` does.
      const first = await t.app.get(OnboardingService).bootstrapOnce('First Start Inc', 'owner@first-start.test');
      const admin = client(t.url, first!.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const scimKey = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta' } })).body.key;
      const scim = client(`${t.url}/v1.0/scim/v2`, scimKey);
      // 60 users pushed as Okta pushes them: a dozen attributes each, a change each in the log.
      for (let i = 0; i < 60; i += 1) {
        const created = await scim.post('/Users', { body: oktaCreateBody(`user${String(i).padStart(2, '0')}@first-start.test`) });
        expect(created.status).toBe(201);
      }
      const page = await openPage();
      await signIn(page, first!.apiKey.key, '/settings/audit-log?action=user.created');

      // The first start's events are the first start's, not a scheduled job's.
      const bootstrap = page.locator('tr[data-action="user.created"]').filter({ hasText: 'owner@first-start.test' });
      await page.getByRole('button', { name: 'Load more' }).click();
      await bootstrap.getByText('Torii (first start)').waitFor();
      await expect(page.getByText('Torii (scheduled job)').count()).resolves.toBe(0);

      // A page of events stays compact at 1280 px: the changes sit side by side, three, then "and N more".
      const rows = page.locator('tr[data-action="user.created"]');
      await expect(rows.count()).resolves.toBe(61);
      const height = await inPage<number>(page, "document.querySelector('.table-audit').getBoundingClientRect().height");
      expect(height / 61).toBeLessThan(90);
      const okta = rows.filter({ hasText: 'user59@first-start.test' });
      const { changes } = (await admin.get('/v1.0/audit-log?action=user.created&size=1')).body.events[0];
      expect(changes.length).toBeGreaterThan(3);
      await expect(okta.locator('.change').count()).resolves.toBe(3);
      await okta.getByRole('button', { name: `and ${changes.length - 3} more` }).click();
      await expect(okta.locator('.change').count()).resolves.toBe(changes.length);
      await okta.getByRole('button', { name: 'Show fewer' }).waitFor();
      await screenshot(page, 'audit-log-compact-1280');

      // Export: the events the filters match, as a file, in the format chosen.
      await page.getByRole('button', { name: 'Export' }).click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^CSV/ }).click()]);
      expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\r\n');
      expect(csv[0]).toMatch(/^id,occurredAt,action,/);
      expect(csv).toHaveLength(62);
      expect(csv.slice(1).every((line) => line.includes(',user.created,'))).toBe(true);
      expect(csv[61]).toContain(',system,,,First start,user,');
      await page.getByRole('button', { name: 'Export' }).click();
      const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^NDJSON/ }).click()]);
      const lines = readFileSync((await ndjson.path())!, 'utf8')
        .trim()
        .split('\n');
      expect(lines).toHaveLength(61);
      expect(JSON.parse(lines[60]).actor).toEqual({ type: 'system', description: 'First start' });

      // A backwards range: said, with the fix one click away.
      await page.getByLabel('From').fill('2026-03-10');
      await page.getByLabel('Before').fill('2026-03-01');
      const hint = page.getByRole('status').filter({ hasText: 'No event can match these dates' });
      await hint.getByText('“From” (Mar 10, 2026) is after “Before” (Mar 1, 2026).').waitFor();
      await screenshot(page, 'audit-log-backwards-1280');
      await hint.getByRole('button', { name: 'Swap the dates' }).click();
      await expect(page.getByLabel('From').inputValue()).resolves.toBe('2026-03-01');
      await expect(page.getByLabel('Before').inputValue()).resolves.toBe('2026-03-10');
      await expect(hint.count()).resolves.toBe(0);
      expect(new URL(page.url()).searchParams.get('since')).toBe('2026-03-01');
      // The same day twice is an empty range too ("Before" excludes its day).
      await page.getByLabel('Before').fill('2026-03-01');
      await page.getByRole('button', { name: 'Show that day' }).click();
      await expect(page.getByLabel('Before').inputValue()).resolves.toBe('2026-03-02');
    });
  });

  describe('screenshots', () => {
    let org: OnboardedOrganization;

    beforeAll(async () => {
      // An organization that looks lived-in: SCIM on, keys (one inside the reminder window), roles, users, reminders.
      org = await t.createOrganization('Northwind Traders', 'it-admin@northwind.test');
      const admin = client(t.url, org.apiKey.key);
      await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
      const soon = isoDay(new Date(Date.now() + 12 * DAY));
      const later = isoDay(new Date(Date.now() + 200 * DAY));
      const okta = await admin.post('/v1.0/settings/api-keys', {
        body: { type: 'scim', description: 'Okta provisioning', expiresAt: soon },
      });
      await admin.post('/v1.0/settings/api-keys', {
        body: { type: 'scim', description: 'Okta provisioning (rotated)', expiresAt: later },
      });
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'Terraform automation' } });
      await admin.post('/v1.0/settings/roles', { body: { name: 'Finance', description: 'Reviews spend and renewals' } });
      const people: [string, string][] = [
        ['ana.silva@northwind.test', 'IT Admin'],
        ['ben.okafor@northwind.test', 'Procurement'],
        ['chloe.martin@northwind.test', 'Finance'],
        ['dev.patel@northwind.test', 'Read-only'],
        ['emma.jones@northwind.test', 'Employee'],
        ['farid.haddad@northwind.test', 'Employee'],
      ];
      const ids: string[] = [];
      for (const [email, role] of people)
        ids.push(String((await insertUser(t.dataSource, org.organizationId, email, { role })).id));
      await insertUser(t.dataSource, org.organizationId, 'gina.rossi@northwind.test', { active: false });
      // Groups pushed by Okta, two of them mapped to roles.
      const scim = client(`${t.url}/v1.0/scim/v2`, okta.body.key);
      const pushed = async (displayName: string, members: string[]) =>
        (await scim.post('/Groups', { body: { displayName, members: members.map((value) => ({ value })) } })).body.id;
      const itTeam = await pushed('IT Team', [ids[0], ids[3]]);
      const finance = await pushed('Finance Team', [ids[2]]);
      await pushed('All Staff', ids);
      await admin.post('/v1.0/settings/role-mappings', { body: { groupId: itTeam, role: 'IT Admin' } });
      await admin.post('/v1.0/settings/role-mappings', { body: { groupId: finance, role: 'Finance' } });
      await t.app.get(RemindersService).run();
    });

    it('should list the reminders to come, with when the job runs next', async () => {
      const page = await openPage();
      await signIn(page, org.apiKey.key, '/settings/notifications');
      const upcoming = page.getByRole('region', { name: /Upcoming/ });
      // The key expiring in 200 days: its one-month reminder is to come; the one in 12 days was sent (history).
      const row = upcoming.getByRole('row').filter({ hasText: 'Okta provisioning (rotated)' });
      await row.getByText('1 month before').waitFor();
      await expect(
        upcoming
          .getByRole('row')
          .filter({ hasText: /^Torii SCIM.*Okta provisioning$/ })
          .count(),
      ).resolves.toBe(0);
      // The tests' server does not run the job itself; a production one says when it runs next.
      await upcoming.getByText(/does not run the reminder job itself \(SCHEDULER_ENABLED=false\)/).waitFor();
    });

    it.each([
      ['1280', DESKTOP],
      ['390', NARROW],
    ])('should save a screenshot of every page at %spx', async (name, viewport) => {
      const page = await openPage(viewport);
      await page.goto(`${t.url}/settings`);
      await page.getByLabel('Torii API key').waitFor();
      await screenshot(page, `sign-in-${name}`);
      await signIn(page, org.apiKey.key);
      for (const [slug, title] of [
        ['organization', 'Organization'],
        ['security', 'Security'],
        ['api-access', 'API Access'],
        ['roles', 'Roles'],
        ['members', 'Members'],
        ['groups', 'Groups'],
        ['notifications', 'Notifications'],
        ['audit-log', 'Audit log'],
      ]) {
        await goTo(page, title);
        // Every part of the page loaded (the Groups page has two).
        await page.waitForFunction(
          () =>
            !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.loading'),
        );
        await screenshot(page, `${slug}-${name}`);
      }
      await goTo(page, 'Members');
      await page.getByRole('button', { name: 'All users' }).click();
      await page.getByRole('row').filter({ hasText: 'gina.rossi' }).waitFor();
      await screenshot(page, `members-all-users-${name}`);
      await goTo(page, 'API Access');
      await page.getByRole('button', { name: 'Generate API Key' }).click();
      await page.getByRole('dialog', { name: 'Generate API Key' }).waitFor();
      await screenshot(page, `api-access-generate-${name}`, false);
      // The notifications page lists the reminder the job wrote for the key expiring in 12 days: to the outbox
      // folder (this server has no SMTP_URL), not "Sent".
      await page.keyboard.press('Escape');
      await goTo(page, 'Notifications');
      const reminder = page.getByRole('row').filter({ hasText: 'Okta provisioning' });
      await reminder.getByText('Written to the outbox folder — no SMTP configured').waitFor();
      await expect(reminder.getByText('Sent', { exact: true }).count()).resolves.toBe(0);
    });
  });
});
