// The owner invites a viewer; the viewer registers from the link, sees no
// install, invite, configure, job or key controls, and the server still
// refuses (403) the install API when the viewer calls it directly.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';

export const VIEWER = { name: 'Victor Viewer', email: 'victor@example.com', password: 'viewer-password-1' };

export default async function viewer({ step, skip, browser, server, api, state }) {
  if (!state.owner || !state.org) return skip('viewer invitation', 'onboarding did not run');
  const ownerSession = state.owner.session;
  const owner = ownerSession.page;
  const slug = state.org.slug;

  await step('the owner invites a viewer (errors in place) and gets a link', async () => {
    await open(owner, `/o/${slug}/members`);
    await owner.getByRole('button', { name: 'Send invite' }).click();
    await owner.getByText('Enter an email address').waitFor();
    await owner.getByLabel('Email').fill(VIEWER.email);
    await owner.getByLabel('Role').selectOption('viewer');
    await owner.getByRole('button', { name: 'Send invite' }).click();
    const link = await owner.getByTestId('invite-link').textContent({ timeout: 10_000 });
    assert(link && link.includes('/invite/'), `invite link shown (got "${link}")`);
    state.inviteUrl = new URL(link.trim(), server.baseUrl);
    await owner.getByRole('list', { name: 'Pending invitations' }).getByText(VIEWER.email).waitFor();
    await screenshot(owner, 'members');
    assertNoConsoleErrors(ownerSession, 'invite');
  });

  const session = await newSession(browser, server.baseUrl);
  const { page } = session;
  state.viewer = { ...VIEWER, session };

  await step('the viewer registers from the link and joins as viewer; the owner sees it live', async () => {
    assert(state.inviteUrl, 'an invite link from the previous step');
    await open(owner, `/o/${slug}`);
    await waitForBadge(owner, 'connected');
    await open(page, state.inviteUrl.pathname);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill(VIEWER.name);
    await page.getByLabel('Email').fill(VIEWER.email);
    await page.getByLabel('Password').fill(VIEWER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/invite\//);
    await page.getByText(/You joined/).waitFor({ timeout: 10_000 });
    await page.getByText(/Your role is Viewer/).waitFor();
    await screenshot(page, 'invite-accepted');
    // The owner's feed says so, live, with the viewer's name.
    await owner.getByTestId('activity-feed').getByText(`${VIEWER.name} joined as viewer`).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Open dashboard' }).click();
    await page.waitForURL(new RegExp(`/o/${slug}$`));
    await page.getByRole('heading', { level: 1, name: state.org.name }).waitFor();
    await waitForBadge(page, 'connected');
  });

  await step('the viewer sees no install, configure, job, invite or key controls', async () => {
    await open(page, `/o/${slug}/plugins?tab=marketplace`);
    await page.getByTestId('market-sync').waitFor();
    assert((await page.getByRole('button', { name: /^Install/ }).count()) === 0, 'no Install button for a viewer');
    assert((await page.getByRole('button', { name: 'Configure' }).count()) === 0, 'no Configure button for a viewer');
    await screenshot(page, 'plugins-viewer');
    await page.getByRole('tab', { name: /Installed/ }).click();
    await page.getByTestId('installed-sync').waitFor();
    assert((await page.getByRole('button', { name: 'Uninstall' }).count()) === 0, 'no Uninstall button for a viewer');

    await open(page, `/o/${slug}/monitoring`);
    await page.getByTestId('job-row').first().waitFor();
    for (const name of ['Start job', /^Cancel/, /^Retry/, 'Sync now']) {
      assert((await page.getByRole('button', { name }).count()) === 0, `no "${name}" button for a viewer`);
    }

    await open(page, `/o/${slug}/members`);
    await page.getByRole('list', { name: 'Members' }).getByText(VIEWER.email).waitFor();
    assert((await page.getByRole('button', { name: 'Send invite' }).count()) === 0, 'no invite form for a viewer');
    assert((await page.getByRole('combobox', { name: /Role of/ }).count()) === 0, 'no role pickers for a viewer');
    assert((await page.getByRole('button', { name: /^Remove / }).count()) === 0, 'no remove buttons for a viewer');

    await open(page, `/o/${slug}/settings`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    assert((await page.getByRole('button', { name: 'New key' }).count()) === 0, 'no API key controls for a viewer');
    assert((await page.getByRole('button', { name: 'Delete organization' }).count()) === 0, 'no delete for a viewer');
    assertNoConsoleErrors(session, 'viewer pages');
  });

  await step('the server refuses the viewer anyway: 403 on install (and on starting a job)', async () => {
    const token = await api.login(VIEWER.email, VIEWER.password);
    const install = await api.call('POST', `/orgs/${slug}/plugins`, { token, body: { name: 'sync', version: '1.0.0' } });
    assert(install.status === 403, `POST /orgs/${slug}/plugins as viewer: expected 403, got ${install.status} ${JSON.stringify(install.body)}`);
    const job = await api.call('POST', `/orgs/${slug}/plugins/sync/jobs`, { token, body: { kind: 'sync', input: { source: 'contacts' } } });
    assert(job.status === 403, `POST /plugins/sync/jobs as viewer: expected 403, got ${job.status}`);
    const invite = await api.call('POST', `/orgs/${slug}/invitations`, { token, body: { email: 'x@example.com', role: 'viewer' } });
    assert(invite.status === 403, `POST /invitations as viewer: expected 403, got ${invite.status}`);
  });

  await step('role changes follow the rules and reach the member live', async () => {
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await open(owner, `/o/${slug}/members`);
    const role = owner.getByRole('combobox', { name: `Role of ${VIEWER.name}` });
    await role.waitFor();
    // The owner's own row offers no role change to a lone owner.
    assert((await owner.getByRole('combobox', { name: /Role of Olivia/ }).count()) === 0, 'the last owner cannot be demoted');
    await role.selectOption('member');
    await owner.getByTestId('toast-success').filter({ hasText: `${VIEWER.name} is now member` }).waitFor();
    // The core tells the member, as a notification of their own.
    await page.getByTestId('toast-info').filter({ hasText: 'Your role changed' }).waitFor({ timeout: 10_000 });
    await eventually(async () => (await page.getByTestId('unread-count').count()) === 1, { message: "the member's bell counts it" });
    await role.selectOption('viewer');
    await owner.getByTestId('toast-success').filter({ hasText: `${VIEWER.name} is now viewer` }).waitFor();
    await screenshot(owner, 'members');
    assertNoConsoleErrors(ownerSession, 'role change');
    assertNoConsoleErrors(session, 'role change, seen by the member');
  });

  await step('a removed member is cut off live', async () => {
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await owner.getByRole('button', { name: `Remove ${VIEWER.name}` }).click();
    await owner.getByRole('dialog', { name: `Remove ${VIEWER.name}?` }).getByRole('button', { name: 'Remove' }).click();
    await owner.getByTestId('toast-success').filter({ hasText: `${VIEWER.name} was removed` }).waitFor();
    assert((await owner.getByRole('list', { name: 'Members' }).getByText(VIEWER.email).count()) === 0, 'gone from the list');
    // The member's open dashboard loses its socket and learns why.
    await page.getByRole('heading', { name: 'Organization not found' }).waitFor({ timeout: 15_000 });
    assertNoConsoleErrors(ownerSession, 'remove');
    assertNoConsoleErrors(session, 'removed, seen by the member');
    await session.context.close();
  });
}
