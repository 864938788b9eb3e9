import { api, orgPath } from './instance';
import type { EventHistory, EventRecord, NotificationList, Page, WsTicket } from './types';

export const eventsApi = {
  history: (slug: string, params: { since?: number; types?: string[]; limit?: number }, signal?: AbortSignal) =>
    api.get<EventHistory>(
      orgPath(slug, '/events'),
      { since: params.since, types: params.types?.join(','), limit: params.limit },
      signal,
    ),
  /** Newest first. */
  activity: (slug: string, limit = 100) => api.get<Page<EventRecord>>(orgPath(slug, '/activity'), { limit }),
  /** Publish events (custom.*, notification, alert): admins and owners, or an API key with events:publish. */
  publish: (slug: string, events: Array<{ type: string; data?: unknown; target_user_id?: string }>) =>
    api.post<{ items: EventRecord[] }>(orgPath(slug, '/events'), { events }),
  wsTicket: (slug: string) => api.post<WsTicket>(orgPath(slug, '/ws-ticket')),
};

export const notificationsApi = {
  list: (slug: string, unreadOnly = false) =>
    api.get<NotificationList>(orgPath(slug, '/notifications'), { unread: unreadOnly ? 'true' : undefined, limit: 50 }),
  markRead: (slug: string, id: string) => api.post<void>(orgPath(slug, `/notifications/${encodeURIComponent(id)}/read`)),
  markAllRead: (slug: string) => api.post<void>(orgPath(slug, '/notifications/read-all')),
};
