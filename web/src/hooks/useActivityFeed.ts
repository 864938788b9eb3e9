import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { eventsApi } from '../api/events';
import { qk } from '../api/queryKeys';
import type { RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';

/** The feed keeps at most this many events; older ones fall off the top. */
export const FEED_CAP = 500;

/**
 * The org's activity: recent history from GET /activity, then every live
 * event appended in frame-sized batches. Ordered by seq, de-duplicated by id,
 * capped at FEED_CAP so a busy org cannot grow the DOM or memory without bound.
 */
export function useActivityFeed(org: string) {
  const history = useQuery({ queryKey: qk.activity(org), queryFn: () => eventsApi.activity(org, 100), enabled: !!org });
  const [live, setLive] = useState<RealtimeEvent[]>([]);
  const [liveCount, setLiveCount] = useState(0);

  useBatchedEvents('*', (batch) => {
    setLive((prev) => [...prev, ...batch].slice(-FEED_CAP));
    setLiveCount((n) => n + batch.length);
  });

  const events = useMemo(() => {
    const seen = new Set<string>();
    const all = [...(history.data?.items ?? []), ...live].filter((e) => {
      if (seen.has(e.id)) return false;
      seen.add(e.id);
      return true;
    });
    all.sort((a, b) => a.seq - b.seq);
    return all.slice(-FEED_CAP) as RealtimeEvent[];
  }, [history.data, live]);

  return { events, liveCount, isLoading: history.isLoading, error: history.error };
}
