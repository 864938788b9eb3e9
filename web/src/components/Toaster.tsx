import { useToasts, type ToastKind } from '../stores/toasts';
import { Icon, type IconName } from './ui/Icon';
import { cx } from './ui/cx';

export const kindStyle: Record<ToastKind, { icon: IconName; accent: string; iconColor: string }> = {
  success: { icon: 'check', accent: 'border-l-emerald-500', iconColor: 'text-emerald-600' },
  error: { icon: 'x', accent: 'border-l-red-500', iconColor: 'text-red-600' },
  warning: { icon: 'alert', accent: 'border-l-amber-500', iconColor: 'text-amber-600' },
  info: { icon: 'info', accent: 'border-l-sky-500', iconColor: 'text-sky-600' },
};

/** Transient messages, bottom right; each hides after 5 s (see stores/toasts). */
export function Toaster() {
  const { toasts, dismiss } = useToasts();
  return (
    <div
      aria-live="polite"
      aria-label="Notifications"
      role="region"
      className="pointer-events-none fixed inset-x-2 bottom-2 z-[60] flex flex-col items-end gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4"
    >
      {toasts.map((t) => {
        const s = kindStyle[t.kind];
        return (
          <div
            key={t.id}
            role={t.kind === 'error' ? 'alert' : 'status'}
            data-testid={`toast-${t.kind}`}
            className={cx(
              'pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-md border border-l-4 border-slate-200 bg-white p-3 shadow-lg',
              s.accent,
            )}
          >
            <Icon name={s.icon} className={s.iconColor} />
            <div className="min-w-0 flex-1">
              <p className="text-sm font-medium text-slate-900">{t.title}</p>
              {t.message && <p className="mt-0.5 text-sm break-words text-slate-600">{t.message}</p>}
            </div>
            <button
              type="button"
              onClick={() => dismiss(t.id)}
              className="rounded p-0.5 text-slate-400 hover:text-slate-600"
              aria-label="Dismiss"
            >
              <Icon name="x" className="h-4 w-4" />
            </button>
          </div>
        );
      })}
    </div>
  );
}
