import { cx } from './cx';

export function ProgressBar({ value, label, tone = 'brand' }: { value: number | null; label: string; tone?: 'brand' | 'green' | 'red' | 'slate' }) {
  const colors = { brand: 'bg-brand-500', green: 'bg-emerald-500', red: 'bg-red-500', slate: 'bg-slate-400' };
  const pct = value === null ? null : Math.round(value);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct ?? undefined}
      className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
    >
      <div
        className={cx('h-full rounded-full transition-[width] duration-300 ease-out', colors[tone], pct === null && 'sy-pulse w-1/3')}
        style={pct === null ? undefined : { width: `${pct}%` }}
      />
    </div>
  );
}
