import { useQuery } from '@tanstack/react-query';
import { memo, useLayoutEffect, useMemo, useRef, useState, type UIEvent } from 'react';
import { membersApi } from '../../api/orgs';
import { qk } from '../../api/queryKeys';
import { useActivityFeed } from '../../hooks/useActivityFeed';
import { useNow } from '../../hooks/useNow';
import { useWebSocket } from '../../hooks/useWebSocket';
import { absoluteTime, relativeTime } from '../../lib/relativeTime';
import type { RealtimeEvent } from '../../realtime';
import { ErrorAlert } from '../ui/Alert';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { Icon } from '../ui/Icon';
import { Loading } from '../ui/Spinner';
import { cx } from '../ui/cx';
import { eventIcon, eventSummary, type NameOf } from './eventPresentation';
import { LiveIndicator } from './LiveIndicator';

export { LiveIndicator };

const ROW = 52; // px; fixed so the window can be computed without measuring
const VIEWPORT = 420;
const OVERSCAN = 6;

/**
 * The live activity feed, newest at the bottom. It follows new events while
 * the user is at the bottom; scrolling up pauses it on a snapshot (so rows
 * do not shift under the reader) and counts what arrived meanwhile. Only the
 * rows in view are in the DOM, so a 500-event buffer at 200 events/s stays
 * cheap; events reach it in animation-frame batches (useActivityFeed).
 */
export function ActivityFeed({ org }: { org: string }) {
  const feed = useActivityFeed(org);
  const { state } = useWebSocket();
  const members = useQuery({ queryKey: qk.members(org), queryFn: () => membersApi.list(org) });
  const nameOf = useMemo<NameOf>(() => {
    const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.name || m.email]));
    return (id) => names.get(id);
  }, [members.data]);
  const now = useNow(15_000);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [paused, setPaused] = useState<{ events: RealtimeEvent[]; liveCountAt: number } | null>(null);

  const rows = paused ? paused.events : feed.events;
  const missed = paused ? feed.liveCount - paused.liveCountAt : 0;

  // Follow the tail while not paused. The window below is computed from the
  // end of the list then, so following costs no second render.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || paused) return;
    el.scrollTop = el.scrollHeight;
  }, [rows.length, rows[rows.length - 1]?.id, paused]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW;
    if (!atBottom) setScrollTop(el.scrollTop);
    if (!atBottom && !paused) setPaused({ events: feed.events, liveCountAt: feed.liveCount });
    else if (atBottom && paused) setPaused(null);
  };

  const resume = () => {
    setPaused(null);
    // The layout effect scrolls to the bottom on the next render.
  };

  const top = paused ? scrollTop : Math.max(0, rows.length * ROW - VIEWPORT);
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + VIEWPORT) / ROW) + OVERSCAN);

  return (
    <Card
      title="Activity"
      description="Everything happening in this organization, as it happens."
      actions={<LiveIndicator status={state.status} paused={!!paused} />}
      bodyClassName="p-0 relative"
    >
      {feed.isLoading ? (
        <Loading label="Loading recent activity…" />
      ) : (
        <>
          {feed.error && (
            <div className="p-3">
              <ErrorAlert error={feed.error} title="Recent history could not be loaded; showing live events only." />
            </div>
          )}
          {rows.length === 0 ? (
            <EmptyState title="No activity yet" icon={<Icon name="activity" className="h-8 w-8" />}>
              Events from plugins, members and the platform will stream in here the moment they happen.
            </EmptyState>
          ) : (
            <div
              ref={scroller}
              onScroll={onScroll}
              className="overflow-y-auto overscroll-contain"
              style={{ height: VIEWPORT }}
              role="log"
              aria-label="Activity feed"
              aria-live={paused ? 'off' : 'polite'}
              aria-relevant="additions"
              tabIndex={0}
              data-testid="activity-feed"
            >
              <ul style={{ height: rows.length * ROW, position: 'relative' }}>
                {rows.slice(first, last).map((e, i) => (
                  <FeedRow key={e.id} event={e} now={now} top={(first + i) * ROW} nameOf={nameOf} />
                ))}
              </ul>
            </div>
          )}
          {paused && (
            <button
              type="button"
              onClick={resume}
              className="absolute bottom-3 left-1/2 inline-flex -translate-x-1/2 items-center gap-1.5 rounded-full bg-brand-600 px-3 py-1.5 text-xs font-medium text-white shadow-lg hover:bg-brand-700"
            >
              <Icon name="arrowDown" className="h-3.5 w-3.5" />
              {missed > 0 ? `${missed > 999 ? '999+' : missed} new event${missed === 1 ? '' : 's'}` : 'Back to live'}
            </button>
          )}
        </>
      )}
    </Card>
  );
}

const FeedRow = memo(function FeedRow({ event, now, top, nameOf }: { event: RealtimeEvent; now: number; top: number; nameOf: NameOf }) {
  const { icon, color } = eventIcon(event.type);
  return (
    <li
      className="absolute inset-x-0 flex items-center gap-3 border-b border-slate-50 px-4"
      style={{ top, height: ROW }}
      data-seq={event.seq}
      data-type={event.type}
    >
      <span className={cx('flex h-8 w-8 shrink-0 items-center justify-center rounded-full', color)}>
        <Icon name={icon} className="h-4 w-4" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm text-slate-800">{eventSummary(event.type, event.data, nameOf)}</p>
        <p className="truncate font-mono text-[11px] text-slate-400">
          {event.type}
          {event.source ? ` · ${sourceLabel(event.source, nameOf)}` : ''}
        </p>
      </div>
      <time className="shrink-0 text-xs whitespace-nowrap text-slate-400" dateTime={event.timestamp} title={absoluteTime(event.timestamp)}>
        {relativeTime(event.timestamp, now)}
      </time>
    </li>
  );
});

/** `user:<id>` as the member's name, `plugin:sync` as "sync", `key:<id>` as "API key". */
export function sourceLabel(source: string, nameOf: NameOf): string {
  const [kind, id] = source.split(':', 2);
  if (kind === 'user' && id) return nameOf(id) ?? 'a member';
  if (kind === 'plugin' && id) return id;
  if (kind === 'key') return 'API key';
  return source;
}
