import { useEffect, useRef } from 'react';
import type { EventDataMap, RealtimeEvent } from '../realtime';
import { useRealtimeClient } from './RealtimeProvider';

/**
 * Calls `handler` for every live event matching `patterns`. The handler may
 * change every render; the subscription does not (it follows the latest
 * handler through a ref) and is removed on unmount.
 */
export function useRealtimeEvents(patterns: string | string[], handler: (event: RealtimeEvent) => void): void {
  const client = useRealtimeClient();
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });
  const key = Array.isArray(patterns) ? patterns.join(',') : patterns;
  useEffect(() => {
    if (!client) return;
    return client.subscribe(key.split(','), (e) => handlerRef.current(e));
  }, [client, key]);
}

/** Typed variant for one known event type. */
export function useRealtimeEvent<K extends keyof EventDataMap>(
  type: K,
  handler: (event: RealtimeEvent<EventDataMap[K]>) => void,
): void {
  useRealtimeEvents(type, handler as (event: RealtimeEvent) => void);
}
