// The notification center: notifications published to the org arrive live
// (a toast that hides after 5 s, the bell's unread count), the dropdown
// lists them with their kind, "Mark read" and "Mark all read" reach the
// server, and it all works from the keyboard.
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';

const unreadOf = async (api, slug, token) => (await api.must(200, 'GET', `/orgs/${slug}/notifications`, { token })).unread;

export default async function notifications({ step, skip, api, state }) {
  if (!state.owner || !state.org) return skip('notification center', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const me = await api.must(200, 'GET', '/me', { token });
  const notify = (kind, title, message) =>
    api.publish(slug, token, [{ type: 'notification', target_user_id: me.id, data: { kind, title, message } }]);

  await step('a live notification shows a toast that hides after 5 s, and counts on the bell', async () => {
    // Start from zero so the counts below are exact.
    await api.must(204, 'POST', `/orgs/${slug}/notifications/read-all`, { token });
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await eventually(async () => (await page.getByTestId('unread-count').count()) === 0, { message: 'no unread count to begin with' });
    // Record when toasts appear and disappear, in the page's own clock.
    await page.evaluate(() => {
      const w = window;
      w.__toasts = {};
      const seen = (el) => el.matches?.('[data-testid^="toast-"]');
      new MutationObserver((list) => {
        const now = performance.now();
        for (const m of list) {
          m.addedNodes.forEach((n) => seen(n) && (w.__toasts[n.textContent] = { shown: now }));
          m.removedNodes.forEach((n) => seen(n) && w.__toasts[n.textContent] && (w.__toasts[n.textContent].hidden = now));
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    await notify('success', 'Nightly import finished', '1,204 records synced');
    const toast = page.getByTestId('toast-success').filter({ hasText: 'Nightly import finished' });
    await toast.waitFor({ timeout: 10_000 });
    await eventually(async () => (await page.getByTestId('unread-count').textContent()) === '1', { message: 'bell shows 1 unread' });
    await screenshot(page, 'notification-toast', { fullPage: false });
    await toast.waitFor({ state: 'detached', timeout: 10_000 });
    const shownFor = await page.evaluate(() => {
      const t = Object.entries(window.__toasts).find(([k]) => k.includes('Nightly import finished'))?.[1];
      return t && t.hidden ? t.hidden - t.shown : null;
    });
    console.log(`    toast visible for ${Math.round(shownFor)} ms`);
    assert(shownFor !== null && shownFor >= 4_800 && shownFor <= 6_500, `toast hides after about 5 s (was visible ${Math.round(shownFor)} ms)`);
  });

  await step('the center lists them by kind; mark read and mark all read reach the server', async () => {
    await notify('warning', 'Disk almost full', 'The files volume is at 91 %.');
    await notify('error', 'Sync of billing failed', 'The source answered 503 three times.');
    await eventually(async () => (await page.getByTestId('unread-count').textContent()) === '3', { message: 'bell shows 3 unread' });
    assert((await unreadOf(api, slug, token)) === 3, 'the server counts 3 unread');

    // From the keyboard: focus the bell, open it with Enter.
    await page.getByTestId('notification-bell').focus();
    await page.keyboard.press('Enter');
    const list = page.getByRole('list', { name: 'Notification list' });
    await list.waitFor();
    const items = list.getByTestId('notification-item');
    assert((await items.count()) >= 3, 'three notifications listed');
    for (const kind of ['success', 'warning', 'error']) {
      assert((await list.locator(`[data-kind="${kind}"]`).count()) >= 1, `a ${kind} notification is listed`);
    }
    await screenshot(page, 'notifications', { fullPage: false });

    await list.getByRole('button', { name: 'Mark "Disk almost full" as read' }).click();
    await eventually(async () => (await page.getByTestId('unread-count').textContent()) === '2', { message: 'bell shows 2 unread' });
    await eventually(async () => (await unreadOf(api, slug, token)) === 2, { message: 'the server counts 2 unread' });

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await eventually(async () => (await page.getByTestId('unread-count').count()) === 0, { message: 'unread count cleared' });
    await eventually(async () => (await unreadOf(api, slug, token)) === 0, { message: 'the server agrees everything is read' });

    // Escape closes the dropdown and gives focus back to the bell.
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'detached' });
    assert(await page.getByTestId('notification-bell').evaluate((el) => el === document.activeElement), 'focus is back on the bell');
    assertNoConsoleErrors(session, 'notifications');
  });
}
