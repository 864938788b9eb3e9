// The connection badge is honest, and no event is lost across a dropped
// socket or a server restart. The dashboard here talks to the server through
// the suite's TCP proxy: cutting the proxy drops its socket like a network
// failure would, and while it is cut the suite publishes events directly to
// the server. When the dashboard is let back in it resumes from its last
// seq, and every event must appear in the feed exactly once, in order.
import { newSession } from '../lib/browser.mjs';
import { assert, assertNoConsoleErrors, eventually, open, screenshot, waitForBadge } from '../lib/harness.mjs';

const COUNT = 25;

/** Every row of the (windowed) feed, top to bottom: scrolls through it and collects. */
async function feedRows(page) {
  return page.evaluate(async () => {
    const box = document.querySelector('[data-testid=activity-feed]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const byTop = new Map();
    box.scrollTop = 0;
    await frame();
    for (;;) {
      for (const li of box.querySelectorAll('li[data-seq]')) {
        byTop.set(parseFloat(li.style.top), { seq: Number(li.dataset.seq), type: li.dataset.type, text: li.querySelector('p')?.textContent ?? '' });
      }
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) break;
      box.scrollTop += Math.floor(box.clientHeight / 2);
      await frame();
    }
    box.scrollTop = box.scrollHeight;
    await frame();
    return [...byTop.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  });
}

async function expectAllOnce(page, prefix) {
  const rows = (await feedRows(page)).filter((r) => r.text.startsWith(prefix));
  const texts = rows.map((r) => r.text);
  const want = Array.from({ length: COUNT }, (_, i) => `${prefix} ${i}`);
  assert(JSON.stringify(texts) === JSON.stringify(want), `the feed shows each of the ${COUNT} events once, in order:\n  got ${JSON.stringify(texts)}`);
  const seqs = rows.map((r) => r.seq);
  assert(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `seqs ascend: ${seqs.join(',')}`);
}

/** The client's last seq, from the badge's details, equals the server's head. */
async function caughtUp(page, api, slug, token) {
  const head = (await api.must(200, 'GET', `/orgs/${slug}/events?limit=1`, { token })).seq;
  await page.getByTestId('connection-badge').click();
  const details = page.getByRole('dialog', { name: 'Connection details' });
  await eventually(async () => Number(await details.getByTestId('last-seq').textContent()) === head, {
    message: `the dashboard's last event is the server's head (${head})`,
  });
  await page.keyboard.press('Escape');
}

export default async function reconnect({ step, skip, browser, server, proxy, api, state }) {
  if (!state.owner || !state.org) return skip('reconnect', 'onboarding did not run');
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const session = await newSession(browser, proxy.baseUrl);
  const { page } = session;
  const publish = (prefix) =>
    api.publish(
      slug,
      token,
      Array.from({ length: COUNT }, (_, i) => ({ type: 'custom.reconnect', data: { message: `${prefix} ${i}` } })),
    );

  await step('through the proxy: sign in, the dashboard is live', async () => {
    await open(page, '/sign-in');
    await page.getByLabel('Email').fill(state.owner.email);
    await page.getByLabel('Password').fill(state.owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await page.getByTestId('activity-feed').waitFor();
  });

  await step('the socket drops: the badge counts down to a reconnect, and no event is lost', async () => {
    await session.expectNetworkErrors(async () => {
      proxy.down();
      await waitForBadge(page, 'reconnecting', 15_000);
      const label = await page.getByTestId('connection-badge').getAttribute('aria-label');
      assert(/Reconnecting( in \d+ s|…)/.test(label), `the badge says when it retries (got "${label}")`);
      await screenshot(page, 'reconnecting', { fullPage: false });
      // Published while the dashboard is cut off.
      await publish('while the socket was down');
      proxy.up();
      await waitForBadge(page, 'connected', 60_000);
    });
    await page.getByTestId('activity-feed').getByText(`while the socket was down ${COUNT - 1}`, { exact: true }).waitFor({ timeout: 10_000 });
    await expectAllOnce(page, 'while the socket was down');
    await caughtUp(page, api, slug, token);
    assertNoConsoleErrors(session, 'socket drop');
  });

  await step('the browser goes offline: the badge says so, and comes back by itself', async () => {
    await session.expectNetworkErrors(async () => {
      await session.context.setOffline(true);
      await waitForBadge(page, 'offline', 15_000);
      await session.context.setOffline(false);
      await waitForBadge(page, 'connected', 30_000);
    });
    assertNoConsoleErrors(session, 'offline');
  });

  await step('the server restarts: 1001, reconnecting, back, and no event is lost', async () => {
    // The owner's tab of the other scenarios would retry its socket against
    // the stopped server (connection refused): park it on a blank page.
    await state.owner.session.page.goto('about:blank');
    await session.expectNetworkErrors(async () => {
      // SIGTERM: the server says goodbye (1001) to every socket, then exits.
      await server.halt();
      await waitForBadge(page, 'reconnecting', 15_000);
      // Keep the dashboard out until the events below are in.
      proxy.down();
      await server.launch();
      await publish('while the server restarted');
      proxy.up();
      await waitForBadge(page, 'connected', 60_000);
    });
    await page.getByTestId('activity-feed').getByText(`while the server restarted ${COUNT - 1}`, { exact: true }).waitFor({ timeout: 10_000 });
    await expectAllOnce(page, 'while the server restarted');
    await expectAllOnce(page, 'while the socket was down');
    await caughtUp(page, api, slug, token);
    assertNoConsoleErrors(session, 'server restart');
  });
  await session.context.close();
}
