import { cx } from '../ui/cx';

/** A dot and a word for the org's live connection (its own module: pages show it without the feed). */
export function LiveIndicator({ status, paused }: { status: string; paused?: boolean }) {
  const live = status === 'connected';
  const label = paused ? 'Paused' : live ? 'Live' : status === 'polling' ? 'Polling' : status === 'offline' ? 'Offline' : 'Connecting';
  return (
    <span className="inline-flex items-center gap-1.5 text-xs font-medium text-slate-600" data-testid="live-indicator">
      <span
        aria-hidden="true"
        className={cx(
          'h-2 w-2 rounded-full',
          paused
            ? 'bg-slate-400'
            : live
              ? 'sy-pulse bg-emerald-500'
              : status === 'offline'
                ? 'bg-red-500'
                : status === 'polling'
                  ? 'bg-sky-500'
                  : 'bg-amber-500',
        )}
      />
      {label}
    </span>
  );
}
