import { useState } from 'react';
import type { RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';

export interface MetricPoint {
  /** Unix seconds (what the chart wants). */
  t: number;
  values: Record<string, number>;
}

export interface SystemMetrics {
  points: MetricPoint[];
  /** Every numeric series seen so far, in first-seen order. */
  keys: string[];
  latest: MetricPoint | null;
}

const METRIC_TYPES = ['system.metrics', 'metrics.update'];

/**
 * A rolling window of numbers from `system.metrics` / `metrics.update`
 * events. Nested objects are flattened one level ("memory.used"). Nothing is
 * invented: the window starts empty and fills as events arrive.
 */
export function useSystemMetrics(maxPoints = 300): SystemMetrics {
  const [state, setState] = useState<SystemMetrics>({ points: [], keys: [], latest: null });
  useBatchedEvents(METRIC_TYPES, (events) => {
    const fresh = events.map(toPoint).filter((p): p is MetricPoint => p !== null);
    if (!fresh.length) return;
    setState((prev) => {
      const points = [...prev.points, ...fresh].slice(-maxPoints);
      const keys = [...prev.keys];
      for (const p of fresh) for (const k of Object.keys(p.values)) if (!keys.includes(k)) keys.push(k);
      return { points, keys, latest: points[points.length - 1] ?? null };
    });
  });
  return state;
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
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else if (depth < 1 && v && typeof v === 'object') Object.assign(out, flattenNumbers(v, key, depth + 1));
  }
  return out;
}
