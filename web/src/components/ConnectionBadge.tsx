import { useRef, useState } from 'react';
import { useNow } from '../hooks/useNow';
import { useRealtimeStats, useWebSocket } from '../hooks/useWebSocket';
import { relativeTime, secondsUntil } from '../lib/relativeTime';
import type { ConnectionState } from '../realtime';
import { Button } from './ui/Button';
import { cx } from './ui/cx';
import { Popover } from './ui/Popover';

/** The words the badge uses for each state; honest about polling and offline. */
export function describeConnection(state: ConnectionState, now: number): { text: string; tone: 'green' | 'amber' | 'red' | 'blue' } {
  switch (state.status) {
    case 'connected':
      return { text: 'Connected', tone: 'green' };
    case 'idle':
    case 'connecting':
      return { text: 'Connecting…', tone: 'amber' };
    case 'reconnecting': {
      const s = secondsUntil(state.retryAt, now);
      return { text: s > 0 ? `Reconnecting in ${s} s` : 'Reconnecting…', tone: 'amber' };
    }
    case 'polling':
      return { text: 'Polling', tone: 'blue' };
    case 'offline':
      return { text: 'Offline', tone: 'red' };
  }
}

const dot = { green: 'bg-emerald-500', amber: 'bg-amber-500', red: 'bg-red-500', blue: 'bg-sky-500' };
const ring = {
  green: 'text-emerald-800 bg-emerald-50 ring-emerald-600/20',
  amber: 'text-amber-900 bg-amber-50 ring-amber-600/30',
  red: 'text-red-800 bg-red-50 ring-red-600/20',
  blue: 'text-sky-800 bg-sky-50 ring-sky-600/20',
};

export function ConnectionBadge() {
  const { state, reconnectNow } = useWebSocket();
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  // Tick every second only while a countdown is on screen.
  const now = useNow(state.status === 'reconnecting' ? 1000 : 60_000);
  const { text, tone } = describeConnection(state, now);

  return (
    <div className="relative">
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={`Real-time connection: ${text}`}
        data-testid="connection-badge"
        data-status={state.status}
        className={cx('inline-flex h-8 items-center gap-2 rounded-full px-3 text-xs font-medium ring-1 ring-inset', ring[tone])}
      >
        <span className={cx('h-2 w-2 rounded-full', dot[tone], tone !== 'green' && tone !== 'red' && 'sy-pulse')} aria-hidden="true" />
        <span className="hidden whitespace-nowrap sm:inline">{text}</span>
      </button>
      {/* Screen readers hear state changes without opening anything. */}
      <span className="sr-only" role="status" aria-live="polite">
        {state.status === 'reconnecting' ? 'Reconnecting' : text}
      </span>
      <Popover open={open} onClose={() => setOpen(false)} triggerRef={trigger} label="Connection details" className="w-72 p-4">
        <ConnectionDetails state={state} text={text} now={now} onReconnect={reconnectNow} />
      </Popover>
    </div>
  );
}

function ConnectionDetails({ state, text, now, onReconnect }: { state: ConnectionState; text: string; now: number; onReconnect: () => void }) {
  const stats = useRealtimeStats();
  const explanation =
    state.status === 'connected'
      ? `Live updates are streaming${state.since ? ` since ${relativeTime(state.since, now)}` : ''}.`
      : state.status === 'polling'
        ? `${state.reason}. Checking for new events every few seconds instead${state.lastError ? ` (last check failed: ${state.lastError})` : ''}.`
        : state.status === 'reconnecting'
          ? `${state.reason}. Attempt ${state.attempt} is scheduled; data on screen may be out of date.`
          : state.status === 'offline'
            ? `${state.reason}. Data on screen is not updating.`
            : 'Opening the live connection…';
  const canRetry = state.status === 'reconnecting' || state.status === 'polling' || state.status === 'offline';
  return (
    <div className="space-y-3 text-sm">
      <p className="font-medium text-slate-900">{text}</p>
      <p className="text-slate-600">{explanation}</p>
      <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-500">
        <dt>Last event #</dt>
        <dd className="text-right font-mono" data-testid="last-seq">
          {stats.lastSeq ?? '—'}
        </dd>
        <dt>Reconnects</dt>
        <dd className="text-right font-mono">{stats.reconnects}</dd>
        <dt>Ignored frames</dt>
        <dd className="text-right font-mono">{stats.malformedFrames}</dd>
        <dt>Server errors</dt>
        <dd className="text-right font-mono">{stats.serverErrors}</dd>
      </dl>
      {canRetry && (
        <Button size="sm" variant="secondary" onClick={onReconnect} className="w-full">
          Reconnect now
        </Button>
      )}
    </div>
  );
}
