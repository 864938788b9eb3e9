import { useEffect, useRef } from 'react';
import { createBatcher, type Batcher } from '../lib/rafBatcher';
import type { RealtimeEvent } from '../realtime';
import { useRealtimeEvents } from './useRealtimeEvents';

/**
 * Like useRealtimeEvents, but hands events over in batches at most once per
 * animation frame, so a burst of hundreds per second costs one state update
 * per frame.
 */
export function useBatchedEvents(patterns: string | string[], onBatch: (events: RealtimeEvent[]) => void): void {
  const onBatchRef = useRef(onBatch);
  useEffect(() => {
    onBatchRef.current = onBatch;
  });
  const batcher = useRef<Batcher<RealtimeEvent> | null>(null);
  useEffect(() => {
    const b = createBatcher<RealtimeEvent>((items) => onBatchRef.current(items));
    batcher.current = b;
    return () => {
      b.dispose();
      batcher.current = null;
    };
  }, []);
  useRealtimeEvents(patterns, (e) => batcher.current?.push(e));
}
