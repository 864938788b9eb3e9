import { useRef, useState } from 'react';
import type { Notification } from '../api/types';
import { useNotifications } from '../hooks/useNotifications';
import { useNow } from '../hooks/useNow';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import { kindStyle } from './Toaster';
import { Alert } from './ui/Alert';
import { Button } from './ui/Button';
import { Icon } from './ui/Icon';
import { Popover } from './ui/Popover';
import { Spinner } from './ui/Spinner';
import { cx } from './ui/cx';

/** The bell: unread count, and a dropdown to read, mark read, mark all read or clear. */
export function NotificationCenter({ org }: { org: string }) {
  const n = useNotifications(org);
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const now = useNow(30_000);
  const label = n.unread ? `Notifications, ${n.unread} unread` : 'Notifications';

  return (
    <div className="relative">
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        data-testid="notification-bell"
        className="relative inline-flex h-9 w-9 items-center justify-center rounded-full text-slate-600 hover:bg-slate-100"
      >
        <Icon name="bell" />
        {n.unread > 0 && (
          <span
            data-testid="unread-count"
            aria-hidden="true"
            className="absolute -top-0.5 -right-0.5 min-w-[1.25rem] rounded-full bg-red-600 px-1 text-center text-[11px] leading-5 font-semibold text-white"
          >
            {n.unread > 99 ? '99+' : n.unread}
          </span>
        )}
      </button>
      <Popover
        open={open}
        onClose={() => setOpen(false)}
        triggerRef={trigger}
        label="Notifications"
        className="w-[min(24rem,calc(100vw-1rem))] max-sm:fixed max-sm:inset-x-2 max-sm:top-14 max-sm:w-auto"
      >
        <div className="flex items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
          <h2 className="text-sm font-semibold">Notifications</h2>
          <div className="flex gap-1">
            <Button size="sm" variant="ghost" onClick={n.markAllRead} disabled={!n.unread || n.busy}>
              Mark all read
            </Button>
            <Button size="sm" variant="ghost" onClick={() => void n.clearAll()} disabled={!n.items.length}>
              Clear all
            </Button>
          </div>
        </div>
        <div className="max-h-[60vh] overflow-y-auto">
          {n.isLoading ? (
            <div className="p-6 text-center">
              <Spinner label="Loading notifications" />
            </div>
          ) : n.error ? (
            <Alert className="m-3">Notifications could not be loaded.</Alert>
          ) : n.items.length === 0 ? (
            <p className="px-4 py-10 text-center text-sm text-slate-500">You're all caught up. New notifications appear here.</p>
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Notification list">
              {n.items.map((item) => (
                <NotificationItem key={item.id} item={item} now={now} onRead={() => n.markRead(item.id)} />
              ))}
            </ul>
          )}
        </div>
      </Popover>
    </div>
  );
}

function NotificationItem({ item, now, onRead }: { item: Notification; now: number; onRead: () => void }) {
  const s = kindStyle[item.kind] ?? kindStyle.info;
  const unread = !item.read_at;
  return (
    <li
      data-testid="notification-item"
      data-kind={item.kind}
      className={cx('flex gap-3 border-l-4 px-4 py-3', s.accent, unread ? 'bg-slate-50' : 'bg-white')}
    >
      <Icon name={s.icon} className={cx('mt-0.5', s.iconColor)} />
      <div className="min-w-0 flex-1">
        <p className={cx('text-sm text-slate-900', unread && 'font-semibold')}>
          {item.title}
          {unread && <span className="sr-only"> (unread)</span>}
        </p>
        {item.message && <p className="mt-0.5 text-sm break-words text-slate-600">{item.message}</p>}
        <time className="mt-1 block text-xs text-slate-400" dateTime={item.created_at} title={absoluteTime(item.created_at)}>
          {relativeTime(item.created_at, now)}
        </time>
      </div>
      {unread && (
        <Button size="sm" variant="ghost" onClick={onRead} aria-label={`Mark "${item.title}" as read`}>
          Mark read
        </Button>
      )}
    </li>
  );
}
