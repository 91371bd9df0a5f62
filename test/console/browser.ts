import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium: `apt-get install -y chromium` (.ci/run installs it). */
export const CHROMIUM = process.env.INTERFLOW_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile with one page. Every console error, uncaught page error, failed
 * request and HTTP error response is collected; tests assert the list stays empty. A missing
 * browser fails with the command that installs it: these tests never skip.
 */
export async function openBrowser(options: { allowStatus?: (url: string, status: number) => boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (Debian) or set INTERFLOW_CHROMIUM to a Chromium binary. The console's browser tests need it.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'interflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const problems: string[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A navigation away aborts the page's polling fetch; that is not a failure of the console.
    if (req.failure()?.errorText === 'net::ERR_ABORTED' && req.resourceType() === 'fetch') return;
    problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !options.allowStatus?.(res.url(), res.status())) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Logs `user` in at the console of `serverUrl` afresh (cookies cleared) and waits for the Overview. */
export async function logIn(page: Page, serverUrl: string, user: { username: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${serverUrl}/console/login`);
  await page.getByLabel('User name').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}
