import type { ReactNode } from 'react';
import { errorMessage } from '../../api/errors';
import { cx } from './cx';

type Kind = 'error' | 'warning' | 'info' | 'success';
const styles: Record<Kind, string> = {
  error: 'border-red-200 bg-red-50 text-red-800',
  warning: 'border-amber-200 bg-amber-50 text-amber-900',
  info: 'border-sky-200 bg-sky-50 text-sky-900',
  success: 'border-emerald-200 bg-emerald-50 text-emerald-900',
};

export function Alert({ kind = 'error', title, children, className }: { kind?: Kind; title?: string; children?: ReactNode; className?: string }) {
  return (
    <div role={kind === 'error' ? 'alert' : 'status'} className={cx('rounded-md border px-3 py-2 text-sm', styles[kind], className)}>
      {title && <p className="font-medium">{title}</p>}
      {children && <div className={title ? 'mt-0.5' : undefined}>{children}</div>}
    </div>
  );
}

/** A query/mutation error rendered in place, or nothing. */
export function ErrorAlert({ error, title, className }: { error: unknown; title?: string; className?: string }) {
  if (!error) return null;
  return (
    <Alert kind="error" title={title} className={className}>
      {errorMessage(error)}
    </Alert>
  );
}
