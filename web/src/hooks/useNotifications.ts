import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { notificationsApi } from '../api/events';
import { qk } from '../api/queryKeys';
import type { Notification, NotificationList } from '../api/types';
import type { NotificationEventData, RealtimeEvent } from '../realtime';
import { useRealtimeEvent } from './useRealtimeEvents';

const clearedKey = (org: string) => `switchyard.notifications.cleared.${org}`;

/**
 * The org's notification center: the stored list (REST), live `notification`
 * events shown at once and then confirmed by a (coalesced) refetch, and the
 * read/read-all actions with optimistic updates.
 *
 * "Clear all" has no server endpoint: it marks everything read and hides what
 * is in the list now, remembering the moment per org in localStorage.
 */
export function useNotifications(org: string) {
  const queryClient = useQueryClient();
  const key = qk.notifications(org);
  const query = useQuery({ queryKey: key, queryFn: () => notificationsApi.list(org), enabled: !!org });
  const [clearedAt, setClearedAt] = useState<number>(() => Number(localStorage.getItem(clearedKey(org)) ?? 0));
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setClearedAt(Number(localStorage.getItem(clearedKey(org)) ?? 0)), [org]);
  useEffect(
    () => () => {
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
    },
    [],
  );

  useRealtimeEvent('notification', (e: RealtimeEvent<NotificationEventData>) => {
    const live = fromEvent(e);
    // Several components use this hook at once; the first one to see the
    // event adds it, the others find it already there.
    queryClient.setQueryData<NotificationList>(key, (list) =>
      !list
        ? { items: [live], unread: 1 }
        : list.items.some((n) => n.id === live.id)
          ? list
          : { items: [live, ...list.items], unread: list.unread + 1 },
    );
    if (!refetchTimer.current) {
      refetchTimer.current = setTimeout(() => {
        refetchTimer.current = null;
        void queryClient.invalidateQueries({ queryKey: key });
      }, 1_000);
    }
  });

  const markRead = useMutation({
    mutationFn: (id: string) => notificationsApi.markRead(org, id),
    onMutate: (id) => {
      const before = queryClient.getQueryData<NotificationList>(key);
      queryClient.setQueryData<NotificationList>(key, (list) => list && markOne(list, id));
      return { before };
    },
    onError: (_e, _id, ctx) => ctx?.before && queryClient.setQueryData(key, ctx.before),
  });

  const markAllRead = useMutation({
    mutationFn: () => notificationsApi.markAllRead(org),
    onMutate: () => {
      const before = queryClient.getQueryData<NotificationList>(key);
      const now = new Date().toISOString();
      queryClient.setQueryData<NotificationList>(
        key,
        (list) => list && { items: list.items.map((n) => (n.read_at ? n : { ...n, read_at: now })), unread: 0 },
      );
      return { before };
    },
    onError: (_e, _v, ctx) => ctx?.before && queryClient.setQueryData(key, ctx.before),
  });

  const clearAll = useCallback(async () => {
    const now = Date.now();
    localStorage.setItem(clearedKey(org), String(now));
    setClearedAt(now);
    if ((query.data?.unread ?? 0) > 0) await markAllRead.mutateAsync();
  }, [org, query.data?.unread, markAllRead]);

  const items = useMemo(
    () => (query.data?.items ?? []).filter((n) => Date.parse(n.created_at) > clearedAt || !n.read_at),
    [query.data, clearedAt],
  );

  return {
    items,
    unread: query.data?.unread ?? 0,
    isLoading: query.isLoading,
    error: query.error,
    markRead: (id: string) => markRead.mutate(id),
    markAllRead: () => markAllRead.mutate(),
    clearAll,
    busy: markAllRead.isPending,
  };
}

function markOne(list: NotificationList, id: string): NotificationList {
  let changed = false;
  const items = list.items.map((n) => {
    if (n.id !== id || n.read_at) return n;
    changed = true;
    return { ...n, read_at: new Date().toISOString() };
  });
  return changed ? { items, unread: Math.max(0, list.unread - 1) } : list;
}

/**
 * A live `notification` event as a list entry. The server stores each
 * notification under the id of the event that carried it, so the entry can be
 * marked read at once; the coalesced refetch then brings the stored copy.
 */
export function fromEvent(e: RealtimeEvent<NotificationEventData>): Notification {
  const d = e.data ?? ({} as NotificationEventData);
  const kind = d.kind === 'success' || d.kind === 'error' || d.kind === 'warning' ? d.kind : 'info';
  return {
    id: e.id,
    seq: e.seq,
    kind,
    title: d.title || 'Notification',
    message: d.message ?? '',
    created_at: e.timestamp,
    read_at: null,
  };
}
