// Register -> create an org -> the dashboard shows a live ("Connected") badge.
// Then a tour of every org page for screenshots, and the 375 px layout.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, assertNoHorizontalOverflow, eventually, open, screenshot } from '../lib/harness.mjs';
import { ms, paintTimings } from '../lib/perf.mjs';

export const OWNER = { name: 'Olivia Owner', email: 'olivia@example.com', password: 'owner-password-1' };
export const ORG = { name: 'Acme Robotics', slug: 'acme-robotics' };

export default async function onboarding({ step, browser, server, state }) {
  const session = await newSession(browser, server.baseUrl);
  const { page } = session;
  state.owner = { ...OWNER, session };
  state.org = ORG;

  await step('a visitor is sent to sign in; first meaningful paint is measured', async () => {
    await open(page, '/');
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const t = await paintTimings(page);
    console.log(`    sign-in: FCP ${ms(t.fcp)}, first meaningful paint ${ms(t.fmp)}, LCP ${ms(t.lcp)}, JS ${(t.jsBytes / 1024).toFixed(1)} KiB transferred`);
    await screenshot(page, 'sign-in');
  });

  await step('register, then create an organization', async () => {
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await screenshot(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/orgs$/);
    await page.getByLabel('Organization name').fill(ORG.name);
    const slug = await page.getByLabel('URL name').inputValue();
    assert(slug === ORG.slug, `slug suggested from the name: got "${slug}"`);
    await screenshot(page, 'orgs');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(new RegExp(`/o/${ORG.slug}$`));
    await page.getByRole('heading', { name: ORG.name }).waitFor();
  });

  await step('the dashboard shows the connected badge', async () => {
    const badge = page.getByTestId('connection-badge');
    await eventually(async () => (await badge.getAttribute('data-status')) === 'connected', {
      timeout: 15_000,
      message: 'connection badge never said connected',
    }).catch(async (err) => {
      const label = await badge.getAttribute('aria-label');
      throw new Error(`${err.message} (badge: "${label}")`);
    });
    assert((await badge.getAttribute('aria-label'))?.includes('Connected'), 'badge label says Connected');
    await page.getByTestId('live-indicator').first().waitFor();
    await screenshot(page, 'dashboard');
  });

  await step('dashboard first meaningful paint on a fresh load', async () => {
    await page.reload();
    const t = await paintTimings(page);
    console.log(`    dashboard: FCP ${ms(t.fcp)}, first meaningful paint ${ms(t.fmp)}, LCP ${ms(t.lcp)}, JS ${(t.jsBytes / 1024).toFixed(1)} KiB transferred`);
    assert(t.fmp !== null && t.fmp < 5_000, `first meaningful paint under 5 s (got ${ms(t.fmp)})`);
  });

  await step('every org page renders (screenshots)', async () => {
    for (const [path, heading, shot] of [
      ['monitoring', 'Monitoring', 'monitoring'],
      ['plugins', 'Plugins', 'plugins'],
      ['members', 'Members', 'members'],
      ['settings', 'Settings', 'settings'],
    ]) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: heading }).click();
      await page.waitForURL(new RegExp(`/o/${ORG.slug}/${path}$`));
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      // README images must show a working page: an error alert on it (an
      // endpoint the server lacks) gets a different name.
      const broken = (await page.getByRole('main').getByRole('alert').count()) > 0;
      await screenshot(page, broken ? `${shot}-with-errors` : shot);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    assertNoConsoleErrors(session, 'owner pages');
  });

  await step('the dashboard fits a 375 px screen', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await open(page, `/o/${ORG.slug}`);
    await page.getByRole('heading', { name: ORG.name }).waitFor();
    await page.waitForLoadState('networkidle');
    await assertNoHorizontalOverflow(page, 'dashboard at 375 px');
    await screenshot(page, 'dashboard-mobile');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).waitFor();
    await screenshot(page, 'navigation-mobile');
    await page.setViewportSize({ width: 1280, height: 860 });
    await open(page, `/o/${ORG.slug}`);
    assertNoConsoleErrors(session, 'mobile');
  });
}
