// The notification center receives a notification while the page is open:
// the bell's unread count goes up (live, without a reload), a toast appears,
// the dropdown lists it, and "Mark all read" reaches the server.
import { assert, assertNoConsoleErrors, eventually, open, screenshot } from '../lib/harness.mjs';

/**
 * The API contract has no "create a notification" endpoint: notifications
 * are something the platform sends. These are the ways the suite knows to
 * make it send one, tried in order until someone's unread count goes up.
 * Each returns nothing; success is observed through GET /notifications.
 */
function triggers({ api, slug, ownerToken, viewer }) {
  return [
    {
      name: 'a notification event published with an org API key',
      async run() {
        const key = await api.call('POST', `/orgs/${slug}/api-keys`, {
          token: ownerToken,
          body: { name: 'e2e-notifier', permissions: ['events:publish'] },
        });
        if (key.status !== 201) return `api key: ${key.status}`;
        const r = await api.call('POST', `/orgs/${slug}/events`, {
          token: key.body.key,
          body: { type: 'notification', data: { kind: 'success', title: 'Nightly import finished', message: '1,204 records synced' } },
        });
        return `POST /events: ${r.status}`;
      },
    },
    {
      name: "a change of the viewer's role (and back)",
      async run() {
        if (!viewer?.userId) return 'no viewer';
        const up = await api.call('PATCH', `/orgs/${slug}/members/${viewer.userId}`, { token: ownerToken, body: { role: 'member' } });
        const down = await api.call('PATCH', `/orgs/${slug}/members/${viewer.userId}`, { token: ownerToken, body: { role: 'viewer' } });
        return `PATCH role: ${up.status}/${down.status}`;
      },
    },
  ];
}

const unreadOf = async (api, slug, token) => {
  const r = await api.call('GET', `/orgs/${slug}/notifications`, { token });
  return r.status === 200 ? r.body.unread ?? 0 : null;
};

export default async function notifications({ step, skip, api, state }) {
  if (!state.owner || !state.org) return skip('notification center', 'onboarding did not run');
  const slug = state.org.slug;

  await step('the notification center receives a notification', async () => {
    const ownerToken = await api.login(state.owner.email, state.owner.password);
    const people = [{ who: 'owner', session: state.owner.session, token: ownerToken }];
    if (state.viewer) {
      const token = await api.login(state.viewer.email, state.viewer.password);
      const me = await api.call('GET', '/me', { token });
      state.viewer.userId = me.body?.id;
      people.push({ who: 'viewer', session: state.viewer.session, token });
    }
    // Open every dashboard first: the notification must arrive live.
    for (const p of people) {
      await open(p.session.page, `/o/${slug}`);
      await p.session.page.getByTestId('notification-bell').waitFor();
      p.before = await unreadOf(api, slug, p.token);
      await eventually(async () => (await p.session.page.getByTestId('connection-badge').getAttribute('data-status')) === 'connected', {
        timeout: 10_000,
      }).catch(() => console.log(`    (${p.who}'s socket is not connected; relying on polling or REST)`));
    }
    assert(people.every((p) => p.before !== null), 'GET /orgs/{org}/notifications answers');

    let got = null;
    const tried = [];
    for (const t of triggers({ api, slug, ownerToken, viewer: state.viewer })) {
      const outcome = await t.run();
      got = await eventually(
        async () => {
          for (const p of people) if ((await unreadOf(api, slug, p.token)) > p.before) return p;
          return null;
        },
        { timeout: 3_000 },
      ).catch(() => null);
      tried.push(`${t.name} -> ${outcome}${got ? ` -> ${got.who} notified` : ''}`);
      if (got) break;
    }
    console.log(`    ${tried.join('\n    ')}`);
    assert(got, 'the server sent no notification for any known trigger (see above)');

    const page = got.session.page;
    // Live: a toast, and the bell counts it without a reload.
    await page.locator('[data-testid^="toast-"]').first().waitFor({ timeout: 10_000 });
    await eventually(async () => Number((await page.getByTestId('unread-count').textContent()) ?? 0) > got.before, {
      message: 'bell shows the new unread count',
    });
    await screenshot(page, 'notification-toast');
    await page.getByTestId('notification-bell').click();
    const items = page.getByTestId('notification-item');
    await items.first().waitFor();
    await screenshot(page, 'notifications');

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await eventually(async () => (await page.getByTestId('unread-count').count()) === 0, { message: 'unread count cleared' });
    assert((await unreadOf(api, slug, got.token)) === 0, 'the server agrees everything is read');
    assertNoConsoleErrors(got.session, 'notifications');
  });
}
