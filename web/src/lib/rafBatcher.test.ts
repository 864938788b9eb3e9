import { describe, expect, it, vi } from 'vitest';
import { createBatcher } from './rafBatcher';

describe('createBatcher', () => {
  it('delivers everything pushed within a frame in one flush', () => {
    const frames: Array<() => void> = [];
    const flush = vi.fn();
    const b = createBatcher<number>(flush, (cb) => frames.push(cb), () => {});
    for (let i = 0; i < 200; i++) b.push(i);
    expect(frames).toHaveLength(1);
    frames[0]();
    expect(flush).toHaveBeenCalledTimes(1);
    expect(flush.mock.calls[0][0]).toHaveLength(200);
    b.push(1);
    expect(frames).toHaveLength(2);
  });

  it('drops pending items when disposed', () => {
    const frames: Array<() => void> = [];
    const flush = vi.fn();
    const b = createBatcher<number>(flush, (cb) => frames.push(cb), () => {});
    b.push(1);
    b.dispose();
    frames[0]();
    expect(flush).not.toHaveBeenCalled();
  });

  it('flushes no more often than minIntervalMs, keeping what arrives meanwhile', () => {
    let t = 0;
    const frames: Array<() => void> = [];
    const timers: Array<{ at: number; cb: () => void }> = [];
    const flush = vi.fn();
    const b = createBatcher<number>(flush, {
      schedule: (cb) => frames.push(cb),
      cancel: () => {},
      minIntervalMs: 100,
      now: () => t,
      setTimer: (cb, ms) => timers.push({ at: t + ms, cb }),
      clearTimer: () => {},
    });
    b.push(1);
    frames.shift()!(); // first flush at once (next frame)
    expect(flush).toHaveBeenCalledTimes(1);
    t = 16;
    b.push(2);
    b.push(3);
    expect(frames).toHaveLength(0); // waits for the interval
    expect(timers[0].at).toBe(100);
    t = 100;
    timers.shift()!.cb();
    frames.shift()!();
    expect(flush).toHaveBeenCalledTimes(2);
    expect(flush.mock.calls[1][0]).toEqual([2, 3]);
  });
});
