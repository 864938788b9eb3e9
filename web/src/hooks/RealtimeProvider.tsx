import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { eventsApi } from '../api/events';
import { createBrowserRealtime, type RealtimeClient } from '../realtime';

const RealtimeContext = createContext<RealtimeClient | null>(null);

/**
 * Owns the one real-time connection of the current org: created when the org
 * page mounts, stopped when it unmounts or the org changes. On a "reload"
 * signal (resume_failed, new epoch) everything cached for the org is
 * refetched over REST, since live updates were missed.
 */
export function RealtimeProvider({ org, enabled = true, children }: { org: string; enabled?: boolean; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [client, setClient] = useState<RealtimeClient | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const c = createBrowserRealtime(org, {
      fetchTicket: (o) => eventsApi.wsTicket(o),
      fetchHistory: (o, params) => eventsApi.history(o, params),
    });
    const offReload = c.onReload(() => {
      void queryClient.invalidateQueries({ queryKey: ['org', org] });
    });
    setClient(c);
    c.start();
    return () => {
      offReload();
      c.stop();
      setClient(null);
    };
  }, [org, enabled, queryClient]);

  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

/** Test seam: provide an already-built client (e.g. over a FakeSocket). */
export function RealtimeTestProvider({ client, children }: { client: RealtimeClient; children: ReactNode }) {
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

/** The org's realtime client, or null outside an org (or before it is created). */
export function useRealtimeClient(): RealtimeClient | null {
  return useContext(RealtimeContext);
}
