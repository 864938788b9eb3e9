import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { eventsApi } from '../api/events';
import { qk } from '../api/queryKeys';
import type { RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';

/** The feed keeps at most this many events; older ones fall off the top. */
export const FEED_CAP = 500;
const FEED_BATCH = { minIntervalMs: 100 };

/**
 * The org's activity: recent history from GET /activity, then every live
 * event appended in batches (at most ten state updates a second, whatever
 * the event rate). A task's progress events collapse into its newest one;
 * metric streams are left to the metrics panel. Ordered by seq, de-duplicated by id,
 * capped at FEED_CAP so a busy org cannot grow the DOM or memory without
 * bound. Live events arrive in seq order (the realtime client guarantees
 * it), so a batch is appended, never sorted in.
 */
export function useActivityFeed(org: string) {
  const history = useQuery({ queryKey: qk.activity(org), queryFn: () => eventsApi.activity(org, 100), enabled: !!org });
  const [live, setLive] = useState<RealtimeEvent[]>([]);
  const [liveCount, setLiveCount] = useState(0);
  const liveIds = useRef(new Set<string>());

  // Ten renders a second at most: live to the eye, and the render work stays
  // flat at any event rate (a busy machine gets its frames for other work).
  useBatchedEvents('*', (batch) => {
    const fresh = batch.filter((e) => !liveIds.current.has(e.id) && !MEASUREMENTS.has(e.type));
    if (!fresh.length) return;
    setLive((prev) => {
      const next = latestProgressOnly(appendCapped(prev, fresh, FEED_CAP), fresh);
      if (next.length !== prev.length + fresh.length) liveIds.current = new Set(next.map((e) => e.id));
      else for (const e of fresh) liveIds.current.add(e.id);
      return next;
    });
    setLiveCount((n) => n + fresh.length);
  }, FEED_BATCH);

  const events = useMemo(() => mergeFeed((history.data?.items ?? []) as RealtimeEvent[], live, FEED_CAP), [history.data, live]);

  return { events, liveCount, isLoading: history.isLoading, error: history.error };
}

/**
 * Streams of measurements are charted by the metrics panel, not listed: the
 * feed is what happened (the server's stored activity leaves them out too).
 */
const MEASUREMENTS = new Set(['metrics.update', 'system.metrics', 'analytics.update']);

/** The task a progress event reports on; its newer events replace the older in the feed. */
export function progressKey(e: RealtimeEvent): string | null {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const id = (v: unknown) => (typeof v === 'string' && v ? v : null);
  switch (e.type) {
    case 'sync.update':
      return id(d.task_id) && `sync:${d.task_id}`;
    case 'ml.training.progress':
      return id(d.job_id) && `ml:${d.job_id}`;
    case 'file.upload.progress':
    case 'file.download.progress':
      return id(d.upload_id ?? d.download_id) && `file:${d.upload_id ?? d.download_id}`;
  }
  return null;
}

/** Keeps only the newest event of each task that `fresh` reports progress on. */
export function latestProgressOnly(list: RealtimeEvent[], fresh: RealtimeEvent[]): RealtimeEvent[] {
  const keys = new Set(fresh.map(progressKey).filter(Boolean));
  if (!keys.size) return list;
  const seen = new Set<string>();
  const out: RealtimeEvent[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const k = progressKey(list[i]);
    if (k && keys.has(k)) {
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(list[i]);
  }
  return out.reverse();
}

/** `prev` + `more`, keeping the last `cap`. */
export function appendCapped<T>(prev: T[], more: T[], cap: number): T[] {
  const total = prev.length + more.length;
  if (total <= cap) return prev.concat(more);
  if (more.length >= cap) return more.slice(more.length - cap);
  return prev.slice(total - cap).concat(more);
}

/**
 * History (newest first, as GET /activity answers) before live events (in
 * seq order): history older than the first live event goes first; history
 * the live stream already delivered is dropped. Sorting happens only where
 * the two overlap, so a frame costs O(live) and not a sort of the feed.
 */
export function mergeFeed(history: RealtimeEvent[], live: RealtimeEvent[], cap: number): RealtimeEvent[] {
  if (!history.length) return live;
  const firstLive = live.length ? live[0].seq : Infinity;
  const ids = new Set(live.map((e) => e.id));
  const older = history.filter((e) => e.seq < firstLive && !ids.has(e.id)).sort((a, b) => a.seq - b.seq);
  const overlap = history.filter((e) => e.seq >= firstLive && !ids.has(e.id));
  const merged = overlap.length ? [...older, ...live, ...overlap].sort((a, b) => a.seq - b.seq) : older.concat(live);
  return merged.length > cap ? merged.slice(merged.length - cap) : merged;
}
