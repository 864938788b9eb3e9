/**
 * Collects items pushed at any rate and hands them over at most once per
 * animation frame. A feed receiving 200 events/s then re-renders ~60 times a
 * second with a few items each, instead of 200 times with one.
 */
export interface Batcher<T> {
  push(item: T): void;
  /** Drop anything pending and stop. */
  dispose(): void;
}

type Schedule = (cb: () => void) => unknown;
type Cancel = (handle: unknown) => void;

const defaultSchedule: Schedule = (cb) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(cb) : setTimeout(cb, 16);
const defaultCancel: Cancel = (h) =>
  typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame(h as number) : clearTimeout(h as number);

export function createBatcher<T>(
  flush: (items: T[]) => void,
  schedule: Schedule = defaultSchedule,
  cancel: Cancel = defaultCancel,
): Batcher<T> {
  let pending: T[] = [];
  let handle: unknown = null;
  let disposed = false;
  const run = () => {
    handle = null;
    const items = pending;
    pending = [];
    if (items.length && !disposed) flush(items);
  };
  return {
    push(item) {
      if (disposed) return;
      pending.push(item);
      if (handle === null) handle = schedule(run);
    },
    dispose() {
      disposed = true;
      pending = [];
      if (handle !== null) cancel(handle);
      handle = null;
    },
  };
}
