import { describe, expect, it } from 'vitest';
import type { RealtimeEvent } from '../realtime';
import { appendCapped, latestProgressOnly, mergeFeed } from './useActivityFeed';

const ev = (seq: number): RealtimeEvent => ({ id: `e${seq}`, seq, type: 'custom.x', timestamp: '', data: {} });
const seqs = (list: RealtimeEvent[]) => list.map((e) => e.seq);

describe('feed buffer', () => {
  it('appends batches and keeps the newest `cap` events', () => {
    expect(seqs(appendCapped([ev(1), ev(2)], [ev(3)], 5))).toEqual([1, 2, 3]);
    expect(seqs(appendCapped([ev(1), ev(2), ev(3)], [ev(4), ev(5)], 4))).toEqual([2, 3, 4, 5]);
    expect(seqs(appendCapped([ev(1)], [ev(2), ev(3), ev(4)], 2))).toEqual([3, 4]);
  });

  it('puts history (newest first) before live events, without duplicates', () => {
    const history = [ev(5), ev(4), ev(2)]; // GET /activity order
    expect(seqs(mergeFeed(history, [ev(6), ev(7)], 10))).toEqual([2, 4, 5, 6, 7]);
    // The live stream already delivered 5: it is not shown twice.
    expect(seqs(mergeFeed(history, [ev(5), ev(6)], 10))).toEqual([2, 4, 5, 6]);
    // History newer than the first live event is sorted in.
    expect(seqs(mergeFeed([ev(9), ev(3)], [ev(8), ev(10)], 10))).toEqual([3, 8, 9, 10]);
    expect(seqs(mergeFeed(history, [ev(6), ev(7)], 3))).toEqual([5, 6, 7]);
    expect(seqs(mergeFeed([], [ev(1)], 3))).toEqual([1]);
  });

  it("keeps only a task's newest progress event", () => {
    const sync = (seq: number, task: string): RealtimeEvent => ({ id: `e${seq}`, seq, type: 'sync.update', timestamp: '', data: { task_id: task } });
    const list = [sync(1, 'a'), ev(2), sync(3, 'b'), sync(4, 'a')];
    expect(seqs(latestProgressOnly(list, [sync(4, 'a')]))).toEqual([2, 3, 4]);
    expect(seqs(latestProgressOnly(list, [ev(2)]))).toEqual([1, 2, 3, 4]);
  });
});
