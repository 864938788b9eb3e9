// The owner invites a viewer; the viewer accepts via the link, sees no
// install/invite controls, and the install API answers 403 when called directly.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, eventually, open, screenshot } from '../lib/harness.mjs';

export const VIEWER = { name: 'Victor Viewer', email: 'victor@example.com', password: 'viewer-password-1' };

export default async function viewer({ step, skip, browser, server, api, state }) {
  if (!state.owner || !state.org) return skip('viewer invitation', 'onboarding did not run');
  const owner = state.owner.session.page;
  const slug = state.org.slug;

  await step('the owner invites a viewer and gets a link', async () => {
    await open(owner, `/o/${slug}/members`);
    await owner.getByLabel('Email').fill(VIEWER.email);
    await owner.getByLabel('Role').selectOption('viewer');
    await owner.getByRole('button', { name: 'Send invite' }).click();
    const link = await owner.getByTestId('invite-link').textContent({ timeout: 10_000 });
    assert(link && link.includes('/invite/'), `invite link shown (got "${link}")`);
    state.inviteUrl = new URL(link.trim(), server.baseUrl);
    await owner.getByRole('list', { name: 'Pending invitations' }).getByText(VIEWER.email).waitFor();
    await screenshot(owner, 'members-invited');
  });

  const session = await newSession(browser, server.baseUrl);
  const { page } = session;
  state.viewer = { ...VIEWER, session };

  await step('the viewer registers from the link and joins as viewer', async () => {
    assert(state.inviteUrl, 'an invite link from the previous step');
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
    await page.getByRole('link', { name: 'Open dashboard' }).click();
    await page.waitForURL(new RegExp(`/o/${slug}$`));
    await page.getByRole('heading', { name: state.org.name }).waitFor();
  });

  await step('the viewer sees no install, invite or key controls', async () => {
    await open(page, `/o/${slug}/plugins`);
    await page.getByRole('heading', { level: 1, name: 'Plugins' }).waitFor();
    await page.getByRole('tab', { name: 'Marketplace' }).click();
    await page.waitForLoadState('networkidle');
    assert((await page.getByRole('button', { name: 'Install' }).count()) === 0, 'no Install button for a viewer');
    await screenshot(page, 'plugins-viewer');

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

  await step('the install API answers 403 to the viewer', async () => {
    const token = await api.login(VIEWER.email, VIEWER.password);
    const r = await api.call('POST', `/orgs/${slug}/plugins`, { token, body: { name: 'sync', version: '1.0.0' } });
    assert(r.status === 403, `POST /orgs/${slug}/plugins as viewer: expected 403, got ${r.status} ${JSON.stringify(r.body)}`);
  });

  await step('the owner sees the viewer as a member', async () => {
    await open(owner, `/o/${slug}/members`);
    await eventually(async () => (await owner.getByRole('list', { name: 'Members' }).getByText(VIEWER.email).count()) === 1, {
      message: 'viewer listed for the owner',
    });
  });
}
