// The Files page with the real files plugin: installed from the marketplace
// (the page links there while it is missing), a folder created (a name that
// climbs out of the tree and a taken one refused in place), a 5 MiB file
// uploaded through the page's file input with the resumable protocol in
// 1 MiB chunks (progress bar to 100 %), listed with its size, downloaded by
// the browser itself from a single-use link, byte for byte (SHA-256),
// renamed, deleted to the trash and restored; an upload over the quota
// refused with the plugin's reason; one under a taken name refused, then
// replacing the file when asked; the page at 375 px.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assert, assertNoConsoleErrors, assertNoHorizontalOverflow, dismissToasts, eventually, open, screenshot } from '../lib/harness.mjs';

const MiB = 1024 * 1024;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

export default async function files({ step, skip, api, state }) {
  if (!state.owner || !state.org) return skip('files', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const data = randomBytes(5 * MiB + 12_345);
  const fileRow = (name) => page.getByTestId('file-row').and(page.locator(`[data-name="${name}"]`));

  await step('the Files page says the plugin is missing and links to the marketplace; it is installed there', async () => {
    await open(page, `/o/${slug}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files' }).click();
    await page.getByRole('heading', { level: 1, name: 'Files' }).waitFor();
    await page.getByTestId('plugin-missing').getByText('The files plugin is not installed in this organization').waitFor();
    await page.getByRole('link', { name: 'Install it from the marketplace' }).click();
    await page.waitForURL(/\/plugins\?tab=marketplace/);
    const card = page.getByTestId('market-files');
    await card.getByRole('button', { name: 'Install files' }).click();
    await card.getByText('Installed v1.0.0').waitFor({ timeout: 60_000 });
    await card.getByTestId('plugin-status').filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files' }).click();
    await page.getByText('No files yet').waitFor();
    await page.getByTestId('files-usage').getByText('0 B').waitFor();
    assertNoConsoleErrors(session, 'install files');
  });

  await step('a folder is created; "../../etc/passwd" and a taken name are refused in place', async () => {
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    const name = dialog.getByLabel('Name');
    await name.fill('../../etc/passwd');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await dialog.getByText('A name cannot contain / or \\: it names one file or folder, not a path').waitFor();
    assert((await name.getAttribute('aria-invalid')) === 'true', 'the name field is marked invalid');
    // The plugin refuses it too, whoever asks.
    const direct = await api.call('POST', `/orgs/${slug}/plugins/files/http/folders`, { token, body: { name: '../../etc/passwd' } });
    assert(direct.status === 400 && direct.body?.error?.field === 'name', `the plugin refuses the name: ${direct.status} ${JSON.stringify(direct.body)}`);
    const climb = await api.call('POST', `/orgs/${slug}/plugins/files/http/uploads`, { token, body: { path: '../../etc/passwd', size: 1 } });
    assert(climb.status === 400 && climb.body?.error?.field === 'path', `and a path that climbs: ${climb.status} ${JSON.stringify(climb.body)}`);

    await name.fill('reports');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'Folder reports created' }).waitFor();
    await dialog.waitFor({ state: 'detached' });
    await fileRow('reports').waitFor();

    // The same name again: the plugin's conflict, next to the field.
    await page.getByRole('button', { name: 'New folder' }).click();
    await dialog.getByLabel('Name').fill('reports');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await dialog.getByText('Folder "reports" exists already').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await fileRow('reports').getByRole('button', { name: 'reports', exact: true }).click();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByText('reports').waitFor();
    await page.getByText('This folder is empty').waitFor();
    assert(new URL(page.url()).searchParams.get('path') === '/reports', `the folder is in the URL (${page.url()})`);
    assertNoConsoleErrors(session, 'folders');
  });

  await step('a 5 MiB file goes up in 1 MiB chunks: the progress bar reaches 100 % and it is listed with its size', async () => {
    const offsets = [];
    const onRequest = (req) => {
      if (req.method() === 'PATCH' && /\/plugins\/files\/http\/uploads\//.test(req.url())) offsets.push(Number(req.headers()['upload-offset']));
    };
    page.on('request', onRequest);
    const seen = new Set();
    try {
      await page.getByTestId('file-input').setInputFiles({ name: 'telemetry.bin', mimeType: 'application/octet-stream', buffer: data });
      const transfer = page.getByTestId('transfer').and(page.locator('[data-name="telemetry.bin"]'));
      const bar = transfer.getByRole('progressbar', { name: 'Upload of telemetry.bin' });
      await eventually(
        async () => {
          const v = await bar.getAttribute('aria-valuenow');
          seen.add(Number(v));
          return v === '100';
        },
        { timeout: 60_000, interval: 10, message: 'upload progress at 100 %' },
      );
      await eventually(async () => (await transfer.getAttribute('data-status')) === 'completed', { message: 'upload completed' });
    } finally {
      page.off('request', onRequest);
    }
    const chunks = Math.ceil(data.length / MiB);
    assert(offsets.length === chunks, `${chunks} PATCH requests of 1 MiB (saw ${offsets.length}: ${offsets.join(', ')})`);
    assert(offsets.every((o, i) => o === i * MiB), `each chunk starts where the last ended (${offsets.join(', ')})`);
    console.log(`    ${chunks} chunks; progress values seen: ${[...seen].sort((a, b) => a - b).join(', ')}`);
    const row = fileRow('telemetry.bin');
    await row.getByTestId('file-size').filter({ hasText: '5.0 MiB' }).waitFor();
    await page.getByTestId('files-usage').getByTestId('usage-used').filter({ hasText: '5.0 MiB' }).waitFor();
    await dismissToasts(page);
    await screenshot(page, 'files');
    assertNoConsoleErrors(session, 'upload');
  });

  await step('the browser downloads the file itself from a single-use link, with the same bytes (SHA-256)', async () => {
    // The bytes go to the browser's downloads, not through the page's
    // memory: no script fetches them, and the link opens once only.
    const fetched = [];
    const onRequest = (req) => {
      if (req.url().includes('/content') && ['fetch', 'xhr'].includes(req.resourceType())) fetched.push(req.url());
    };
    page.on('request', onRequest);
    const [download] = await Promise.all([page.waitForEvent('download'), fileRow('telemetry.bin').getByRole('button', { name: 'Download telemetry.bin' }).click()]);
    page.off('request', onRequest);
    assert(fetched.length === 0, `the page fetched the bytes itself: ${fetched.join(', ')}`);
    assert(download.suggestedFilename() === 'telemetry.bin', `saved as telemetry.bin (got ${download.suggestedFilename()})`);
    const link = new URL(download.url());
    assert(/\/orgs\/[^/]+\/plugins\/files\/http\/files\/[^/]+\/content$/.test(link.pathname), `downloaded from the files route (got ${link.pathname})`);
    assert(link.searchParams.get('ticket'), 'the link carries a ticket, not the access token');
    const again = await fetch(download.url());
    assert(again.status === 401, `the link opens once only (a second GET answered ${again.status})`);
    const got = readFileSync(await download.path());
    assert(got.length === data.length, `${data.length} bytes downloaded (got ${got.length})`);
    assert(sha256(got) === sha256(data), 'the SHA-256 of the download is the upload\'s');
    const listed = await api.must(200, 'GET', `/orgs/${slug}/plugins/files/http/entries?path=/reports`, { token });
    assert(listed.items[0]?.sha256 === sha256(data), 'the plugin computed the same SHA-256');
    await page.getByTestId('transfer').and(page.locator('[data-kind="download"]')).and(page.locator('[data-status="completed"]')).waitFor();
    assertNoConsoleErrors(session, 'download');
  });

  await step('rename, delete to the trash, restore', async () => {
    await fileRow('telemetry.bin').getByRole('button', { name: 'Rename telemetry.bin' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename telemetry.bin' });
    await dialog.getByLabel('Name').fill('telemetry-2026.bin');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'Renamed to telemetry-2026.bin' }).waitFor();
    await fileRow('telemetry-2026.bin').waitFor();
    assert((await fileRow('telemetry.bin').count()) === 0, 'the old name is gone');

    await fileRow('telemetry-2026.bin').getByRole('button', { name: 'Delete telemetry-2026.bin' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'telemetry-2026.bin moved to the trash' }).waitFor();
    await page.getByText('This folder is empty').waitFor();
    await page.getByRole('tab', { name: 'Trash (1)' }).click();
    const trashed = page.getByTestId('trash-row').and(page.locator('[data-name="telemetry-2026.bin"]'));
    await trashed.getByText('was /reports/telemetry-2026.bin').waitFor();
    await screenshot(page, 'files-trash');
    await trashed.getByRole('button', { name: 'Restore telemetry-2026.bin' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'telemetry-2026.bin restored' }).waitFor();
    await page.getByText('The trash is empty').waitFor();
    await page.getByRole('tab', { name: 'Files' }).click();
    await fileRow('telemetry-2026.bin').getByTestId('file-size').filter({ hasText: '5.0 MiB' }).waitFor();
    assertNoConsoleErrors(session, 'rename, trash, restore');
  });

  await step('an upload over the quota is refused with the reason', async () => {
    await api.must(200, 'PUT', `/orgs/${slug}/plugins/files/config`, { token, body: { config: { quota_bytes: 8 * MiB } } });
    await page.getByTestId('file-input').setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(4 * MiB) });
    const transfer = page.getByTestId('transfer').and(page.locator('[data-name="too-big.bin"]'));
    await eventually(async () => (await transfer.getAttribute('data-status')) === 'failed', { message: 'the upload was refused' });
    await transfer.getByRole('alert').filter({ hasText: /^Storage quota exceeded: \d+ bytes do not fit/ }).waitFor();
    await page.getByTestId('files-usage').getByText('of 8.0 MiB used').waitFor();
    await transfer.getByRole('button', { name: 'Dismiss too-big.bin' }).click();
    await transfer.waitFor({ state: 'detached' });
    await api.must(200, 'PUT', `/orgs/${slug}/plugins/files/config`, { token, body: { config: {} } });
    assertNoConsoleErrors(session, 'quota');
  });

  await step('an upload under a name that exists is refused, then replaces the file when asked', async () => {
    const small = randomBytes(100 * 1024);
    await page.getByTestId('file-input').setInputFiles({ name: 'telemetry-2026.bin', mimeType: 'application/octet-stream', buffer: small });
    const transfer = page.getByTestId('transfer').and(page.locator('[data-name="telemetry-2026.bin"]')).and(page.locator('[data-kind="upload"]'));
    await eventually(async () => (await transfer.getAttribute('data-status')) === 'failed', { message: 'the upload was refused' });
    await transfer.getByRole('alert').filter({ hasText: 'File "telemetry-2026.bin" exists already' }).waitFor();
    await transfer.getByRole('button', { name: 'Replace it' }).click();
    await eventually(async () => (await transfer.getAttribute('data-status')) === 'completed', { message: 'the replacement completed' });
    await fileRow('telemetry-2026.bin').getByTestId('file-size').filter({ hasText: '100.0 KiB' }).waitFor();
    const listed = await api.must(200, 'GET', `/orgs/${slug}/plugins/files/http/entries?path=/reports`, { token });
    assert(listed.items.length === 1 && listed.items[0].sha256 === sha256(small), 'one file, with the new bytes');
    assertNoConsoleErrors(session, 'replace');
  });

  await step('the Files page fits 375 px and works from the keyboard', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      await open(page, `/o/${slug}/files?path=/reports`);
      await fileRow('telemetry-2026.bin').waitFor();
      await page.waitForLoadState('networkidle');
      await assertNoHorizontalOverflow(page, 'files at 375 px');
      await screenshot(page, 'files-mobile');
      // Tab reaches the row's actions; they name their file.
      await page.getByRole('button', { name: 'Rename telemetry-2026.bin' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Rename telemetry-2026.bin' }).waitFor();
      assert(await page.getByRole('dialog').getByLabel('Name').evaluate((el) => el === document.activeElement), 'the dialog focuses the name');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
    assertNoConsoleErrors(session, 'files mobile');
  });
}
