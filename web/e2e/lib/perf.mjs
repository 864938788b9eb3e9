// Paint timings from the Performance API of the page as loaded: the browser's
// first-contentful-paint and largest-contentful-paint, and the app's own
// "sy:first-meaningful-paint" mark (set when a page first shows its real
// content, not a spinner; see src/lib/paintMark.ts).
export async function paintTimings(page) {
  await page.waitForFunction(() => performance.getEntriesByName('sy:first-meaningful-paint').length > 0, null, { timeout: 20_000 });
  return page.evaluate(async () => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    const mark = performance.getEntriesByName('sy:first-meaningful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'));
    const lcp = await new Promise((resolve) => {
      try {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1]?.startTime ?? null);
        }).observe({ type: 'largest-contentful-paint', buffered: true });
        setTimeout(() => resolve(null), 200);
      } catch {
        resolve(null);
      }
    });
    return {
      fcp,
      fmp: mark?.startTime ?? null,
      page: mark?.detail ?? null,
      lcp,
      domContentLoaded: nav?.domContentLoadedEventEnd ?? null,
      jsBytes: scripts.reduce((n, r) => n + (r.encodedBodySize || 0), 0),
      jsFiles: scripts.length,
    };
  });
}

/**
 * Starts recording, in the page, every animation frame's interval and every
 * long task (main-thread work over 50 ms, from the Long Tasks API). Returns
 * a function that stops and returns the figures.
 */
export async function recordFrames(page) {
  await page.evaluate(() => {
    const w = window;
    w.__sy = { frames: [], long: [], stop: false };
    let last = performance.now();
    const loop = (t) => {
      w.__sy.frames.push(t - last);
      last = t;
      if (!w.__sy.stop) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    w.__sy.observer = new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__sy.long.push(Math.round(e.duration))));
    w.__sy.observer.observe({ type: 'longtask' });
  });
  return () =>
    page.evaluate(() => {
      const s = window.__sy;
      s.stop = true;
      s.observer.disconnect();
      const f = s.frames.slice(2).sort((a, b) => a - b);
      const q = (p) => Math.round(f[Math.min(f.length - 1, Math.floor(f.length * p))] ?? 0);
      return {
        frames: f.length,
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        longestFrame: Math.round(f[f.length - 1] ?? 0),
        longTasks: s.long.length,
        longestTask: Math.max(0, ...s.long),
      };
    });
}

export const ms = (v) => (v === null || v === undefined ? 'n/a' : `${Math.round(v)} ms`);
