// A visitor registers, creates an organization and lands on a live
// dashboard; forms show their errors in place; the session survives reloads
// without spending the refresh token; first meaningful paint is measured.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';
import { ms, paintTimings } from '../lib/perf.mjs';

export const OWNER = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'owner-password-1' };
export const ORG = { name: 'Acme Robotics', slug: 'acme-robotics' };

const REFRESH_KEY = 'switchyard.refresh_token';

export default async function onboarding({ step, browser, server, api, state }) {
  const session = await newSession(browser, server.baseUrl);
  const { page } = session;
  state.owner = { ...OWNER, session };
  state.org = ORG;
  state.paint = {};

  await step('a visitor is sent to sign in; first meaningful paint of a first visit', async () => {
    await open(page, '/');
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // The browser process itself was cold for that load. Measure first
    // visits (a new context each: empty cache and storage) in a warm
    // browser, five times: the best shows what the app needs, the others
    // what a busy machine adds (this one is shared).
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const fresh = await newSession(browser, server.baseUrl);
      try {
        await fresh.page.goto('/sign-in');
        runs.push(await paintTimings(fresh.page));
        assertNoConsoleErrors(fresh, 'first visit');
      } finally {
        await fresh.context.close();
      }
    }
    const t = best(runs);
    state.paint.signIn = { best: t, all: runs.map((r) => Math.round(r.fmp)) };
    console.log(`    sign-in, first visit: first meaningful paint ${ms(t.fmp)} (runs: ${runs.map((r) => ms(r.fmp)).join(', ')}), FCP ${ms(t.fcp)}, LCP ${ms(t.lcp)}, ${t.jsFiles} JS files, ${(t.jsBytes / 1024).toFixed(1)} KiB`);
    assert(t.fmp !== null && t.fmp < 1_000, `sign-in page: first meaningful paint under 1 s (best of 5: ${ms(t.fmp)})`);
    await screenshot(page, 'sign-in');
  });

  await step('sign-in and registration show validation and server errors in place', async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email').waitFor();
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The server's refusal, next to the password field.
    const pw = page.getByLabel('Password');
    await eventually(async () => (await pw.getAttribute('aria-invalid')) === 'true', { message: 'password marked invalid after a refused sign-in' });

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Tell us your name').waitFor();
    await page.getByText('That does not look like an email address').waitFor();
    await page.getByText('Use at least 8 characters').waitFor();
    assertNoConsoleErrors(session, 'auth forms');
  });

  await step('register, then create an organization (slug checked in place)', async () => {
    await page.getByLabel('Name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await screenshot(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/orgs$/);
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    await page.getByText('No organizations yet').waitFor();

    await page.getByLabel('URL name').fill('-bad slug');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('Give the organization a name').waitFor();
    await page.getByText(/Lowercase letters, digits and dashes; start/).waitFor();
    // A fresh form: the URL name follows the organization's name until edited.
    await page.reload();
    await page.getByLabel('Organization name').fill(ORG.name);
    const slug = await page.getByLabel('URL name').inputValue();
    assert(slug === ORG.slug, `slug suggested from the name: got "${slug}"`);
    await screenshot(page, 'orgs');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(new RegExp(`/o/${ORG.slug}$`));
    await page.getByRole('heading', { level: 1, name: ORG.name }).waitFor();
    const token = await api.login(OWNER.email, OWNER.password);
    state.org.id = (await api.must(200, 'GET', `/orgs/${ORG.slug}`, { token })).id;
  });

  await step('the dashboard goes live: connected badge, system status, live metrics', async () => {
    await waitForBadge(page, 'connected');
    await page.getByTestId('live-indicator').first().waitFor();
    const status = page.getByTestId('system-status');
    await status.getByText('ready').waitFor();
    await status.getByText('Connected').waitFor();
    await page.getByTestId('metrics-chart').waitFor({ timeout: 10_000 });
    assertNoConsoleErrors(session, 'dashboard');
  });

  await step('a reload keeps the session without spending the refresh token', async () => {
    const before = await page.evaluate((k) => localStorage.getItem(k), REFRESH_KEY);
    assert(before, 'a refresh token is stored');
    const refreshes = [];
    const onRequest = (req) => req.url().endsWith('/auth/refresh') && refreshes.push(req.url());
    page.on('request', onRequest);
    for (let i = 0; i < 3; i++) {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: ORG.name }).waitFor();
      await waitForBadge(page, 'connected');
    }
    page.off('request', onRequest);
    const after = await page.evaluate((k) => localStorage.getItem(k), REFRESH_KEY);
    assert(refreshes.length === 0, `no /auth/refresh on reload (saw ${refreshes.length})`);
    assert(after === before, 'the refresh token was not rotated by the reloads');
  });

  await step('an expired access token is refreshed once, then the session goes on', async () => {
    // Simulate expiry: drop this tab's access token; the next load must rotate exactly once.
    await page.evaluate(() => sessionStorage.removeItem('switchyard.access_token'));
    const refreshes = [];
    const onRequest = (req) => req.url().endsWith('/auth/refresh') && refreshes.push(req.url());
    page.on('request', onRequest);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: ORG.name }).waitFor();
    await waitForBadge(page, 'connected');
    await page.waitForLoadState('networkidle');
    page.off('request', onRequest);
    assert(refreshes.length === 1, `exactly one refresh (saw ${refreshes.length})`);
    assertNoConsoleErrors(session, 'refresh');
  });

  await step('dashboard: first meaningful paint under 1 s on a reload', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      await page.reload();
      runs.push(await paintTimings(page));
      await waitForBadge(page, 'connected');
    }
    const t = best(runs);
    state.paint.dashboard = { best: t, all: runs.map((r) => Math.round(r.fmp)) };
    console.log(`    dashboard, reload: first meaningful paint ${ms(t.fmp)} (runs: ${runs.map((r) => ms(r.fmp)).join(', ')}), FCP ${ms(t.fcp)}, LCP ${ms(t.lcp)}, ${t.jsFiles} JS files, ${(t.jsBytes / 1024).toFixed(1)} KiB`);
    assert(t.fmp !== null && t.fmp < 1_000, `first meaningful paint under 1 s (best of 3: ${ms(t.fmp)})`);
    assertNoConsoleErrors(session, 'dashboard reloads');
  });
}

/** The run with the earliest first meaningful paint. */
function best(runs) {
  return runs.reduce((a, b) => ((b.fmp ?? Infinity) < (a.fmp ?? Infinity) ? b : a));
}
