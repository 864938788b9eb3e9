import { useQueries, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { jobsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { Job, JobStatus, Page } from '../api/types';
import type { RealtimeEvent, SyncStatusData, SyncUpdate } from '../realtime';
import { useRealtimeClient } from './RealtimeProvider';
import { useBatchedEvents } from './useBatchedEvents';
import { useWebSocket } from './useWebSocket';

const TERMINAL: readonly string[] = ['succeeded', 'failed', 'cancelled'];
const isTerminal = (s: string) => TERMINAL.includes(s);

/** A job as the dashboard shows it: the REST row with what live updates told since. */
export type TrackedJob = Job & {
  /** The sync source, from the job's input or a `sync.update`. */
  source?: string;
  dataset?: string;
};

/** A run that is not a job (a source synced on its interval): known from events only. */
export interface LiveTask {
  task_id: string;
  status: string;
  progress: number;
  processed_items: number;
  total_items: number;
  source?: string;
  dataset?: string;
  error?: string;
  updated_at: string;
}

type LiveMap = Record<string, LiveTask>;
type SourceMap = Record<string, { source?: string; dataset?: string }>;
const liveKey = (org: string) => ['org', org, 'jobs', 'live'] as const;
const sourcesKey = (org: string) => ['org', org, 'jobs', 'sources'] as const;
/** Jobs whose input is looked up to name their source, at most (newest first). */
const DETAIL_LOOKUPS = 20;
/** While a job runs: ask the socket for the tasks' stored progress this often... */
const SYNC_STATUS_EVERY_MS = 2_000;
/** ...and refresh the list (other plugins' jobs, errors, retryability) this often. */
const LIST_EVERY_MS = 10_000;

/** Remembers which source a job syncs (from its input, or a `sync.update`): the job list does not say. */
export function rememberSource(queryClient: QueryClient, org: string, jobId: string, source?: string, dataset?: string): void {
  if (!source) return;
  queryClient.setQueryData<SourceMap>(sourcesKey(org), (m) =>
    m?.[jobId]?.source === source && (!dataset || m[jobId].dataset === dataset)
      ? m
      : { ...m, [jobId]: { source, dataset: dataset ?? m?.[jobId]?.dataset } },
  );
}

/** Forget what live updates said about a job (it was retried: a new attempt starts from zero). */
export function forgetLive(queryClient: QueryClient, org: string, jobId: string): void {
  queryClient.setQueryData<LiveMap>(liveKey(org), (m) => {
    if (!m?.[jobId]) return m;
    const next = { ...m };
    delete next[jobId];
    return next;
  });
}

/**
 * Jobs of the org (REST), with progress that moves live: `sync.update`
 * events and the socket's `sync_status` answers (asked on every (re)connect
 * and every 2 s while a job is active, since the plugin reports at most 4
 * updates a second and a source that stalls may leave its last progress
 * unreported) are kept per task and laid over the REST rows, so an update
 * that arrives before the job is listed is not lost. REST wins once it says
 * a job ended; an update naming a job the list lacks, or saying one ended,
 * triggers one coalesced refetch (errors and retryability are only in REST).
 * Runs that are not jobs (`scheduled-…`) come back in `tasks`.
 */
export function useSyncTasks(org: string) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: qk.jobs(org), queryFn: () => jobsApi.list(org), enabled: !!org });
  const live = useQuery({ queryKey: liveKey(org), queryFn: () => ({}) as LiveMap, staleTime: Infinity, enabled: false });
  const sources = useQuery({ queryKey: sourcesKey(org), queryFn: () => ({}) as SourceMap, staleTime: Infinity, enabled: false });
  const { state, requestSyncStatus } = useWebSocket();
  const client = useRealtimeClient();
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const applyUpdates = useCallback(
    (updates: Array<SyncUpdate & { timestamp?: string }>) => {
      if (!updates.length) return;
      const listed = new Map((queryClient.getQueryData<Page<Job>>(qk.jobs(org))?.items ?? []).map((j) => [j.id, j]));
      let needRefetch = false;
      queryClient.setQueryData<LiveMap>(liveKey(org), (m) => {
        const next = { ...m };
        for (const u of updates) {
          const prev = next[u.task_id];
          next[u.task_id] = {
            task_id: u.task_id,
            status: u.status || prev?.status || 'running',
            progress: typeof u.progress === 'number' ? u.progress : (prev?.progress ?? 0),
            processed_items: u.processed_items ?? prev?.processed_items ?? 0,
            total_items: u.total_items ?? prev?.total_items ?? 0,
            source: u.source ?? prev?.source,
            dataset: u.dataset ?? prev?.dataset,
            error: u.error ?? prev?.error,
            // sync_status answers carry no time: they keep the last event's.
            updated_at: u.timestamp ?? prev?.updated_at ?? '',
          };
          rememberSource(queryClient, org, u.task_id, u.source, u.dataset);
          if (u.task_id.startsWith('scheduled-')) continue;
          const job = listed.get(u.task_id);
          // Unknown, newly ended, or retried meanwhile (REST still says ended): ask REST.
          if (!job || isTerminal(u.status) !== isTerminal(job.status)) needRefetch = true;
        }
        return next;
      });
      if (needRefetch && !refetchTimer.current) {
        // Coalesce: a burst of new or finished tasks costs one refetch.
        refetchTimer.current = setTimeout(() => {
          refetchTimer.current = null;
          void queryClient.invalidateQueries({ queryKey: qk.jobs(org), exact: true });
        }, 300);
      }
    },
    [org, queryClient],
  );

  useBatchedEvents(['sync.update', 'ml.training.progress'], (events) => {
    applyUpdates(
      events
        .map((e: RealtimeEvent) => (e.type === 'sync.update' ? { ...(e.data as SyncUpdate), timestamp: e.timestamp } : fromTraining(e)))
        .filter((u): u is SyncUpdate & { timestamp?: string } => !!u && typeof u.task_id === 'string'),
    );
  });

  // The server's view of the tasks (their stored progress), asked on every
  // (re)connect and, while a job is active, every 2 s.
  useEffect(() => {
    if (!client) return;
    return client.onFrame('sync_status', (frame) => {
      const list = (frame.data as SyncStatusData | undefined)?.tasks;
      if (Array.isArray(list) && list.length) applyUpdates(list);
    });
  }, [client, applyUpdates]);
  const anyActive = (query.data?.items ?? []).some((j) => !isTerminal(j.status));
  const connected = state.status === 'connected';
  useEffect(() => {
    if (!connected) return;
    requestSyncStatus();
    if (!anyActive) return;
    const id = setInterval(() => requestSyncStatus(), SYNC_STATUS_EVERY_MS);
    return () => clearInterval(id);
  }, [connected, anyActive, requestSyncStatus]);
  useEffect(() => {
    if (!anyActive) return;
    const id = setInterval(() => void queryClient.invalidateQueries({ queryKey: qk.jobs(org), exact: true }), LIST_EVERY_MS);
    return () => clearInterval(id);
  }, [anyActive, org, queryClient]);

  useEffect(
    () => () => {
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
    },
    [],
  );

  // Sync jobs whose source is not known yet (listed before this page saw
  // their events): one look at the job's input each, kept for good.
  const known = sources.data;
  const unknown = useMemo(
    () => (query.data?.items ?? []).filter((j) => j.plugin === 'sync' && !known?.[j.id]?.source).slice(0, DETAIL_LOOKUPS),
    [query.data, known],
  );
  useQueries({
    queries: unknown.map((j) => ({
      queryKey: ['org', org, 'jobs', j.id, 'input'],
      queryFn: async () => {
        const d = await jobsApi.get(org, j.id);
        const source = (d.input as { source?: unknown } | null)?.source;
        if (typeof source === 'string') rememberSource(queryClient, org, j.id, source);
        return true;
      },
      staleTime: Infinity,
    })),
  });

  const updates = live.data;
  const data = useMemo<Page<TrackedJob> | undefined>(
    () => query.data && { ...query.data, items: query.data.items.map((j) => overlay(j, updates?.[j.id], known?.[j.id])) },
    [query.data, updates, known],
  );
  const tasks = useMemo(() => Object.values(updates ?? {}).filter((t) => t.task_id.startsWith('scheduled-')), [updates]);

  return { ...query, data, tasks };
}

