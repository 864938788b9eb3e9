import { lazy, Suspense, useState } from 'react';
import { useSystemMetrics } from '../../hooks/useSystemMetrics';
import { formatNumber, humanize } from '../../lib/format';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { Icon } from '../ui/Icon';
import { Loading } from '../ui/Spinner';
import { cx } from '../ui/cx';

const MetricsChart = lazy(() => import('./MetricsChart'));

/** Live metrics: the latest value of each series, and a chart of the chosen one. */
export function MetricsPanel() {
  const { points, keys, latest } = useSystemMetrics();
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen && keys.includes(chosen) ? chosen : keys[0];

  return (
    <Card title="Live metrics" description="From system.metrics and metrics.update events.">
      {!latest || !metric ? (
        <EmptyState title="Waiting for metrics" icon={<Icon name="chart" className="h-8 w-8" />}>
          Nothing has reported metrics yet. Charts start drawing as soon as the first sample arrives; nothing here is
          estimated.
        </EmptyState>
      ) : (
        <div className="space-y-4">
          <div role="tablist" aria-label="Metric" className="flex flex-wrap gap-2">
            {keys.slice(0, 12).map((k) => (
              <button
                key={k}
                type="button"
                role="tab"
                aria-selected={k === metric}
                onClick={() => setChosen(k)}
                className={cx(
                  'rounded-md border px-3 py-1.5 text-left',
                  k === metric ? 'border-brand-500 bg-brand-50' : 'border-slate-200 hover:bg-slate-50',
                )}
              >
                <span className="block text-[11px] text-slate-500">{humanize(k)}</span>
                <span className="block font-mono text-sm font-semibold text-slate-900 tabular-nums">
                  {latest.values[k] !== undefined ? formatNumber(latest.values[k]) : '—'}
                </span>
              </button>
            ))}
          </div>
          <Suspense fallback={<Loading label="Loading chart…" />}>
            <MetricsChart points={points} metric={metric} />
          </Suspense>
          <p className="text-xs text-slate-400">{points.length} samples in view</p>
        </div>
      )}
    </Card>
  );
}
