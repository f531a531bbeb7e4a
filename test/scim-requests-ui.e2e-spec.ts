import { Page } from 'playwright-core';
import { ScimRequestRecorder } from '../apps/server/src/scim-requests/scim-request-recorder.service';
import { inPage, launchBrowser, screenshot, settled, signIn, TestBrowser, VIEWPORTS } from './support/browser';
import { CORE_USER, PATCH_OP, SCIM, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The provisioning inspector in the settings UI (Settings > SCIM requests), in Debian's Chromium against the
 * real server, after real SCIM requests (Okta's and Entra's, successes and the common refusals): the list and
 * its filters, a request's page (formatted bodies, the hint, Copy as curl without the key) and the links to it
 * from the audit log, a user's history and Security, at 1280 and 390 px. Screenshots: scim-requests-*.png.
 */
const OKTA = 'Okta SCIM Client 1.0.0';
const ENTRA = 'Azure AD SCIM Client (Microsoft.Identity.Provisioning)';
const HOUR = 3_600_000;

/** The page is no wider than the window, and every row's link is inside it. */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) problems.push('the page is ' + document.documentElement.scrollWidth + 'px wide in ' + width + 'px');
  for (const el of document.querySelectorAll('tbody tr a, .page-actions button, [data-curl]')) {
    const box = el.getBoundingClientRect();
    if (box.left < -1 || box.right > width + 1) problems.push('"' + el.textContent.trim().slice(0, 40) + '" is at ' + Math.round(box.left) + '..' + Math.round(box.right));
  }
  if (width >= 1024) {
    for (const scroll of document.querySelectorAll('.table-scroll'))
      if (scroll.scrollWidth > scroll.clientWidth + 1) problems.push('the table needs ' + scroll.scrollWidth + 'px in ' + scroll.clientWidth + 'px');
  }
  return problems;
})()`;

describe('SCIM requests (provisioning inspector) in the settings UI', () => {
  let t: TestApp;
  let browser: TestBrowser;
  let o: ScimOrganization;
  let userId: string;

  /** A SCIM request as an identity provider sends it (its User-Agent, a raw body and Content-Type if asked). */
  async function send(
    key: string,
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; contentType?: string; agent?: string } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'user-agent': options.agent ?? OKTA, authorization: `Bearer ${key}` };
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/scim+json';
    const response = await fetch(`${t.url}${SCIM}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser(t.url);
    o = await scimOrganization(t, 'Inspected Traders', 'admin@inspected.test');

    // Enough of Okta's existence checks for two pages of the list.
    for (let i = 0; i < 52; i += 1) {
      await send(o.scimKey, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "nobody${i}@inspected.test"`)}`);
    }
    const created = await send(o.scimKey, 'POST', '/Users', {
      body: {
        schemas: [CORE_USER],
        userName: 'ana@inspected.test',
        name: { givenName: 'Ana', familyName: 'Lima' },
        emails: [{ primary: true, value: 'ana@inspected.test', type: 'work' }],
        password: 'S3cret-never-shown',
        active: true,
      },
    });
    expect(created.status).toBe(201);
    userId = created.body.id;
    // Entra renames the account: refused (userName is the email, for good).
    const renamed = await send(o.scimKey, 'PATCH', `/Users/${userId}`, {
      agent: ENTRA,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: 'ana.lima@inspected.test' }] },
    });
    expect(renamed.status).toBe(400);
    // A role the organization does not have.
    expect(
      (
        await send(o.scimKey, 'POST', '/Users', {
          body: { schemas: [CORE_USER], userName: 'bo@inspected.test', userType: 'Wizard' },
        })
      ).status,
    ).toBe(400);
    // Another media type.
    expect((await send(o.scimKey, 'POST', '/Users', { raw: '<user/>', contentType: 'application/xml' })).status).toBe(415);
    // A body over 64 KB: kept cut, shown as text.
    const long = await send(o.scimKey, 'POST', '/Users', {
      body: { schemas: [CORE_USER], userName: 'long@inspected.test', displayName: 'x'.repeat(70_000) },
    });
    expect(long.status).toBe(400);
    // SCIM turned off for a moment.
    await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } });
    expect((await send(o.scimKey, 'GET', '/Users?count=1')).status).toBe(403);
    await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    // An expired key the identity provider still uses.
    const expiring = await o.admin.post('/v1.0/settings/api-keys', {
      body: { type: 'scim', description: 'Old Okta key', expiresAt: new Date(Date.now() + 24 * HOUR).toISOString() },
    });
    t.clock.advance(48 * HOUR);
    try {
      expect((await send(expiring.body.key, 'GET', '/Users?count=1')).status).toBe(401);
    } finally {
      t.clock.reset();
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    await t.app.get(ScimRequestRecorder).flush();
  });

  afterEach(() => {
    expect(browser.takeErrors()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rows = (page: Page) => page.locator('tr[data-scim-request]');

  async function layout(page: Page, name: string): Promise<void> {
    await settled(page);
    await screenshot(page, name);
    expect([name, await inPage<string[]>(page, LAYOUT_PROBLEMS)]).toEqual([name, []]);
  }

  describe.each(VIEWPORTS)('at %spx', (width, viewport) => {
    it('should list the requests newest first, refusals marked, with Load more and the failures-only filter', async () => {
      const page = await browser.open(viewport);
      await signIn(page, t.url, o.org.apiKey.key, '/settings/security');
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'SCIM requests' }).click();
      await page.getByRole('heading', { level: 1, name: 'SCIM requests' }).waitFor();
      await rows(page).first().waitFor();
      // Newest first: the expired key's refusal, then SCIM off.
      const first = rows(page).first();
      await expect(first.getAttribute('data-outcome')).resolves.toBe('failure');
      await expect(first.innerText()).resolves.toMatch(/401 refused/);
      await expect(first.innerText()).resolves.toMatch(/Old Okta key/);
      await expect(rows(page).count()).resolves.toBe(50);
      await layout(page, `scim-requests-list-${width}`);

      await page.getByRole('button', { name: 'Load more' }).click();
      await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-scim-request]').length > 50);
      const total = await rows(page).count();
      expect(total).toBe(59);

      await page.getByLabel('Failures only').check();
      await page.waitForFunction(() =>
        [...(globalThis as any).document.querySelectorAll('tr[data-scim-request]')].every(
          (row: any) => row.dataset.outcome === 'failure',
        ),
      );
      await settled(page);
      const statuses = await rows(page).locator('td[data-label="Status"]').allInnerTexts();
      expect(statuses.map((s) => s.trim())).toEqual([
        '401 refused',
        '403 refused',
        '400 refused',
        '415 refused',
        '400 refused',
        '400 refused',
      ]);
      expect(page.url()).toContain('outcome=failure');
      await layout(page, `scim-requests-failures-${width}`);

      // The method and resource filters narrow it further.
      await page.getByLabel('Method').selectOption('PATCH');
      await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-scim-request]').length === 1);
      await expect(rows(page).first().innerText()).resolves.toMatch(/PATCH/);
      await expect(rows(page).first().innerText()).resolves.toMatch(/Microsoft Entra ID/);
    });

    it("should show a refused request's bodies as formatted JSON, the hint, and Copy as curl without the key", async () => {
      const page = await browser.open(viewport);
      await signIn(page, t.url, o.org.apiKey.key, '/settings/scim-requests?outcome=failure&method=PATCH');
      await rows(page).first().click();
      await page.getByRole('heading', { level: 1, name: 'PATCH Users' }).waitFor();
      const hint = page.locator('[data-hint]');
      await expect(hint.innerText()).resolves.toMatch(/tried to change a user's email \(userName\).*create a new user/);
      const requestBody = await page.locator('[data-body="request-body"]').innerText();
      // Pretty-printed: one attribute a line, indented.
      expect(requestBody).toContain('\n  "Operations": [');
      expect(JSON.parse(requestBody).Operations[0].value).toBe('ana.lima@inspected.test');
      const responseBody = await page.locator('[data-body="response-body"]').innerText();
      expect(JSON.parse(responseBody)).toMatchObject({ status: '400', scimType: 'mutability' });
      const facts = await page.locator('.request-facts').innerText();
      expect(facts).toMatch(/Microsoft Entra ID/);
      expect(facts).toContain(ENTRA);
      expect(facts).toContain(userId);
      await layout(page, `scim-requests-detail-${width}`);

      await page.getByRole('button', { name: 'Copy as curl (without the key)' }).click();
      await page.getByRole('button', { name: 'Copy as curl (without the key)' }).getByText('Copied').waitFor();
      const curl = await inPage<string>(page, 'navigator.clipboard.readText()');
      expect(curl).toContain(`curl -X PATCH '${t.url}${SCIM}/Users/${userId}'`);
      expect(curl).toContain('-H "Authorization: Bearer $TORII_SCIM_KEY"');
      expect(curl).toContain("-H 'Content-Type: application/scim+json'");
      expect(curl).toContain('"value":"ana.lima@inspected.test"');
      expect(curl).not.toContain(o.scimKey);
      expect(curl).not.toMatch(/torii_(scim|api)_[A-Za-z0-9]{8}/);
      await expect(page.locator('[data-curl]').innerText()).resolves.toBe(curl);

      // Back to the same list.
      await page.getByRole('link', { name: '← SCIM requests' }).click();
      await page.getByRole('heading', { level: 1, name: 'SCIM requests' }).waitFor();
      expect(page.url()).toContain('method=PATCH');
    });

    it('should give the hint of each common refusal, and say when a body was cut at 64 KB', async () => {
      const page = await browser.open(viewport);
      await signIn(page, t.url, o.org.apiKey.key, '/settings/scim-requests?outcome=failure');
      await rows(page).first().waitFor();
      const hints: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        await rows(page).nth(i).locator('a').first().click();
        await page.locator('.request-facts').waitFor();
        await settled(page);
        hints.push(
          await page
            .locator('[data-hint]')
            .innerText()
            .catch(() => ''),
        );
        if (i === 1) await screenshot(page, `scim-requests-detail-scim-off-${width}`);
        if (i === 2) {
          await expect(page.locator('[data-body="request-body"]').innerText()).resolves.toMatch(/…\[cut: [\d,]+ more bytes\]$/);
          await expect(page.getByText('The body was longer than 64 KB').count()).resolves.toBe(1);
          await screenshot(page, `scim-requests-detail-cut-${width}`);
        }
        await page.goBack();
        await rows(page).first().waitFor();
      }
      expect(hints[0]).toMatch(/key that has expired/);
      expect(hints[1]).toMatch(/SCIM is turned off/);
      expect(hints[2]).toBe('');
      expect(hints[3]).toMatch(/another Content-Type/);
      expect(hints[4]).toMatch(/role \(userType\) this organization does not have/);
      expect(hints[5]).toMatch(/tried to change a user's email/);
    });

    it('should be reached from the audit log, a user’s history and the Security page', async () => {
      const page = await browser.open(viewport);
      await signIn(page, t.url, o.org.apiKey.key, '/settings/audit-log?outcome=failure');
      const refused = page.locator('tr[data-action]').filter({ hasText: 'cannot be changed' }).first();
      await refused.getByRole('link', { name: 'See what was sent' }).click();
      await page.getByRole('heading', { level: 1, name: 'SCIM requests' }).waitFor();
      expect(page.url()).toContain('requestId=');
      await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-scim-request]').length === 1);
      await expect(rows(page).first().innerText()).resolves.toMatch(/PATCH/);
      await layout(page, `scim-requests-from-audit-${width}`);

      await page.goto(`${t.url}/settings/audit-log?targetType=user&targetId=${userId}`);
      await page.getByRole('link', { name: 'SCIM requests about this user' }).click();
      await page.getByRole('heading', { level: 1, name: 'SCIM requests' }).waitFor();
      await expect(page.getByLabel('User or group id').inputValue()).resolves.toBe(userId);
      await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-scim-request]').length === 2);
      const methods = await rows(page).locator('.method').allInnerTexts();
      expect(methods).toEqual(['PATCH', 'POST']);

      await page.goto(`${t.url}/settings/security`);
      await page.getByRole('link', { name: 'See the requests' }).click();
      await page.getByRole('heading', { level: 1, name: 'SCIM requests' }).waitFor();
      await rows(page).first().waitFor();
      expect(new URL(page.url()).pathname).toBe('/settings/scim-requests');
    });
  });
});
