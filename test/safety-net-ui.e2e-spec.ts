import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { settingsUiRoot } from '../apps/server/src/settings-ui/settings-ui.routes';
import { PATCH_OP, scimOrganization, ScimOrganization, userBody } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The deprovisioning safety net in the settings UI (apps/web), in Debian's Chromium against the real server:
 * the banner while an incident is open, the incident page (undo, dismiss), and Members › Deleted users (restore),
 * at 1280 and 390 px. Screenshots go to test-artifacts/screenshots, like test/settings-ui.e2e-spec.ts's.
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
const VIEWPORTS: [string, { width: number; height: number }][] = [
  ['1280', DESKTOP],
  ['390', NARROW],
];
const MINUTE = 60_000;

/** Evaluates an expression in the page (a string: this file is typechecked without the DOM library). */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

describe('Deprovisioning safety net in the settings UI', () => {
  let t: TestApp;
  let browser: Browser;
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
    t = await startTestApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterEach(() => {
    t.clock.reset();
    // Any uncaught error or failed script in the page fails the test that caused it.
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await t?.close();
  });

  async function openPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-US' });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused request (the 409 of a restore whose userName is taken) is logged by the browser: that is under test.
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

  /** The whole page once every part of it loaded; with a dialog open, the window. */
  async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
    await page.waitForLoadState('networkidle');
    await page.waitForFunction(
      () => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.loading'),
    );
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }

  /** Nothing wider than the window: a phone never scrolls sideways. */
  async function expectNoHorizontalOverflow(page: Page): Promise<void> {
    const [scrollWidth, width] = await inPage<[number, number]>(
      page,
      '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
    );
    expect(scrollWidth).toBeLessThanOrEqual(width);
  }

  async function provision(s: ScimOrganization, domain: string, count: number): Promise<{ id: string; userName: string }[]> {
    const users: { id: string; userName: string }[] = [];
    for (let i = 1; i <= count; i += 1) {
      const userName = `user${String(i).padStart(2, '0')}@${domain}`;
      const created = await s.scim.post('/Users', {
        body: userBody(userName, { displayName: `User ${i}`, emails: [{ value: userName, primary: true }] }),
      });
      if (created.status !== 201) throw new Error(`creating ${userName} failed: ${created.text}`);
      users.push({ id: created.body.id, userName });
    }
    return users;
  }

  async function deactivate(s: ScimOrganization, id: string): Promise<void> {
    const response = await s.scim.patch(`/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
    if (response.status !== 200) throw new Error(`deactivating ${id} failed: ${response.text}`);
  }

  async function remove(s: ScimOrganization, id: string): Promise<void> {
    const response = await s.scim.delete(`/Users/${id}`);
    if (response.status !== 204) throw new Error(`deleting ${id} failed: ${response.text}`);
  }

  /** The organization's open incident, once the server has opened it. */
  async function openIncident(s: ScimOrganization): Promise<{ id: string; count: number }> {
    for (let tries = 0; tries < 100; tries += 1) {
      const { incidents } = (await s.admin.get('/v1.0/settings/deprovisioning-incidents')).body;
      const open = incidents.find((i: { status: string }) => i.status === 'open');
      if (open) return open;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no incident opened');
  }

  /**
   * A burst as a mis-scoped assignment causes it: 14 users provisioned, then 10 deactivated and 4 deleted by the
   * identity provider over 13 minutes (the clock moves a minute between changes).
   */
  async function burst(s: ScimOrganization, domain: string) {
    const start = Date.now() - 20 * MINUTE;
    t.clock.set(new Date(start));
    const users = await provision(s, domain, 14);
    for (const [i, user] of users.entries()) {
      t.clock.set(new Date(start + (i + 1) * MINUTE));
      if (i < 10) await deactivate(s, user.id);
      else await remove(s, user.id);
    }
    t.clock.reset();
    return { users, incident: await openIncident(s) };
  }

  describe.each(VIEWPORTS)('at %spx', (width, viewport) => {
    it('should show the banner on every page and the incident on Security, then undo it from the incident page', async () => {
      const domain = `undo-${width}.test`;
      const s = await scimOrganization(t, 'Northwind Traders', `it-admin@${domain}`);
      const { users, incident } = await burst(s, domain);
      expect(incident.count).toBe(14);
      // A new user took the userName of one of the deleted users meanwhile: it cannot be put back.
      const taken = users[13];
      expect((await s.scim.post('/Users', { body: userBody(taken.userName) })).status).toBe(201);

      const page = await openPage(viewport);
      await signIn(page, s.org.apiKey.key, '/settings/security');

      // The banner, in plain words, on every page.
      const banner = page.getByRole('region', { name: 'Deprovisioning incident' });
      await banner.getByText('Your identity provider deactivated or deleted 14 users at once.', { exact: true }).waitFor();
      const card = page.locator('[data-open-incident]');
      await card.getByText(/deactivated or deleted 14 users at once\. Incident open since/).waitFor();
      await screenshot(page, `safety-net-security-${width}`);
      await expectNoHorizontalOverflow(page);
      await goTo(page, 'Members');
      await banner.getByText(/deactivated or deleted 14 users/).waitFor();
      await goTo(page, 'Audit log');
      await banner.getByText(/deactivated or deleted 14 users/).waitFor();

      // The incident page: who, when, which key, and what undo does not fix.
      await banner.getByRole('link', { name: 'Review and undo' }).click();
      await page.getByRole('heading', { level: 1, name: 'Deprovisioning incident' }).waitFor();
      expect(page.url()).toBe(`${t.url}/settings/incidents/${incident.id}`);
      // (The heading shows while the incident loads: wait for its facts before counting its rows.)
      await page.getByText('10 users deactivated, 4 users deleted').waitFor();
      await expect(page.locator('tr[data-user]').count()).resolves.toBe(14);
      await expect(page.locator(`tr[data-user="${users[0].userName}"]`).getByText('Deactivated').count()).resolves.toBe(1);
      await expect(page.locator(`tr[data-user="${users[12].userName}"]`).getByText('Deleted').count()).resolves.toBe(1);
      // The page's span runs from the first change of its users to the last.
      await page.getByText(/^Your identity provider deactivated or deleted 14 users in 13 minutes: /).waitFor();
      const key = page.locator('.fact').filter({ hasText: 'SCIM key' });
      await key.getByText('Okta', { exact: true }).waitFor();
      await key.getByText(/^torii_scim_…/).waitFor();
      await page
        .getByText(/will deactivate these users again on its next sync cycle unless its assignment is fixed first/)
        .waitFor();
      await screenshot(page, `safety-net-incident-open-${width}`);
      await expectNoHorizontalOverflow(page);

      // Undo: the confirmation states the count and the same warning; it is keyboard-operable.
      const undo = page.getByRole('button', { name: 'Undo', exact: true });
      await undo.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Restore 14 users?' });
      await dialog.getByText(/Restore 14 users to how they were before the incident/).waitFor();
      await dialog.getByText(/the 4 deleted users come back with the same id/).waitFor();
      await dialog.getByText(/deactivate these users again on its next sync cycle/).waitFor();
      await expect(inPage<string>(page, 'document.activeElement?.textContent?.trim()')).resolves.toBe('Cancel');
      for (let i = 0; i < 6; i += 1) {
        await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
        await expect(inPage<boolean>(page, "!!document.activeElement?.closest('dialog')")).resolves.toBe(true);
      }
      await screenshot(page, `safety-net-undo-confirm-${width}`, false);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await expect(inPage<string>(page, 'document.activeElement?.textContent?.trim()')).resolves.toBe('Undo');
      await undo.click();
      await dialog.getByRole('button', { name: 'Restore 14 users' }).click();

      // The result: how many came back, and who did not and why.
      const result = page.locator('[data-undo-result]');
      await result.getByText('Restored 13 users').waitFor();
      await result.getByText('1 user not restored').waitFor();
      await result.getByRole('list', { name: 'Users not restored' }).getByText(taken.userName).waitFor();
      await page.getByText('Undone', { exact: true }).first().waitFor();
      await banner.waitFor({ state: 'detached' });
      await expect(page.getByRole('button', { name: 'Undo', exact: true }).count()).resolves.toBe(0);
      await screenshot(page, `safety-net-incident-undone-${width}`);
      await expectNoHorizontalOverflow(page);

      // The API agrees: every user but the one whose userName was taken is back as before.
      const after = (await s.admin.get('/v1.0/settings/deprovisioning-incidents')).body.incidents;
      expect(after.find((i: { id: string }) => i.id === incident.id).status).toBe('undone');
      for (const user of users.slice(0, 13)) {
        const got = await s.scim.get(`/Users/${user.id}`);
        expect([user.userName, got.status, got.body.active]).toEqual([user.userName, 200, true]);
      }
      expect((await s.scim.get(`/Users/${taken.id}`)).status).toBe(404);

      // Past incidents stay listed.
      await page.getByRole('link', { name: 'All incidents' }).click();
      await page.getByRole('heading', { level: 1, name: 'Deprovisioning incidents' }).waitFor();
      await page.locator(`tr[data-incident="${incident.id}"][data-status="undone"]`).waitFor();
      await screenshot(page, `safety-net-incidents-${width}`);
      await expectNoHorizontalOverflow(page);

      // The audit log records the undo and links to the incident.
      await goTo(page, 'Audit log');
      await page
        .locator('tr[data-action="deprovisioning-incident.undone"]')
        .getByRole('link', { name: `Deprovisioning incident ${incident.id}` })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Deprovisioning incident' }).waitFor();
      expect(page.url()).toBe(`${t.url}/settings/incidents/${incident.id}`);
    });

    it('should dismiss a second incident without changing anyone', async () => {
      const domain = `dismiss-${width}.test`;
      const s = await scimOrganization(t, 'Contoso', `it-admin@${domain}`);
      const first = await burst(s, domain);
      expect((await s.admin.post(`/v1.0/settings/deprovisioning-incidents/${first.incident.id}/undo`)).status).toBe(200);
      // The identity provider does it again on its next cycle: a second incident.
      for (const user of first.users.slice(0, 12)) await deactivate(s, user.id);
      const second = await openIncident(s);
      expect(second.id).not.toBe(first.incident.id);

      const page = await openPage(viewport);
      await signIn(page, s.org.apiKey.key, '/settings/members');
      const banner = page.getByRole('region', { name: 'Deprovisioning incident' });
      await banner.getByRole('link', { name: 'Review and undo' }).click();
      await page.getByRole('heading', { level: 1, name: 'Deprovisioning incident' }).waitFor();
      expect(page.url()).toBe(`${t.url}/settings/incidents/${second.id}`);

      await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Dismiss this incident?' });
      await dialog.getByText(`the ${second.count} users stay deactivated or deleted`, { exact: false }).waitFor();
      await screenshot(page, `safety-net-dismiss-confirm-${width}`, false);
      await dialog.getByRole('button', { name: 'Dismiss incident' }).click();
      await page.getByText('Incident dismissed').waitFor();
      await page.getByText('Dismissed', { exact: true }).first().waitFor();
      await banner.waitFor({ state: 'detached' });
      await screenshot(page, `safety-net-incident-dismissed-${width}`);
      await expectNoHorizontalOverflow(page);

      // Nobody changed: the users stay deactivated.
      const incidents = (await s.admin.get('/v1.0/settings/deprovisioning-incidents')).body.incidents;
      expect(incidents.find((i: { id: string }) => i.id === second.id).status).toBe('dismissed');
      expect((await s.scim.get(`/Users/${first.users[0].id}`)).body.active).toBe(false);

      // Both incidents are listed, the newest first.
      await page.getByRole('link', { name: 'All incidents' }).click();
      await page.locator('tr[data-incident]').nth(1).waitFor();
      await expect(
        inPage<string[]>(page, "[...document.querySelectorAll('tr[data-incident]')].map((tr) => tr.dataset.status)"),
      ).resolves.toEqual(['dismissed', 'undone']);
    });

    it('should list deleted users in Members and restore one, or say why not', async () => {
      const domain = `deleted-${width}.test`;
      const s = await scimOrganization(t, 'Fabrikam', `it-admin@${domain}`);
      const [ana, ben] = await provision(s, domain, 2);
      await remove(s, ana.id);
      await remove(s, ben.id);
      // ben's userName is taken by a new user: restoring ben is refused with a sentence.
      expect((await s.scim.post('/Users', { body: userBody(ben.userName) })).status).toBe(201);

      const page = await openPage(viewport);
      await signIn(page, s.org.apiKey.key, '/settings/members');
      await page.getByRole('button', { name: 'Deleted users' }).click();
      expect(page.url()).toBe(`${t.url}/settings/members?view=deleted`);
      const anaRow = page.locator(`tr[data-user="${ana.userName}"]`);
      await anaRow
        .locator('td[data-label="By"]')
        .getByText(/^SCIM key torii_scim_…/)
        .waitFor();
      await anaRow.locator('td[data-label="By"]').getByText('Okta', { exact: true }).waitFor();
      await expect(page.locator('tr[data-user]').count()).resolves.toBe(2);
      // Most recently deleted first.
      await expect(page.locator('tr[data-user]').first().getAttribute('data-user')).resolves.toBe(ben.userName);
      await screenshot(page, `safety-net-deleted-users-${width}`);
      await expectNoHorizontalOverflow(page);

      await page.getByRole('button', { name: `Restore ${ana.userName}` }).click();
      const dialog = page.getByRole('dialog', { name: `Restore ${ana.userName}?` });
      await dialog.getByText(/comes back with the same id/).waitFor();
      await screenshot(page, `safety-net-restore-confirm-${width}`, false);
      await dialog.getByRole('button', { name: 'Restore', exact: true }).click();
      await page.getByText(`${ana.userName} was restored.`).waitFor();
      await anaRow.waitFor({ state: 'detached' });
      const restored = await s.scim.get(`/Users/${ana.id}`);
      expect([restored.status, restored.body.userName, restored.body.active]).toEqual([200, ana.userName, true]);

      await page.getByRole('button', { name: `Restore ${ben.userName}` }).click();
      await page
        .getByRole('dialog', { name: `Restore ${ben.userName}?` })
        .getByRole('button', { name: 'Restore', exact: true })
        .click();
      const refusal = page.getByRole('alert');
      await refusal.getByText(`Could not restore ${ben.userName}`).waitFor();
      await expect(refusal.textContent()).resolves.toMatch(/userName|taken|already/i);
      await screenshot(page, `safety-net-restore-refused-${width}`);
      await expectNoHorizontalOverflow(page);
      expect((await s.scim.get(`/Users/${ben.id}`)).status).toBe(404);
    });
  });
});
