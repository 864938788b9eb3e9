// Debian's Chromium driven by playwright-core. Never `npx playwright install`:
// this machine cannot download browsers; /usr/bin/chromium comes from apt.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A browser context that records what the page says in the console. Failed
 * resource loads (an expected 403/404) are kept apart from real errors:
 * scenarios fail on the latter only.
 */
/** Every open page, so the harness can photograph them when a step fails. */
export const openPages = new Set();

export async function newSession(browser, baseURL, options = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  const consoleErrors = [];
  const failedRequests = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/Failed to load resource/.test(text)) failedRequests.push(text);
    else consoleErrors.push(text);
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  return { context, page, consoleErrors, failedRequests };
}
