import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { settingsUiRoot } from '../../apps/server/src/settings-ui/settings-ui.routes';

/**
 * Debian's Chromium driven by playwright-core, for the settings UI suites: one browser per suite, a context per
 * page opened, and every uncaught error or failed script of a page collected so that the test that caused it fails.
 */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');
export const DESKTOP = { width: 1280, height: 860 };
export const NARROW = { width: 390, height: 844 };
export const VIEWPORTS: [string, { width: number; height: number }][] = [
  ['1280', DESKTOP],
  ['390', NARROW],
];

/** Evaluates an expression in the page (a string: the tests are typechecked without the DOM library). */
export const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

export interface TestBrowser {
  /** A new page in a context of its own (clipboard allowed for `origin`). */
  open(viewport: { width: number; height: number }): Promise<Page>;
  /** The errors pages reported since the last call (none expected). */
  takeErrors(): string[];
  close(): Promise<void>;
}

export async function launchBrowser(origin: string): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the settings UI tests need it. Install it with "apt-get install -y chromium" (.ci/run does this).`,
    );
  }
  if (!existsSync(join(settingsUiRoot(), 'index.html'))) {
    throw new Error(`The settings UI is not built (${settingsUiRoot()}): run "npm run build" (npm test runs it first).`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  return {
    open: async (viewport) => {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-US', acceptDownloads: true });
      contexts.push(context);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A refused request (401, 409, ...) is logged by the browser: that is often the behaviour under test.
        if (message.type() === 'error' && !/status of 40[0-9]/.test(message.text())) errors.push(`console: ${message.text()}`);
      });
      return page;
    },
    takeErrors: () => errors.splice(0),
    close: async () => {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser.close();
    },
  };
}

export async function signIn(page: Page, url: string, key: string, path = '/settings'): Promise<void> {
  await page.goto(url + path);
  await page.getByLabel('Torii API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).waitFor();
}

/** Every part of the page loaded (no spinner left, no request in flight). */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(
    () => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.loading'),
  );
}

/** The whole page once loaded; with a dialog open, the window (a modal's backdrop covers the window, not the page). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await settled(page);
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
