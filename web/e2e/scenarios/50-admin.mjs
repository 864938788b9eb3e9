// The platform admin area: system facts, tenants (suspend and resume, seen
// by the organization's own members) and plugin processes.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';

export default async function admin({ step, skip, browser, server, state, admin: ADMIN }) {
  if (!state.org) return skip('admin area', 'onboarding did not run');
  const session = await newSession(browser, server.baseUrl);
  const { page } = session;
  const owner = state.owner.session;
  const slug = state.org.slug;

  await step('a platform admin sees system facts, tenants and the sync plugin process', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { level: 1, name: 'Platform admin' }).waitFor();
    await page.getByText('Database ok').waitFor();
    const tenant = page.getByTestId(`tenant-${slug}`);
    await tenant.getByText(state.org.name).waitFor();
    await tenant.getByText('active').waitFor();
    const proc = page.getByTestId('process-sync');
    await proc.getByText('running').waitFor({ timeout: 15_000 });
    const cells = await proc.getByRole('cell').allTextContents();
    assert(/^\d+$/.test(cells[2].trim()) && Number(cells[2]) > 0, `the process has a pid (row: ${cells.join(' | ')})`);
    assert(cells[4].trim() === '1', `the process serves one organization (row: ${cells.join(' | ')})`);
    await screenshot(page, 'admin');
    assertNoConsoleErrors(session, 'admin');
  });

  await step('suspending a tenant cuts its members off; resuming lets them back', async () => {
    await open(owner.page, `/o/${slug}`);
    await waitForBadge(owner.page, 'connected');

    const tenant = page.getByTestId(`tenant-${slug}`);
    await tenant.getByRole('button', { name: `Suspend ${state.org.name}` }).click();
    const confirm = page.getByRole('dialog', { name: `Suspend ${state.org.name}?` });
    await confirm.getByLabel('Reason (optional)').fill('Billing overdue');
    await confirm.getByRole('button', { name: 'Suspend' }).click();
    await tenant.getByText('suspended').waitFor();
    await tenant.getByText('Billing overdue').waitFor();
    await page.getByTestId('toast-success').filter({ hasText: `${state.org.name} suspended` }).waitFor();

    // The owner's open dashboard loses its socket and says why, without a reload.
    await owner.page.getByTestId('org-suspended').waitFor({ timeout: 15_000 });
    await screenshot(owner.page, 'org-suspended', { fullPage: false });

    await tenant.getByRole('button', { name: `Resume ${state.org.name}` }).click();
    await page.getByRole('dialog', { name: `Resume ${state.org.name}?` }).getByRole('button', { name: 'Resume' }).click();
    await tenant.getByText('active').waitFor();

    await open(owner.page, `/o/${slug}`);
    await owner.page.getByRole('heading', { level: 1, name: state.org.name }).waitFor();
    await waitForBadge(owner.page, 'connected');
    await eventually(async () => (await owner.page.getByTestId('org-suspended').count()) === 0, { message: 'the suspended notice is gone' });
    assertNoConsoleErrors(session, 'suspend and resume');
    assertNoConsoleErrors(owner, 'the suspended org, seen by its owner');
  });
  await session.context.close();
}
