import { useEffect, useRef } from 'react';
import { createBatcher, type Batcher } from '../lib/rafBatcher';
import type { RealtimeEvent } from '../realtime';
import { useRealtimeEvents } from './useRealtimeEvents';

/**
 * Like useRealtimeEvents, but hands events over in batches at most once per
 * animation frame (and no more often than `minIntervalMs`), so a burst of
 * hundreds per second costs a few state updates, not hundreds.
 */
export function useBatchedEvents(
  patterns: string | string[],
  onBatch: (events: RealtimeEvent[]) => void,
  { minIntervalMs = 0 }: { minIntervalMs?: number } = {},
): void {
  const onBatchRef = useRef(onBatch);
  useEffect(() => {
    onBatchRef.current = onBatch;
  });
  const batcher = useRef<Batcher<RealtimeEvent> | null>(null);
  useEffect(() => {
    const b = createBatcher<RealtimeEvent>((items) => onBatchRef.current(items), { minIntervalMs });
    batcher.current = b;
    return () => {
      b.dispose();
      batcher.current = null;
    };
  }, [minIntervalMs]);
  useRealtimeEvents(patterns, (e) => batcher.current?.push(e));
}
