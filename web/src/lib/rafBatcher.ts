/**
 * Collects items pushed at any rate and hands them over at most once per
 * animation frame, and no more often than `minIntervalMs`. A feed receiving
 * 200 events/s then re-renders a few times a second with a batch each,
 * instead of 200 times with one: render work stays flat whatever the rate.
 */
export interface Batcher<T> {
  push(item: T): void;
  /** Drop anything pending and stop. */
  dispose(): void;
}

type Schedule = (cb: () => void) => unknown;
type Cancel = (handle: unknown) => void;

export interface BatcherTiming {
  /** Waits for the next frame. */
  schedule?: Schedule;
  cancel?: Cancel;
  /** Least time between two flushes (0: every frame). */
  minIntervalMs?: number;
  now?: () => number;
  setTimer?: (cb: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

const defaultSchedule: Schedule = (cb) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(cb) : setTimeout(cb, 16);
const defaultCancel: Cancel = (h) =>
  typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame(h as number) : clearTimeout(h as number);

export function createBatcher<T>(
  flush: (items: T[]) => void,
  scheduleOrTiming: Schedule | BatcherTiming = {},
  cancelArg?: Cancel,
): Batcher<T> {
  const timing: BatcherTiming = typeof scheduleOrTiming === 'function' ? { schedule: scheduleOrTiming, cancel: cancelArg } : scheduleOrTiming;
  const schedule = timing.schedule ?? defaultSchedule;
  const cancel = timing.cancel ?? defaultCancel;
  const minInterval = timing.minIntervalMs ?? 0;
  const now = timing.now ?? (() => performance.now());
  const setTimer = timing.setTimer ?? ((cb, ms) => setTimeout(cb, ms));
  const clearTimer = timing.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));

  let pending: T[] = [];
  let frame: unknown = null;
  let timer: unknown = null;
  let last = -Infinity;
  let disposed = false;

  const run = () => {
    frame = null;
    const items = pending;
    pending = [];
    if (!items.length || disposed) return;
    last = now();
    flush(items);
  };
  const arm = () => {
    if (frame !== null || timer !== null || disposed) return;
    const wait = last + minInterval - now();
    if (wait <= 0) {
      frame = schedule(run);
      return;
    }
    timer = setTimer(() => {
      timer = null;
      frame = schedule(run);
    }, wait);
  };
  return {
    push(item) {
      if (disposed) return;
      pending.push(item);
      arm();
    },
    dispose() {
      disposed = true;
      pending = [];
      if (frame !== null) cancel(frame);
      if (timer !== null) clearTimer(timer);
      frame = timer = null;
    },
  };
}
