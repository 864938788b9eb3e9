import { lazy, Suspense } from 'react';
import { ErrorBoundary } from '../ErrorBoundary';
import { Button } from '../ui/Button';
import { Loading } from '../ui/Spinner';
import type { SeriesChartProps } from './SeriesChart';

const SeriesChart = lazy(() => import('./SeriesChart'));

/** SeriesChart, with the chart library fetched on first use and a message in place if that fails. */
export function LazySeriesChart(props: SeriesChartProps) {
  return (
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
        <SeriesChart {...props} />
      </Suspense>
    </ErrorBoundary>
  );
}
