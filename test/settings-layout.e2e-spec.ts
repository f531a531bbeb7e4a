import { loadConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { inPage, launchBrowser, NARROW, screenshot, settled, signIn, TestBrowser, VIEWPORTS } from './support/browser';
import { PATCH_OP, scimOrganization, ScimOrganization } from './support/scim';
import { client } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Every page of the settings UI with the longest data the API accepts (255-character descriptions that are
 * URLs, 64-character role names, 255-character group names, a 100-character organization name, 20 notification
 * recipients with long addresses, many keys in rotation, an open incident), at
 * 1280 and 390 px: the page never scrolls sideways, no table needs sideways scrolling on a desktop, and
 * every row's actions are inside the window. The screenshots (layout-<page>-<width>.png) are for looking at.
 */
const DAY = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** Text of exactly `length` characters: `start`, then a URL (no spaces to break at), repeated. */
function long(start: string, length: number): string {
  const url =
    'https://intranet.northwind.example/wiki/identity/okta/torii-scim-provisioning?tenant=northwind-production&owner=it-identity&ticket=IAM-20931&';
  let text = start;
  while (text.length < length) text += url;
  return text.slice(0, length);
}

const DESCRIPTION_WITH_URL = long('Okta production tenant, owned by IT identity; runbook: ', 255);
const DESCRIPTION_URL_ONLY = long('', 255);
const ROLE_WORDS = long('Regional Procurement Approver for Europe Middle East Africa and APAC', 64);
const ROLE_NO_SPACES = long('Procurement-Approver-EMEA-', 64);
const GROUP_WORDS = long('All employees of the Northwind Traders subsidiaries in Europe, the Middle East and Africa ', 255);
const GROUP_NO_SPACES = long('northwind-traders-emea-subsidiaries-all-employees-', 255);
const ORGANIZATION_NAME = long('Northwind Traders Holdings (Europe, Middle East and Africa) ', 100);
/** The most notification recipients an organization may have, each a long address (a 60-character local part). */
const RECIPIENTS = Array.from(
  { length: 20 },
  (_, i) => `${long(`security-operations-center-${i}-`, 60)}@${long(`alerts-${i}.northwind-traders-holdings-`, 60)}.example`,
).map((email) => email.replace(/[^a-z0-9.@-]/gi, 'x').toLowerCase());

/**
 * Where something breaks the layout, in words: the page wider than the window, a table wider than its card
 * (on a desktop, where tables are tables), a row's control outside the window or clipped by its table.
 */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const width = window.innerWidth;
  const root = document.documentElement;
  const visible = (el) => {
    let left = 0, right = width;
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const box = p.getBoundingClientRect();
      left = Math.max(left, box.left + p.clientLeft);
      right = Math.min(right, box.left + p.clientLeft + p.clientWidth);
    }
    return { left, right };
  };
  const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 60);
  if (root.scrollWidth > width) {
    // Named by the outermost elements that stick out (and are not clipped by a scrolling ancestor).
    const clipped = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) return true;
      return false;
    };
    const out = [...document.body.querySelectorAll('*')].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.right > width + 1 && !clipped(el) && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1);
    });
    problems.push('the page is ' + root.scrollWidth + 'px wide in a ' + width + 'px window: ' + out.slice(0, 3).map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' "' + name(el).slice(0, 30) + '"').join(', '));
  }
  for (const el of document.querySelectorAll('tbody tr :is(button, a, select, input)')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const clip = visible(el);
    if (box.left < clip.left - 1 || box.right > clip.right + 1)
      problems.push('"' + name(el) + '" is at ' + Math.round(box.left) + '..' + Math.round(box.right) + ' px, outside ' + Math.round(clip.left) + '..' + Math.round(clip.right));
  }
  if (width >= 1024) {
    for (const cell of document.querySelectorAll('td')) {
      if (cell.scrollWidth > cell.clientWidth + 1)
        problems.push('"' + cell.textContent.trim().slice(0, 40) + '" sticks out of its cell by ' + (cell.scrollWidth - cell.clientWidth) + 'px');
    }
    for (const scroll of document.querySelectorAll('.table-scroll')) {
      if (scroll.scrollWidth > scroll.clientWidth + 1) {
        const caption = scroll.querySelector('caption, th');
        problems.push('the table "' + (caption ? caption.textContent.trim() : '') + '" needs ' + scroll.scrollWidth + 'px in ' + scroll.clientWidth + 'px');
      }
    }
  }
  return [...new Set(problems)];
})()`;

describe('Settings UI layout with long data', () => {
  let t: TestApp;
  let browser: TestBrowser;
  let outbox: string;
  let s: ScimOrganization;
  let incidentId: string;

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-layout-outbox-'));
    const base = loadConfig({ MAIL_OUTBOX_DIR: outbox });
    t = await startTestApp({ mail: base.mail, safetyNet: { ...base.safetyNet, burstThreshold: 8, burstPercent: 0 } });
    browser = await launchBrowser(t.url);
    s = await scimOrganization(
      t,
      // The longest name the API accepts.
      ORGANIZATION_NAME,
      'it-admin@northwind.test',
    );
    await seed();
  });

  afterEach(() => {
    expect(browser.takeErrors()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (outbox) rmSync(outbox, { recursive: true, force: true });
  });

  /** The longest of everything, as an identity provider and an admin would leave it. */
  async function seed(): Promise<void> {
    const { admin } = s;
    const soon = isoDay(new Date(Date.now() + 10 * DAY));
    await admin.patch(`/v1.0/settings/api-keys/${s.scimKeyId}`, { body: { description: DESCRIPTION_URL_ONLY } });
    // Keys in rotation: each old key used, rotated, and its successor used since (the row offers to delete the old one).
    for (const [i, description] of [
      DESCRIPTION_WITH_URL,
      DESCRIPTION_URL_ONLY,
      DESCRIPTION_WITH_URL,
      DESCRIPTION_URL_ONLY,
    ].entries()) {
      const old = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description, expiresAt: soon } })).body;
      const scim = client(`${t.url}/v1.0/scim/v2`, old.key);
      await scim.get('/Users?count=1');
      // A refusal with the longest detail the server writes, for Security's "Last refusal".
      await scim.post('/Users', { body: { userName: long('not-an-email-', 200) } });
      if (i < 3) {
        const successor = (await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })).body;
        if (i < 2) await client(`${t.url}/v1.0/scim/v2`, successor.key).get('/Users?count=1');
      }
    }
    await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: DESCRIPTION_WITH_URL, expiresAt: soon } });
    await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: DESCRIPTION_URL_ONLY } });

    for (const [name, description] of [
      [ROLE_WORDS, DESCRIPTION_WITH_URL],
      [ROLE_NO_SPACES, DESCRIPTION_URL_ONLY],
    ]) {
      const created = await admin.post('/v1.0/settings/roles', { body: { name, description } });
      if (created.status !== 201) throw new Error(`creating the role failed: ${created.text}`);
    }

    // Users with long names and emails, the 64-character roles, in groups with 255-character names.
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const userName = `${long(`person${i}.with.a.long.name.`, 60)}@subsidiary-${i}.northwind-traders-holdings.example`
        .replace(/[^a-z0-9.@-]/gi, 'x')
        .toLowerCase();
      const created = await s.scim.post('/Users', {
        body: {
          userName,
          displayName: `Maximiliana Alessandra Konstantinopoulou-Featherstonehaugh ${i}`,
          externalId: `00u${i}${'x'.repeat(40)}`,
          userType: i % 3 === 0 ? ROLE_WORDS : i % 3 === 1 ? ROLE_NO_SPACES : 'Employee',
        },
      });
      if (created.status !== 201) throw new Error(`creating ${userName} failed: ${created.text}`);
      ids.push(created.body.id);
    }
    const group = async (displayName: string, members: string[]) =>
      (
        await s.scim.post('/Groups', {
          body: { displayName, externalId: long('00g', 200), members: members.map((value) => ({ value })) },
        })
      ).body.id;
    const words = await group(GROUP_WORDS, ids.slice(0, 6));
    const noSpaces = await group(GROUP_NO_SPACES, ids.slice(6));
    await group(long('Contractors ', 200), []);
    await admin.post('/v1.0/settings/role-mappings', { body: { groupId: words, role: ROLE_WORDS } });
    await admin.post('/v1.0/settings/role-mappings', { body: { groupId: noSpaces, role: ROLE_NO_SPACES } });

    // Every reminder and alert goes to the Admin and the 20 recipients.
    const recipients = await admin.put('/v1.0/settings/notification-recipients', { body: { emails: RECIPIENTS } });
    if (recipients.status !== 200) throw new Error(`setting the recipients failed: ${recipients.text}`);
    await t.app.get(RemindersService).run();

    // A burst: the identity provider deactivates 6 users and deletes 4: an open incident, a banner on every page.
    for (const id of ids.slice(0, 6)) {
      await s.scim.patch(`/Users/${id}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] },
      });
    }
    for (const id of ids.slice(8, 12)) await s.scim.delete(`/Users/${id}`);
    for (let tries = 0; tries < 100 && !incidentId; tries += 1) {
      const { incidents } = (await admin.get('/v1.0/settings/deprovisioning-incidents')).body;
      incidentId = incidents.find((i: { status: string }) => i.status === 'open')?.id;
      if (!incidentId) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!incidentId) throw new Error('no incident opened');
  }

  /** The page's layout problems, by page (every page is looked at before the test fails). */
  async function layoutProblems(page: Page, name: string, found: Record<string, string[]>): Promise<void> {
    await settled(page);
    await screenshot(page, name);
    const problems = await inPage<string[]>(page, LAYOUT_PROBLEMS);
    if (problems.length) found[name] = problems;
  }

  /** The pages, as the navigation and the links reach them, with what shows each one has loaded. */
  const PAGES: [string, string, string][] = [
    ['organization', '/settings/organization', 'li.recipient'],
    ['security', '/settings/security', '[data-health] tbody tr'],
    ['api-access', '/settings/api-access', '[data-rotation]'],
    ['roles', '/settings/roles', 'tr[data-role]'],
    ['members', '/settings/members', 'tr[data-user]'],
    ['members-deleted', '/settings/members?view=deleted', 'tr[data-user]'],
    ['groups', '/settings/groups', 'tr[data-group]'],
    ['notifications', '/settings/notifications', 'tbody tr'],
    ['scim-requests', '/settings/scim-requests', 'tr[data-scim-request]'],
    ['audit-log', '/settings/audit-log', 'tr[data-action]'],
    ['incidents', '/settings/incidents', 'tr[data-incident]'],
  ];

  describe.each(VIEWPORTS)('at %spx', (width, viewport) => {
    it('should fit every page in the window with every row action visible', async () => {
      const page = await browser.open(viewport);
      const found: Record<string, string[]> = {};
      await page.goto(`${t.url}/settings`);
      await page.getByLabel('Torii API key').waitFor();
      await layoutProblems(page, `layout-sign-in-${width}`, found);
      await signIn(page, t.url, s.org.apiKey.key);
      for (const [name, path, loaded] of PAGES) {
        await page.goto(t.url + path);
        await page.locator(loaded).first().waitFor();
        await layoutProblems(page, `layout-${name}-${width}`, found);
        if (name === 'members') {
          await page.getByRole('button', { name: 'All users' }).click();
          await page.locator('tr[data-user]').nth(7).waitFor();
          await layoutProblems(page, `layout-members-all-users-${width}`, found);
        }
      }
      await page.goto(`${t.url}/settings/incidents/${incidentId}`);
      await page.locator('tr[data-user]').first().waitFor();
      await layoutProblems(page, `layout-incident-${width}`, found);
      expect(found).toEqual({});
    });

    it('should fit the dialogs that show long data in the window', async () => {
      const page = await browser.open(viewport);
      const found: Record<string, string[]> = {};
      await signIn(page, t.url, s.org.apiKey.key, '/settings/api-access');
      const open = async (path: string, button: RegExp | string, name: string) => {
        await page.goto(t.url + path);
        await page.getByRole('button', { name: button }).first().click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await settled(page);
        await screenshot(page, `layout-dialog-${name}-${width}`, false);
        const problems = await inPage<string[]>(
          page,
          `(() => {
            const dialog = document.querySelector('dialog[open]');
            const box = dialog.getBoundingClientRect();
            const out = [];
            if (box.left < 0 || box.right > window.innerWidth) out.push('the dialog is at ' + Math.round(box.left) + '..' + Math.round(box.right) + ' px');
            for (const el of dialog.querySelectorAll('*')) {
              if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible' && el.tagName !== 'INPUT' && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA')
                out.push(el.tagName.toLowerCase() + '.' + el.className + ' scrolls sideways');
            }
            return out;
          })()`,
        );
        if (problems.length) found[name] = problems;
        await page.keyboard.press('Escape');
      };
      await open('/settings/api-access', /^Rotate torii_scim_/, 'rotate');
      await open('/settings/api-access', /^Delete Torii SCIM key/, 'delete-key');
      await open('/settings/api-access', /^Edit the description of/, 'describe-key');
      await open('/settings/roles', /^Rename role Regional/, 'rename-role');
      await open('/settings/groups', /^Change the mapping of northwind/, 'mapping');
      await open('/settings/members', /^Deactivate person/, 'deactivate');
      await open('/settings/members', /^Edit the email and name of/, 'edit-user');
      expect(found).toEqual({});
    });
  });

  it('should show at 390 px that the tab strip scrolls, with a fade and an arrow on the side there is more', async () => {
    const page = await browser.open(NARROW);
    await signIn(page, t.url, s.org.apiKey.key, '/settings/security');
    const nav = page.getByRole('navigation', { name: 'Settings' });
    const edges = () =>
      inPage<[boolean, boolean, string, string]>(
        page,
        `(() => {
          const nav = document.querySelector('.sidenav');
          return [nav.hasAttribute('data-more-start'), nav.hasAttribute('data-more-end'), getComputedStyle(nav, '::before').opacity, getComputedStyle(nav, '::after').opacity];
        })()`,
      );
    await page.waitForFunction(() =>
      (globalThis as unknown as { document: { querySelector(s: string): { hasAttribute(a: string): boolean } } }).document
        .querySelector('.sidenav')
        .hasAttribute('data-more-end'),
    );
    await page.waitForTimeout(300);
    await expect(edges()).resolves.toEqual([false, true, '0', '1']);
    // The last tab is there, past the edge, and reached by scrolling the strip.
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.waitForTimeout(300);
    await expect(edges()).resolves.toEqual([true, false, '1', '0']);
    await screenshot(page, 'layout-tabs-scrolled-390', false);
  });
});
