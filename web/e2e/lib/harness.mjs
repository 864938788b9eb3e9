// A deliberately small scenario runner: scenarios run in order and share
// state (the users and org created by earlier ones); each step has a name, a
// timing and, when it fails, screenshots of every open page. The summary
// line "N passed, N failed" is what CI reads.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openPages } from './browser.mjs';

export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

export class Harness {
  constructor({ stopOnFailure = false } = {}) {
    this.results = [];
    this.state = {};
    this.stopOnFailure = stopOnFailure;
  }

  get failed() {
    return this.results.some((r) => r.ok === false);
  }

  async run(name, fn) {
    if (this.stopOnFailure && this.failed) return this.skip(name, 'an earlier step failed');
    const started = Date.now();
    try {
      await fn(this.state);
      this.results.push({ name, ok: true, ms: Date.now() - started });
      console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      this.results.push({ name, ok: false, ms: Date.now() - started, err });
      await this.photographFailure(name);
      console.log(`  ✗ ${name} (${Date.now() - started} ms)\n    ${String(err?.stack || err).split('\n').join('\n    ')}`);
    }
  }

  /** Screenshots of every open page as failed-<step>-<n>.png, for diagnosis. */
  async photographFailure(name) {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    let i = 0;
    for (const page of openPages) {
      await page.screenshot({ path: `${SCREENSHOTS}failed-${slug}-${i++}.png` }).catch(() => {});
    }
  }

  skip(name, why) {
    this.results.push({ name, skipped: true });
    console.log(`  - ${name} (skipped: ${why})`);
  }

  summary() {
    const passed = this.results.filter((r) => r.ok).length;
    const failed = this.results.filter((r) => r.ok === false).length;
    const skipped = this.results.filter((r) => r.skipped).length;
    return { passed, failed, skipped, line: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}` };
  }
}

/** Saves a full-page screenshot as screenshots/<name>.png. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage });
}

/** Polls until `fn` returns a truthy value (or throws the last reason). */
export async function eventually(fn, { timeout = 10_000, interval = 50, message } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = new Error(message || 'condition not met');
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${message || 'timed out'} (after ${timeout} ms): ${last?.message ?? last}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Fails when a page logged errors in the console (see newSession for what is tolerated). */
export function assertNoConsoleErrors(session, label) {
  const errors = session.consoleErrors.splice(0);
  const requests = session.failedRequests.splice(0);
  assert(errors.length === 0, `${label}: console errors:\n  ${errors.join('\n  ')}${requests.length ? `\nfailed requests:\n  ${requests.join('\n  ')}` : ''}`);
}

/** The page must fit its viewport's width without horizontal scrolling. */
export async function assertNoHorizontalOverflow(page, label) {
  const { scroll, client, culprit } = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    let culprit = '';
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 1 && getComputedStyle(el).position !== 'fixed') {
        culprit = `${el.tagName.toLowerCase()}.${String(el.className).slice(0, 80)} (right ${Math.round(r.right)})`;
        break;
      }
    }
    return { scroll: document.documentElement.scrollWidth, client: w, culprit };
  });
  assert(scroll <= client + 1, `${label}: page is ${scroll}px wide in a ${client}px viewport; first overflowing element: ${culprit}`);
}

/** Loads a path and waits until the app has restored the session and shows a page. */
export async function open(page, path) {
  await page.goto(path);
  await page.waitForFunction(() => {
    const t = document.body.innerText;
    return t.length > 0 && !t.includes('Restoring your session');
  }, null, { timeout: 20_000 });
}

/** Waits until the connection badge reports `status` (connected, reconnecting, ...). */
export async function waitForBadge(page, status, timeout = 20_000) {
  const badge = page.getByTestId('connection-badge');
  await eventually(async () => (await badge.getAttribute('data-status')) === status, {
    timeout,
    interval: 25,
    message: `connection badge never said "${status}"`,
  }).catch(async (err) => {
    const label = await badge.getAttribute('aria-label').catch(() => null);
    throw new Error(`${err.message} (badge: "${label}")`);
  });
}

/** Closes every toast on the page (before a screenshot meant for the README). */
export async function dismissToasts(page) {
  const dismiss = page.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: 'Dismiss', exact: true });
  for (let i = 0; i < 10 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 2_000 }).catch(() => {});
  await page.mouse.move(0, 0);
}
