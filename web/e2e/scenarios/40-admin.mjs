// The platform admin area: tenants, plugin processes, system facts.
import { newSession } from '../lib/browser.mjs';
import { assertNoConsoleErrors, open, screenshot } from '../lib/harness.mjs';

export default async function admin({ step, browser, server, state, admin: ADMIN }) {
  const session = await newSession(browser, server.baseUrl);
  const { page } = session;

  await step('a platform admin sees tenants and system facts', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await open(page, '/admin');
    await page.getByRole('heading', { level: 1, name: 'Platform admin' }).waitFor();
    if (state.org) await page.getByRole('cell', { name: new RegExp(state.org.name) }).first().waitFor({ timeout: 10_000 });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'admin');
    assertNoConsoleErrors(session, 'admin');
  });
  await session.context.close();
}
