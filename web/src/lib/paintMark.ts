import { useEffect } from 'react';

let marked = false;

/**
 * Marks the first meaningful paint of this page load: the first time a page
 * shows its real content (not a spinner). Read it with
 * `performance.getEntriesByName('sy:first-meaningful-paint')`; the e2e suite
 * reports it next to the browser's first-contentful-paint.
 */
export function useMeaningfulPaint(ready: boolean, page: string): void {
  useEffect(() => {
    if (!ready || marked || typeof performance === 'undefined') return;
    marked = true;
    // After the frame that shows the content has been painted.
    requestAnimationFrame(() => setTimeout(() => performance.mark('sy:first-meaningful-paint', { detail: page }), 0));
  }, [ready, page]);
}
