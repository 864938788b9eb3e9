import { toast } from '../stores/toasts';
import type { NotificationEventData } from '../realtime';
import { useRealtimeEvent } from './useRealtimeEvents';

/** Shows a toast for each live `notification` event. Mount once (in the shell). */
export function useNotificationToasts(): void {
  useRealtimeEvent('notification', (e) => {
    const d = (e.data ?? {}) as NotificationEventData;
    const kind = d.kind && d.kind in toast ? d.kind : 'info';
    toast[kind](d.title || 'Notification', d.message);
  });
}