/**
 * An `ml.training.progress` event as a job update: epochs are its items
 * (the ml plugin reports them per training job, `job_id`).
 */
export function fromTraining(e: RealtimeEvent): (SyncUpdate & { timestamp?: string }) | null {
  const d = (e.data ?? {}) as { job_id?: string; status?: string; epoch?: number; max_epochs?: number; error?: string };
  if (typeof d.job_id !== 'string') return null;
  const epoch = typeof d.epoch === 'number' ? d.epoch : 0;
  const max = typeof d.max_epochs === 'number' ? d.max_epochs : 0;
  const status = d.status === 'completed' ? 'succeeded' : (d.status ?? 'running');
  return {
    task_id: d.job_id,
    status,
    progress: status === 'succeeded' ? 100 : max > 0 ? Math.min(100, Math.floor((epoch * 100) / max)) : 0,
    processed_items: epoch,
    total_items: max,
    error: d.error,
    timestamp: e.timestamp,
  };
}

/**
 * A REST row with the latest live update laid over it. REST has the last
 * word once it says the job ended, or when it changed after the update was
 * sent (a retry elsewhere); otherwise the update wins when it is as far
 * along (progress only grows within an attempt) or says the job ended.
 */
export function overlay(job: Job, u: LiveTask | undefined, src: SourceMap[string] | undefined): TrackedJob {
  const out: TrackedJob = src ? { ...job, source: src.source, dataset: src.dataset } : { ...job };
  if (!u || isTerminal(job.status)) return out;
  if (u.updated_at && Date.parse(job.updated_at) > Date.parse(u.updated_at)) return out;
  if (!isTerminal(u.status) && u.processed_items < job.processed_items) return out;
  return {
    ...out,
    status: (u.status as JobStatus) || job.status,
    progress: u.progress,
    processed_items: u.processed_items,
    total_items: u.total_items || job.total_items,
    error: u.error ?? job.error,
  };
}
