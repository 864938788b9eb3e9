import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { jobsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { Job, JobStatus, Page } from '../api/types';
import type { RealtimeEvent, SyncStatusData, SyncUpdate } from '../realtime';
import { useRealtimeClient } from './RealtimeProvider';
import { useBatchedEvents } from './useBatchedEvents';
import { useWebSocket } from './useWebSocket';

const TERMINAL: JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Jobs of the org (REST) kept current by `sync.update` events and the
 * socket's `sync_status` answer. Live updates patch the cached job in place;
 * an update for a job we do not know, or one that just finished (its error
 * and attempts are only in REST), triggers a refetch.
 */
export function useSyncTasks(org: string) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: qk.jobs(org), queryFn: () => jobsApi.list(org), enabled: !!org });
  const { state, requestSyncStatus } = useWebSocket();
  const client = useRealtimeClient();
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const applyUpdates = (updates: SyncUpdate[]) => {
    let needRefetch = false;
    queryClient.setQueryData<Page<Job>>(qk.jobs(org), (page) => {
      if (!page) {
        needRefetch = true;
        return page;
      }
      const byId = new Map(updates.map((u) => [u.task_id, u]));
      const items = page.items.map((job) => {
        const u = byId.get(job.id);
        if (!u) return job;
        byId.delete(job.id);
        const status = (u.status as JobStatus) || job.status;
        if (TERMINAL.includes(status) && !TERMINAL.includes(job.status)) needRefetch = true;
        return {
          ...job,
          status,
          progress: u.progress ?? job.progress,
          processed_items: u.processed_items ?? job.processed_items,
          total_items: u.total_items ?? job.total_items,
        };
      });
      if (byId.size) needRefetch = true;
      return { ...page, items };
    });
    if (needRefetch && !refetchTimer.current) {
      // Coalesce: a burst of unknown tasks costs one refetch.
      refetchTimer.current = setTimeout(() => {
        refetchTimer.current = null;
        void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
      }, 500);
    }
  };

  useBatchedEvents('sync.update', (events) => {
    applyUpdates(events.map((e: RealtimeEvent) => e.data as SyncUpdate).filter((u) => u && u.task_id));
  });

  // Ask for the current task states whenever the socket (re)connects.
  useEffect(() => {
    if (!client) return;
    return client.onFrame('sync_status', (frame) => {
      const tasks = (frame.data as SyncStatusData | undefined)?.tasks;
      if (Array.isArray(tasks) && tasks.length) applyUpdates(tasks);
    });
    // applyUpdates only closes over stable values (org, queryClient).
  }, [client, org]);
  useEffect(() => {
    if (state.status === 'connected') requestSyncStatus();
  }, [state.status, requestSyncStatus]);

  useEffect(
    () => () => {
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
    },
    [],
  );

  return query;
}
