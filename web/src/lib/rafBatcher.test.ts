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
});
