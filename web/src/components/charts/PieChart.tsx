import { formatNumber } from '../../lib/format';
import { seriesColor } from './palette';

/** Shares of a whole: slices for the positive values, with a legend giving each value and percentage. */
export function PieChart({ labels, values, label }: { labels: string[]; values: Array<number | null>; label: string }) {
  const items = labels.map((l, i) => ({ l, v: Math.max(0, values[i] ?? 0), i })).filter((x) => x.v > 0);
  const total = items.reduce((n, x) => n + x.v, 0);
  let angle = -Math.PI / 2;
  const slices = items.map((x) => {
    const a = (x.v / total) * Math.PI * 2;
    const start = angle;
    angle += a;
    return { ...x, start, end: angle };
  });
  const point = (r: number, t: number) => `${50 + r * Math.cos(t)} ${50 + r * Math.sin(t)}`;
  return (
    <div className="flex flex-wrap items-center gap-4" data-testid="pie-chart">
      <svg viewBox="0 0 100 100" className="h-40 w-40 shrink-0" role="img" aria-label={label}>
        {total === 0 ? (
          <circle cx="50" cy="50" r="45" fill="#f1f5f9" />
        ) : slices.length === 1 ? (
          <circle cx="50" cy="50" r="45" fill={seriesColor(slices[0].i)} />
        ) : (
          slices.map((s) => (
            <path
              key={s.i}
              d={`M50 50 L${point(45, s.start)} A45 45 0 ${s.end - s.start > Math.PI ? 1 : 0} 1 ${point(45, s.end)} Z`}
              fill={seriesColor(s.i)}
              stroke="white"
              strokeWidth="0.8"
            />
          ))
        )}
        <circle cx="50" cy="50" r="22" fill="white" />
      </svg>
      <ul className="min-w-0 flex-1 space-y-1 text-xs text-slate-600">
        {labels.map((l, i) => (
          <li key={`${i}-${l}`} className="flex items-center gap-2">
            <span className="h-2.5 w-2.5 shrink-0 rounded-sm" style={{ background: seriesColor(i) }} aria-hidden="true" />
            <span className="min-w-0 flex-1 truncate" title={l}>
              {l}
            </span>
            <span className="font-mono tabular-nums">
              {values[i] === null ? '—' : formatNumber(values[i] as number)}
              {total > 0 && values[i] ? ` (${Math.round(((values[i] as number) / total) * 100)}%)` : ''}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
