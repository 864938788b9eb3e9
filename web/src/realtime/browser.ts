import { RealtimeClient, type NetworkStatus, type RealtimeOptions, type SocketLike } from './client';
import type { History } from './client';

/** What the browser wiring needs from the API layer (kept abstract so this
 * module does not import the app's API singleton). */
export interface BrowserRealtimeApi {
  fetchTicket(org: string): Promise<{ ticket: string; expires_in?: number; url?: string }>;
  fetchHistory(org: string, params: { since?: number; types?: string[]; limit: number }): Promise<History>;
}

const browserNetwork: NetworkStatus = {
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  subscribe(cb) {
    const on = () => cb(true);
    const off = () => cb(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

/**
 * ws(s)://<this host><path>: the path is the `url` the ticket answer carries
 * (`/api/v1/orgs/{org}/ws?ticket=...`), or built from the org and ticket when
 * a server gave none. The ticket is single use.
 */
export function socketUrl(org: string, ticket: string, path?: string, loc: Pick<Location, 'protocol' | 'host'> = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const rel =
    path && path.startsWith('/') && !path.startsWith('//')
      ? path
      : `/api/v1/orgs/${encodeURIComponent(org)}/ws?ticket=${encodeURIComponent(ticket)}`;
  return `${scheme}//${loc.host}${rel}`;
}

/** A RealtimeClient wired to the real browser WebSocket, timers and network. */
export function createBrowserRealtime(org: string, api: BrowserRealtimeApi, options?: Partial<RealtimeOptions>) {
  return new RealtimeClient(
    {
      fetchTicket: () => api.fetchTicket(org),
      fetchHistory: (params) => api.fetchHistory(org, params),
      socketUrl: (ticket, path) => socketUrl(org, ticket, path),
      // The DOM WebSocket is a SocketLike; only its handler signatures are
      // narrower (Event subtypes, `this`), which the client never relies on.
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      network: browserNetwork,
    },
    options,
  );
}
