import type { ReactNode } from 'react';
import { cx } from './cx';

export type Tone = 'green' | 'amber' | 'red' | 'blue' | 'slate' | 'violet';

const tones: Record<Tone, string> = {
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  red: 'bg-red-50 text-red-700 ring-red-600/20',
  blue: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  slate: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  violet: 'bg-violet-50 text-violet-700 ring-violet-600/20',
};

export function Badge({ tone = 'slate', children, className }: { tone?: Tone; children: ReactNode; className?: string }) {
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        tones[tone],
        className,
      )}
    >
      {children}
    </span>
  );
}

/** Status words used across jobs and plugins, mapped to a tone. */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'running':
    case 'succeeded':
    case 'connected':
    case 'ok':
    case 'healthy':
      return 'green';
    case 'queued':
    case 'starting':
    case 'connecting':
    case 'reconnecting':
    case 'polling':
    case 'degraded':
      return 'amber';
    case 'failed':
    case 'crashed':
    case 'error':
    case 'offline':
    case 'suspended':
      return 'red';
    case 'cancelled':
    case 'disabled':
      return 'slate';
    default:
      return 'blue';
  }
}
