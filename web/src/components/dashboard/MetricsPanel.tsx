import { lazy, Suspense, useEffect, useState } from 'react';
import { RECEIVED_PER_SEC, useSystemMetrics } from '../../hooks/useSystemMetrics';
import { formatBytes, formatNumber, humanize } from '../../lib/format';
import { ErrorBoundary } from '../ErrorBoundary';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { Loading } from '../ui/Spinner';
import { cx } from '../ui/cx';

// The chart library is its own chunk, fetched as soon as the panel mounts
// (not when the second sample arrives, which may be while offline).
const loadChart = () => import('./MetricsChart');
const MetricsChart = lazy(loadChart);

const metricLabel = (k: string) => (k === RECEIVED_PER_SEC ? 'Events received / s' : k === 'events_per_sec' ? 'Events published / s' : humanize(k));

/**
 * Live metrics, sampled every second: the organization's event rate as this
 * dashboard receives it, and whatever numbers plugins report in
 * `system.metrics` / `metrics.update` events. The latest value of each
 * series, and a chart of the chosen one over the last two minutes.
 */
export function MetricsPanel() {
  const { points, keys, latest } = useSystemMetrics();
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen && keys.includes(chosen) ? chosen : keys[0];
  const peak = points.reduce((m, p) => Math.max(m, p.values[metric] ?? 0), 0);
  useEffect(() => {
    loadChart().catch(() => {
      // Shown where the chart goes, by the boundary below.
    });
  }, []);

  return (
    <Card title="Live metrics" description="Sampled every second: what this dashboard receives, and what plugins report." actions={<span className="text-xs text-slate-500 tabular-nums">peak {formatNumber(peak)}</span>}>
      <div className="space-y-4">
        <div role="tablist" aria-label="Metric" className="flex flex-wrap gap-2">
          {keys.slice(0, 12).map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={k === metric}
              onClick={() => setChosen(k)}
              className={cx('rounded-md border px-3 py-1.5 text-left', k === metric ? 'border-brand-500 bg-brand-50' : 'border-slate-200 hover:bg-slate-50')}
            >
              <span className="block text-[11px] text-slate-500">{metricLabel(k)}</span>
              <span className="block font-mono text-sm font-semibold text-slate-900 tabular-nums" data-testid={`metric-${k}`}>
                {latest?.values[k] !== undefined ? (/bytes$/.test(k) ? formatBytes(latest.values[k]) : formatNumber(latest.values[k])) : '—'}
              </span>
            </button>
          ))}
        </div>
        {points.length < 2 ? (
          <Loading label="Measuring…" />
        ) : (
          <ErrorBoundary
            fallback={() => (
              <div className="flex min-h-32 flex-col items-center justify-center gap-2 text-sm text-slate-500" role="status">
                The chart could not be loaded (the connection dropped while it was fetched).
                <Button size="sm" variant="secondary" onClick={() => location.reload()}>
                  Reload
                </Button>
              </div>
            )}
          >
            <Suspense fallback={<Loading label="Loading chart…" />}>
              <MetricsChart points={points} metric={metric} label={metricLabel(metric)} />
            </Suspense>
          </ErrorBoundary>
        )}
      </div>
    </Card>
  );
}
