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

/** Every open page, so the harness can photograph them when a step fails. */
export const openPages = new Set();

/**
 * A browser context that records what its pages say in the console. Any
 * console error fails the step that checks it (assertNoConsoleErrors), except:
 * - the browser's own network log line for an API answer in the 4xx range
 *   ("Failed to load resource: ... status of 403"): the app asked, the
 *   server refused, and the app shows that in place (a wrong password, an
 *   org being suspended). 5xx answers and failed assets still count.
 * - failed connections while a scenario cuts the network on purpose
 *   (`expectNetworkErrors(fn)`).
 * Failed requests are recorded with their URL and status, so a failure
 * names the request.
 */
export async function newSession(browser, baseURL, options = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  const consoleErrors = [];
  const failedRequests = [];
  let tolerate = 0;
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (status && Number(status[1]) < 500) return; // judged in the response handler below
    if (tolerate > 0 && /Failed to load resource|ERR_CONNECTION|ERR_EMPTY_RESPONSE|WebSocket connection/.test(text)) return;
    consoleErrors.push(text);
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() < 400) return;
    const line = `${res.status()} ${res.request().method()} ${res.url()}`;
    failedRequests.push(line);
    // Only API calls may be refused; the app's own files must load.
    if (!new URL(res.url()).pathname.startsWith('/api/')) consoleErrors.push(`failed to load ${line}`);
  });
  page.on('requestfailed', (req) => {
    if (tolerate === 0) failedRequests.push(`failed ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  return {
    context,
    page,
    consoleErrors,
    failedRequests,
    async expectNetworkErrors(fn) {
      tolerate++;
      try {
        return await fn();
      } finally {
        tolerate--;
      }
    },
  };
}
