import { api, orgPath } from './instance';
import type { EventHistory, EventRecord, NotificationList, Page, WsTicket } from './types';

export const eventsApi = {
  history: (slug: string, params: { since?: number; types?: string[]; limit?: number }, signal?: AbortSignal) =>
    api.get<EventHistory>(
      orgPath(slug, '/events'),
      { since: params.since, types: params.types?.join(','), limit: params.limit },
      signal,
    ),
  activity: (slug: string, limit = 100) => api.get<Page<EventRecord>>(orgPath(slug, '/activity'), { limit }),
  wsTicket: (slug: string) => api.post<WsTicket>(orgPath(slug, '/ws-ticket')),
};

export const notificationsApi = {
  list: (slug: string, unreadOnly = false) =>
    api.get<NotificationList>(orgPath(slug, '/notifications'), { unread: unreadOnly || undefined, limit: 50 }),
  markRead: (slug: string, id: string) => api.post<void>(orgPath(slug, `/notifications/${encodeURIComponent(id)}/read`)),
  markAllRead: (slug: string) => api.post<void>(orgPath(slug, '/notifications/read-all')),
};
