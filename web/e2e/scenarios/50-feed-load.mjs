// The activity feed stays smooth while an org publishes 200 events/s for
// 10 s: frames keep coming (rAF batching), the DOM holds only the visible
// rows (windowing), and the newest event is on screen (auto-scroll).
// Events are published as custom.* through POST /orgs/{org}/events with an
// org API key, the route an org's own backend uses.
import { assert, eventually, open, screenshot } from '../lib/harness.mjs';

const RATE = 200; // events per second
const SECONDS = 10;
const TICK_MS = 100;

async function publisherFor({ api, token, slug }) {
  const key = await api.call('POST', `/orgs/${slug}/api-keys`, { token, body: { name: 'e2e-load', permissions: ['events:publish'] } });
  if (key.status !== 201) return { error: `create api key: ${key.status}` };
  const probe = await api.call('POST', `/orgs/${slug}/events`, { token: key.body.key, body: { type: 'custom.load', data: { n: -1 } } });
  if (probe.status === 404) return { error: 'the server has no POST /orgs/{org}/events yet' };
  if (probe.status >= 300) return { error: `POST /events: ${probe.status} ${JSON.stringify(probe.body)}` };
  // Prefer one request per tick ({events:[...]} batch); fall back to one per event.
  const batch = await api.call('POST', `/orgs/${slug}/events`, { token: key.body.key, body: { events: [{ type: 'custom.load', data: { n: -2 } }] } });
  const batched = batch.status < 300;
  return {
    async publish(events) {
      if (batched) return api.call('POST', `/orgs/${slug}/events`, { token: key.body.key, body: { events } });
      return Promise.all(events.map((e) => api.call('POST', `/orgs/${slug}/events`, { token: key.body.key, body: e })));
    },
  };
}

export default async function feedLoad({ step, skip, api, state }) {
  if (!state.owner || !state.org) return skip('feed under load', 'onboarding did not run');
  const page = state.owner.session.page;
  const slug = state.org.slug;
  const token = await api.login(state.owner.email, state.owner.password);
  const pub = await publisherFor({ api, token, slug });
  if (pub.error) return skip(`activity feed at ${RATE} events/s`, pub.error);

  await step(`activity feed stays smooth at ${RATE} events/s for ${SECONDS} s`, async () => {
    await open(page, `/o/${slug}`);
    await eventually(async () => (await page.getByTestId('connection-badge').getAttribute('data-status')) === 'connected', { timeout: 15_000, message: 'connected' });
    await page.evaluate(() => {
      const w = window;
      w.__frames = [];
      w.__long = [];
      let last = performance.now();
      const loop = (t) => {
        w.__frames.push(t - last);
        last = t;
        if (!w.__stop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask' });
    });
    let n = 0;
    const perTick = (RATE * TICK_MS) / 1000;
    const started = Date.now();
    while (Date.now() - started < SECONDS * 1000) {
      const tick = Date.now();
      await pub.publish(Array.from({ length: perTick }, () => ({ type: 'custom.load', data: { message: `load event ${n}`, n: n++ } })));
      await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - (Date.now() - tick))));
    }
    const last = n - 1;
    await page.getByTestId('activity-feed').getByText(`load event ${last}`, { exact: true }).waitFor({ timeout: 10_000 });
    const r = await page.evaluate(() => {
      window.__stop = true;
      const f = window.__frames.slice(5).sort((a, b) => a - b);
      return {
        frames: f.length,
        p95: f[Math.floor(f.length * 0.95)],
        longest: Math.max(0, ...window.__long),
        rows: document.querySelectorAll('[data-testid=activity-feed] li').length,
      };
    });
    console.log(`    ${n} events: ${r.frames} frames, p95 frame ${Math.round(r.p95)} ms, longest task ${Math.round(r.longest)} ms, ${r.rows} rows in the DOM`);
    await screenshot(page, 'dashboard-load');
    assert(r.rows <= 60, `feed is windowed (${r.rows} rows in the DOM)`);
    assert(r.p95 < 50, `p95 frame time under 50 ms (got ${Math.round(r.p95)})`);
    assert(r.longest < 250, `no main-thread task over 250 ms (got ${Math.round(r.longest)})`);
  });
}
