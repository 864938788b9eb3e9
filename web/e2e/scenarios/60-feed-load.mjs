// The dashboard stays responsive while the org publishes 200 events/s for
// 10 s: no main-thread task over 100 ms (Long Tasks API), frames keep coming,
// the feed renders in frame-sized batches (far fewer commits than events),
// holds only the visible rows in the DOM, and shows the newest event.
// Events are custom.* published with POST /orgs/{org}/events, the route an
// org's own backend uses.
import { assert, assertNoConsoleErrors, open, screenshot, waitForBadge } from '../lib/harness.mjs';
import { recordFrames } from '../lib/perf.mjs';

const RATE = 200; // events per second
const SECONDS = 10;
const TICK_MS = 100;

export default async function feedLoad({ step, skip, api, state }) {
  if (!state.owner || !state.org) return skip('feed under load', 'onboarding did not run');
  const session = state.owner.session;
  const { page } = session;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);

  await step('the analytics plugin reports the org\'s usage to the dashboard', async () => {
    // Installed through the API this time; its usage figures (events
    // published per second, sockets, jobs, datasets, storage) arrive as
    // metrics.update and become chart series next to the dashboard's own.
    await api.must(201, 'POST', `/orgs/${slug}/plugins`, { token, body: { name: 'analytics', version: '1.0.0' } });
    await api.must(200, 'PUT', `/orgs/${slug}/plugins/analytics/config`, { token, body: { config: { metrics_interval: '1s' } } });
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await page.getByTestId('metric-dataset_records').waitFor({ timeout: 30_000 });
  });

  await step(`the live feed stays responsive at ${RATE} events/s for ${SECONDS} s`, async () => {
    await open(page, `/o/${slug}`);
    await waitForBadge(page, 'connected');
    await page.getByTestId('activity-feed').waitFor();
    await page.getByTestId('metrics-chart').waitFor();
    // Count React commits to the feed: one MutationObserver callback per commit.
    await page.evaluate(() => {
      const w = window;
      w.__commits = 0;
      new MutationObserver(() => w.__commits++).observe(document.querySelector('[data-testid=activity-feed] ul'), { childList: true, subtree: true, attributes: true });
    });
    const stop = await recordFrames(page);

    const perTick = (RATE * TICK_MS) / 1000;
    const ticks = (SECONDS * 1000) / TICK_MS;
    const started = Date.now();
    let n = 0;
    let late = 0;
    for (let i = 0; i < ticks; i++) {
      const due = started + i * TICK_MS;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else late++;
      const batch = Array.from({ length: perTick }, () => ({ type: 'custom.load', data: { message: `load event ${n}`, n: n++ } }));
      await api.publish(slug, token, batch);
    }
    const elapsed = (Date.now() - started) / 1000;
    const last = n - 1;
    await page.getByTestId('activity-feed').getByText(`load event ${last}`, { exact: true }).waitFor({ timeout: 15_000 });
    const r = await stop();
    const { commits, rows } = await page.evaluate(() => ({
      commits: window.__commits,
      rows: document.querySelectorAll('[data-testid=activity-feed] li').length,
    }));
    state.feedLoad = { ...r, events: n, seconds: elapsed, commits, rows };
    console.log(
      `    ${n} events in ${elapsed.toFixed(1)} s (${late} late ticks): ${r.frames} frames, frame p50 ${r.p50} ms, p95 ${r.p95} ms, ` +
        `p99 ${r.p99} ms, longest ${r.longestFrame} ms; ${r.longTasks} long tasks, longest ${r.longestTask} ms; ` +
        `${commits} feed commits; ${rows} rows in the DOM`,
    );
    // The chart and the feed on screen, mid-stream: the README's Dashboard image.
    await page.mouse.move(0, 0);
    await screenshot(page, 'dashboard');
    assert(rows <= 60, `the feed is windowed (${rows} rows in the DOM)`);
    assert(commits < n / 2, `renders are batched (${commits} feed commits for ${n} events)`);
    assert(r.longestTask < 100, `no main-thread task over 100 ms (longest ${r.longestTask} ms)`);
    assert(r.longestFrame < 100, `no frame over 100 ms (longest ${r.longestFrame} ms)`);
    assertNoConsoleErrors(session, 'feed under load');
  });

  await step('the analytics plugin is uninstalled from its card', async () => {
    await open(page, `/o/${slug}/plugins`);
    const card = page.getByTestId('installed-analytics');
    await card.getByRole('button', { name: 'Uninstall' }).click();
    await page.getByRole('dialog', { name: 'Uninstall analytics?' }).getByRole('button', { name: 'Uninstall' }).click();
    await page.getByTestId('toast-success').filter({ hasText: 'analytics uninstalled' }).waitFor();
    await card.waitFor({ state: 'detached' });
    await page.getByTestId('installed-sync').waitFor();
    assertNoConsoleErrors(session, 'uninstall');
  });
}
