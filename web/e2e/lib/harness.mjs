// A deliberately small scenario runner: scenarios run in order and share
// state (the users and org created by earlier ones), each gets a name, a
// timing, and a screenshot helper. The summary line "N passed, N failed" is
// what CI reads.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openPages } from './browser.mjs';

export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

export class Harness {
  constructor() {
    this.results = [];
    this.state = {};
  }

  async run(name, fn) {
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
export async function screenshot(page, name) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Polls until `fn` returns a truthy value (or throws the last reason). */
export async function eventually(fn, { timeout = 10_000, interval = 100, message } = {}) {
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
    if (Date.now() > deadline) throw new Error(`${message || 'timed out'}: ${last?.message ?? last}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Fails when the page logged real errors (not expected failed requests). */
export function assertNoConsoleErrors(session, label) {
  assert(session.consoleErrors.length === 0, `${label}: console errors:\n${session.consoleErrors.join('\n')}`);
}

/** The page must fit a narrow viewport without horizontal scrolling. */
export async function assertNoHorizontalOverflow(page, label) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert(scroll <= client + 1, `${label}: page is ${scroll}px wide in a ${client}px viewport`);
}

/**
 * Navigates with a full page load and waits until the app has restored the
 * session and gone quiet. Loading a page spends the refresh token (it
 * rotates); navigating away while that refresh is in flight would lose the
 * new token and, with reuse detection, end the session. Real users can hit
 * that too (see the web report); the suite must not do it by accident.
 */
export async function open(page, path) {
  await page.goto(path);
  await page.waitForFunction(() => !document.body.innerText.includes('Restoring your session'), null, { timeout: 15_000 });
  await page.waitForLoadState('networkidle');
}
