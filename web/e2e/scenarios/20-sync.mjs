// Install the sync plugin from the marketplace, configure two sources with
// the form generated from its config schema, sync a CSV file (progress to
// 100 %, a success notification), then an HTTP source that the suite holds
// part-way: cancel it, retry it, watch it finish.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';

const ROWS = 2_000;

export default async function sync({ step, skip, server, source, state }) {
  if (!state.owner || !state.org?.id) return skip('sync plugin', 'onboarding did not run');
  const { page } = state.owner.session;
  const session = state.owner.session;
  const slug = state.org.slug;

  await step('the owner installs the sync plugin from the marketplace; its status is live', async () => {
    await open(page, `/o/${slug}/plugins`);
    await page.getByText('No plugins installed').waitFor();
    await page.getByRole('button', { name: 'Browse the marketplace' }).click();
    const card = page.getByTestId('market-sync');
    await card.waitFor();
    await screenshot(page, 'plugins-marketplace');
    await card.getByRole('button', { name: 'Install sync' }).click();
    // Install verifies, copies and starts the plugin before it answers.
    await card.getByText('Installed v1.0.0').waitFor({ timeout: 60_000 });
    await page.getByTestId('toast-success').filter({ hasText: 'sync installed' }).waitFor();
    await card.getByTestId('plugin-status').filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: /Installed \(1\)/ }).click();
    await page.getByTestId('installed-sync').getByTestId('plugin-status').filter({ hasText: 'running' }).waitFor();
    assertNoConsoleErrors(session, 'install');
  });

  await step('sources are configured through the schema form, with errors in place', async () => {
    await page.getByTestId('installed-sync').getByRole('button', { name: 'Configure' }).click();
    const dialog = page.getByRole('dialog', { name: 'Configure sync' });
    await dialog.getByText('No sources yet.').waitFor();

    await dialog.getByRole('button', { name: 'Add source' }).click();
    const first = dialog.getByRole('group', { name: /^Source 1/ });
    await first.getByLabel('Name').fill('Contacts');
    await first.getByLabel('Type').selectOption('file');
    // The type switch shows the file settings only.
    await first.getByRole('group', { name: 'File settings' }).waitFor();
    assert((await first.getByRole('group', { name: 'Http settings' }).count()) === 0, 'no HTTP settings for a file source');
    await first.getByLabel('Key').fill('id');
    await dialog.getByRole('button', { name: 'Save configuration' }).click();
    // Checked before sending, next to the field: the name's format.
    await first.getByText('Lowercase letters, digits, - and _; start with a letter').waitFor();
    await first.getByLabel('Name').fill('contacts');
    await first.getByRole('group', { name: 'File settings' }).getByLabel('Path').fill('contacts.csv');

    await dialog.getByRole('button', { name: 'Add source' }).click();
    const second = dialog.getByRole('group', { name: /^Source 2/ });
    await second.getByLabel('Name').fill('crm');
    await second.getByLabel('Type').selectOption('http');
    const http = second.getByRole('group', { name: 'Http settings' });
    await http.getByLabel('Url').fill(source.url);
    await http.getByLabel('Items path').fill('data');
    await http.getByLabel('Total path').fill('meta.total');
    const paging = http.getByRole('group', { name: 'Pagination' });
    await paging.getByLabel('Type').selectOption('page');
    await paging.getByLabel('Size', { exact: true }).fill('50');
    await second.getByLabel('Interval').fill('soon');
    await dialog.getByRole('button', { name: 'Save configuration' }).click();
    await second.getByText('A duration such as 30s, 15m or 1h30m').waitFor();
    await second.getByLabel('Interval').fill('');
    await screenshot(page, 'plugin-config');
    await dialog.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'sync configuration saved' }).waitFor();
    await dialog.waitFor({ state: 'detached' });
    assertNoConsoleErrors(session, 'configure');
  });

  await step('a CSV file syncs: the progress bar reaches 100 % and a success notification arrives', async () => {
    const dir = join(server.dataDir, 'files', state.org.id);
    mkdirSync(dir, { recursive: true });
    const lines = ['id,name,email'];
    for (let i = 1; i <= ROWS; i++) lines.push(`${i},Contact ${i},contact${i}@example.com`);
    writeFileSync(join(dir, 'contacts.csv'), `${lines.join('\n')}\n`);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).click();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    await waitForBadge(page, 'connected');
    const row = page.getByTestId('source-contacts');
    await row.waitFor();
    await page.getByTestId('source-crm').waitFor();
    const unreadBefore = Number((await page.getByTestId('unread-count').textContent({ timeout: 500 }).catch(() => '0')) || 0);

    await row.getByRole('button', { name: 'Sync now' }).click();
    const job = page.getByTestId('job-row').filter({ hasText: 'contacts' }).first();
    await job.waitFor();
    const bar = job.getByRole('progressbar');
    await eventually(async () => (await bar.getAttribute('aria-valuenow')) === '100', { timeout: 30_000, message: 'progress bar at 100' });
    await eventually(async () => (await job.getAttribute('data-status')) === 'succeeded', { timeout: 15_000, message: 'job succeeded' });
    await job.getByText(`${ROWS.toLocaleString('en-US')} / ${ROWS.toLocaleString('en-US')} items`).waitFor();
    await page.getByTestId('toast-success').filter({ hasText: 'Sync of contacts finished' }).waitFor({ timeout: 15_000 });
    await eventually(async () => Number((await page.getByTestId('unread-count').textContent()) || 0) > unreadBefore, {
      message: 'the bell counts the new notification',
    });
    assertNoConsoleErrors(session, 'file sync');
  });

  await step('an HTTP source held part-way: live progress, cancel, retry, finish', async () => {
    source.close(); // page 1 is served, the rest wait
    const row = page.getByTestId('source-crm');
    await row.getByRole('button', { name: 'Sync now' }).click();
    const job = page.getByTestId('job-row').filter({ hasText: 'crm' }).first();
    await job.waitFor();
    const bar = job.getByRole('progressbar');
    // The first page (50 of 600 records) arrived; the second is held.
    await eventually(async () => Number(await bar.getAttribute('aria-valuenow')) > 0, { timeout: 20_000, message: 'progress above 0' });
    assert((await job.getAttribute('data-status')) === 'running', 'running while held');
    assert(Number(await bar.getAttribute('aria-valuenow')) < 100, 'not finished while held');
    await job.getByText(`50 / ${source.total} items`).waitFor();
    // The README's Monitoring image: live progress, without the toasts over it.
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while ((await dismiss.count()) > 0) await dismiss.first().click({ timeout: 2_000 }).catch(() => {});
    await page.mouse.move(0, 0);
    await screenshot(page, 'monitoring');

    await job.getByRole('button', { name: /^Cancel/ }).click();
    await eventually(async () => (await job.getAttribute('data-status')) === 'cancelled', { timeout: 20_000, message: 'job cancelled' });
    const retry = job.getByRole('button', { name: /^Retry/ });
    await retry.waitFor({ timeout: 10_000 });
    source.open();
    await retry.click();
    await eventually(async () => (await bar.getAttribute('aria-valuenow')) === '100' && (await job.getAttribute('data-status')) === 'succeeded', {
      timeout: 30_000,
      message: 'retried job reached 100 % and succeeded',
    });
    await job.getByText('attempt 2').waitFor();
    await page.getByTestId('toast-success').filter({ hasText: 'Sync of crm finished' }).waitFor({ timeout: 15_000 });
    assertNoConsoleErrors(session, 'http sync');
  });
}
