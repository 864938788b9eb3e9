// Paint timings from the Performance API of the page as loaded: the browser's
// first-contentful-paint and largest-contentful-paint, and the app's own
// "sy:first-meaningful-paint" mark (set when a page first shows real content,
// see src/lib/paintMark.ts).
export async function paintTimings(page) {
  await page.waitForFunction(() => performance.getEntriesByName('sy:first-meaningful-paint').length > 0, null, { timeout: 15_000 });
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
        const fmp = performance.getEntriesByName('sy:first-meaningful-paint')[0]?.startTime ?? null;
        const nav = performance.getEntriesByType('navigation')[0];
        const js = performance
          .getEntriesByType('resource')
          .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
          .reduce((n, r) => n + (r.transferSize || r.encodedBodySize || 0), 0);
        let lcp = null;
        try {
          new PerformanceObserver((list) => {
            const entries = list.getEntries();
            lcp = entries[entries.length - 1]?.startTime ?? lcp;
          }).observe({ type: 'largest-contentful-paint', buffered: true });
        } catch {
          // not supported
        }
        setTimeout(() => resolve({ fcp, fmp, lcp, domContentLoaded: nav?.domContentLoadedEventEnd ?? null, jsBytes: js }), 100);
      }),
  );
}

export const ms = (v) => (v === null || v === undefined ? 'n/a' : `${Math.round(v)} ms`);
