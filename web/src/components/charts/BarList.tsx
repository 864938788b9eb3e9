import { formatNumber } from '../../lib/format';
import { seriesColor } from './palette';

/**
 * Horizontal bars, one row per category and one bar per series: readable at
 * any width (labels wrap, bars shrink) and with every value written out.
 * Each series has its own scale (a sum and a count side by side would
 * otherwise leave the count's bars invisible).
 */
export function BarList({ labels, series, testId = 'bar-chart' }: { labels: string[]; series: Array<{ name: string; values: Array<number | null> }>; testId?: string }) {
  const maxes = series.map((s) => Math.max(0, ...s.values.map((v) => Math.abs(v ?? 0))));
  const many = series.length > 1;
  return (
    <div data-testid={testId}>
      {many && <Legend names={series.map((s) => s.name)} />}
      <ul className="space-y-2" aria-label="Bars">
        {labels.map((l, i) => (
          <li key={`${i}-${l}`} className="grid grid-cols-[minmax(0,8rem)_minmax(0,1fr)] items-center gap-x-3 gap-y-0.5 sm:grid-cols-[minmax(0,12rem)_minmax(0,1fr)]">
            <span className="truncate text-xs text-slate-600" title={l}>
              {l}
            </span>
            <span className="space-y-0.5">
              {series.map((s, j) => {
                const v = s.values[i];
                const pct = maxes[j] > 0 && v !== null ? (Math.abs(v) / maxes[j]) * 100 : 0;
                return (
                  <span key={s.name} className="flex items-center gap-2">
                    {/* The track takes the room the value leaves, so bars stay proportional. */}
                    <span className="min-w-0 flex-1" aria-hidden="true">
                      <span className="block h-3 rounded-sm" style={{ width: `${Math.max(pct, v ? 1 : 0)}%`, background: seriesColor(j) }} />
                    </span>
                    <span className="shrink-0 font-mono text-xs text-slate-700 tabular-nums">{v === null ? '—' : formatNumber(v)}</span>
                  </span>
                );
              })}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Legend({ names }: { names: string[] }) {
  return (
    <ul className="mb-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
      {names.map((n, i) => (
        <li key={n} className="flex items-center gap-1.5">
          <span className="h-2.5 w-2.5 rounded-sm" style={{ background: seriesColor(i) }} aria-hidden="true" />
          {n}
        </li>
      ))}
    </ul>
  );
}
