// Roles on the plugin pages: a viewer (invited and registered over the API)
// opens Files, Analytics and ML, learns that the role cannot open the
// plugins, and sees no upload, panel, training or prediction control; the
// plugins' routes refuse the viewer's token anyway (403).
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, open } from '../lib/harness.mjs';

const VIEWER = { name: 'Vera Viewer', email: 'vera@example.com', password: 'viewer-password-2' };

export default async function pluginRoles({ step, skip, browser, server, api, state }) {
  if (!state.owner || !state.org) return skip('plugin pages for a viewer', 'onboarding did not run');
  const slug = state.org.slug;
  const ownerToken = await api.login(state.owner.email, state.owner.password);
  const installed = (await api.must(200, 'GET', `/orgs/${slug}/plugins`, { token: ownerToken })).items.map((p) => p.name);
  if (!['files', 'analytics', 'ml'].every((p) => installed.includes(p))) return skip('plugin pages for a viewer', 'the plugin scenarios did not run');

  const session = await newSession(browser, server.baseUrl);
  const { page } = session;

  await step('a viewer sees the plugin pages without any write control; the plugins refuse the viewer', async () => {
    const inv = await api.must(201, 'POST', `/orgs/${slug}/invitations`, { token: ownerToken, body: { email: VIEWER.email, role: 'viewer' } });
    const reg = await api.call('POST', '/auth/register', { body: VIEWER });
    assert(reg.status === 201 || reg.status === 200, `register the viewer: ${reg.status} ${JSON.stringify(reg.body)}`);
    const token = await api.login(VIEWER.email, VIEWER.password);
    await api.must(200, 'POST', `/invitations/${inv.token}/accept`, { token });

    await open(page, '/sign-in');
    await page.getByLabel('Email').fill(VIEWER.email);
    await page.getByLabel('Password').fill(VIEWER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));

    for (const [path, heading, plugin] of [
      ['files', 'Files', 'files'],
      ['analytics', 'Analytics', 'analytics'],
      ['ml', 'Machine learning', 'ml'],
    ]) {
      await open(page, `/o/${slug}/${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByTestId('plugin-forbidden').getByText(`Your role cannot open the ${plugin} plugin`).waitFor();
      for (const name of ['Upload files', 'New folder', 'New panel', 'Start training', 'Predict', /^Delete/, /^Cancel/]) {
        assert((await page.getByRole('button', { name }).count()) === 0, `no "${name}" button for a viewer on ${path}`);
      }
      assert((await page.getByRole('link', { name: /marketplace/i }).count()) === 0, `no marketplace link for a viewer on ${path}`);
    }
    for (const [method, route, body] of [
      ['GET', '/plugins/files/http/entries', undefined],
      ['POST', '/plugins/files/http/uploads', { name: 'x.bin', size: 1 }],
      ['GET', '/plugins/analytics/http/panels', undefined],
      ['POST', '/plugins/ml/actions/models', {}],
      ['POST', '/plugins/ml/jobs', { kind: 'train', input: { name: 'x', kind: 'kmeans', dataset: 'points', features: ['x1'], params: { k: 2 } } }],
    ]) {
      const r = await api.call(method, `/orgs/${slug}${route}`, { token, body });
      assert(r.status === 403, `${method} ${route} as a viewer: expected 403, got ${r.status} ${JSON.stringify(r.body)}`);
    }
    assertNoConsoleErrors(session, 'viewer on plugin pages');
  });

  await session.context.close();
}
