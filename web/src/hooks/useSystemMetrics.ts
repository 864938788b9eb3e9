import { useEffect, useRef, useState } from 'react';
import type { RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';
import { useRealtimeEvents } from './useRealtimeEvents';

export interface MetricPoint {
  /** Unix seconds (what the chart wants). */
  t: number;
  values: Record<string, number>;
}

export interface SystemMetrics {
  points: MetricPoint[];
  /** Every series seen so far, in first-seen order (`received_per_sec` first). */
  keys: string[];
  latest: MetricPoint | null;
}

const METRIC_TYPES = ['system.metrics', 'metrics.update'];
/** The series this dashboard measures itself: events it received per second. */
export const RECEIVED_PER_SEC = 'received_per_sec';

/**
 * A rolling window of live numbers, one sample per second: the rate of
 * events this dashboard receives (counted here, from the socket), plus every
 * number `system.metrics` / `metrics.update` events report (the analytics
 * plugin's usage figures, for one; nested objects flattened one level:
 * "storage.total_bytes"). Reported figures are sent when they change, so
 * each sample carries the latest one forward. Nothing is estimated: a series
 * starts when its first value arrives. Counters that only grow (`*_seq`) are
 * left out.
 */
export function useSystemMetrics(maxPoints = 120, sampleMs = 1000): SystemMetrics {
  const [state, setState] = useState<SystemMetrics>({ points: [], keys: [RECEIVED_PER_SEC], latest: null });
  const received = useRef(0);
  const reported = useRef<Record<string, number>>({});

  // Counting costs no render: the sampler reads the counter once a second.
  useRealtimeEvents('*', () => {
    received.current++;
  });
  useBatchedEvents(METRIC_TYPES, (events) => {
    for (const e of events) {
      const p = toPoint(e);
      if (p) Object.assign(reported.current, p.values);
    }
  });

  useEffect(() => {
    let last = performance.now();
    const id = setInterval(() => {
      const now = performance.now();
      const seconds = Math.max(0.001, (now - last) / 1000);
      last = now;
      const values: Record<string, number> = { [RECEIVED_PER_SEC]: Math.round(received.current / seconds), ...reported.current };
      received.current = 0;
      setState((prev) => sample(prev, { t: Date.now() / 1000, values }, maxPoints));
    }, sampleMs);
    return () => clearInterval(id);
  }, [maxPoints, sampleMs]);

  return state;
}

/** Appends a sample to the window (pure, for tests). */
export function sample(prev: SystemMetrics, point: MetricPoint, maxPoints: number): SystemMetrics {
  const points = [...prev.points, point].slice(-maxPoints);
  let keys = prev.keys;
  for (const k of Object.keys(point.values)) if (!keys.includes(k)) keys = [...keys, k];
  return { points, keys, latest: point };
}

export function toPoint(e: RealtimeEvent): MetricPoint | null {
  const values = flattenNumbers(e.data);
  if (!Object.keys(values).length) return null;
  const ms = Date.parse(e.timestamp);
  return { t: (Number.isNaN(ms) ? Date.now() : ms) / 1000, values };
}

export function flattenNumbers(data: unknown, prefix = '', depth = 0): Record<string, number> {
  const out: Record<string, number> = {};
  if (!data || typeof data !== 'object' || Array.isArray(data)) return out;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (!k.endsWith('_seq')) out[key] = v;
    }
    else if (depth < 1 && v && typeof v === 'object') Object.assign(out, flattenNumbers(v, key, depth + 1));
  }
  return out;
}
