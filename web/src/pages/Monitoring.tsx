import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { jobsApi, pluginsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { Job, JobStatus, Page, PluginAction } from '../api/types';
import { ActionDialog } from '../components/plugins/ActionDialog';
import { usePluginCatalog } from '../components/plugins/usePluginCatalog';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Button, buttonClasses } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { Dialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { SelectField } from '../components/ui/Field';
import { Icon } from '../components/ui/Icon';
import { ProgressBar } from '../components/ui/ProgressBar';
import { Loading } from '../components/ui/Spinner';
import { useFileOperations } from '../hooks/useFileOperations';
import { useMLUpdates } from '../hooks/useMLUpdates';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { forgetLive, rememberSource, useSyncTasks, type LiveTask, type TrackedJob } from '../hooks/useSyncTasks';
import { formatNumber, jobPercent, progressPercent } from '../lib/format';
import { useMeaningfulPaint } from '../lib/paintMark';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import { toast } from '../stores/toasts';

const STATUSES: Array<JobStatus | ''> = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];

export default function Monitoring() {
  const { slug, org, can } = useOrg();
  const jobs = useSyncTasks(slug);
  const [plugin, setPlugin] = useState('');
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [starting, setStarting] = useState(false);
  useMeaningfulPaint(!!org && !jobs.isLoading, 'monitoring');

  const all = useMemo(() => jobs.data?.items ?? [], [jobs.data]);
  const plugins = useMemo(() => [...new Set(all.map((j) => j.plugin))].sort(), [all]);
  const shown = all
    .filter((j) => (!plugin || j.plugin === plugin) && (!status || j.status === status))
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  const active = all.filter((j) => j.status === 'running' || j.status === 'queued').length;

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <PageHeader
        title="Monitoring"
        description={jobs.data ? `${active} active job${active === 1 ? '' : 's'}; progress updates live.` : 'Jobs and live progress.'}
        actions={
          can('jobs:run') && (
            <Button onClick={() => setStarting(true)}>
              <Icon name="plus" className="h-4 w-4" /> Start job
            </Button>
          )
        }
      />
      <SyncSourcesCard org={slug} jobs={all} />
      <Card
        title="Jobs"
        bodyClassName="p-0"
        actions={
          <div className="flex flex-wrap gap-2">
            <label className="text-xs text-slate-600">
              <span className="sr-only">Filter by plugin</span>
              <select value={plugin} onChange={(e) => setPlugin(e.target.value)} className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm">
                <option value="">All plugins</option>
                {plugins.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </label>
            <label className="text-xs text-slate-600">
              <span className="sr-only">Filter by status</span>
              <select value={status} onChange={(e) => setStatus(e.target.value as JobStatus | '')} className="h-8 rounded-md border border-slate-300 bg-white px-2 text-sm">
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s || 'Any status'}
                  </option>
                ))}
              </select>
            </label>
          </div>
        }
      >
        {jobs.isLoading ? (
          <Loading />
        ) : jobs.error ? (
          <div className="p-4">
            <ErrorAlert error={jobs.error} />
          </div>
        ) : shown.length === 0 && jobs.tasks.length === 0 ? (
          <EmptyState title={all.length ? 'No jobs match these filters' : 'No jobs yet'} icon={<Icon name="sync" className="h-8 w-8" />}>
            {all.length ? 'Try another plugin or status.' : 'Sync runs and other long tasks appear here with live progress once a plugin starts one.'}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Jobs">
            {jobs.tasks.map((t) => (
              <TaskRow key={t.task_id} task={t} />
            ))}
            {shown.map((j) => (
              <JobRow key={j.id} org={slug} job={j} canRun={can('jobs:run')} />
            ))}
          </ul>
        )}
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <FileOperationsCard />
        <ModelsCard />
      </div>
      {starting && <StartJobDialog org={slug} onClose={() => setStarting(false)} />}
    </div>
  );
}

interface SourceInfo {
  name: string;
  type: string;
  dataset?: string;
  key?: string;
}

/**
 * The sync plugin's configured sources (its `sources` action, which leaves
 * credentials out), each with its latest run and a "Sync now" button.
 */
function SyncSourcesCard({ org, jobs }: { org: string; jobs: TrackedJob[] }) {
  const { can } = useOrg();
  const queryClient = useQueryClient();
  const installed = useQuery({ queryKey: qk.plugins(org), queryFn: () => pluginsApi.installed(org) });
  const sync = installed.data?.items.find((p) => p.name === 'sync');
  const mayList = can('plugins:invoke');
  const sources = useQuery({
    queryKey: qk.pluginSources(org, 'sync'),
    queryFn: async () => ((await pluginsApi.invoke(org, 'sync', 'sources', {})) as { sources?: SourceInfo[] }).sources ?? [],
    enabled: !!sync && sync.status === 'running' && mayList,
  });
  const start = useMutation({
    mutationFn: (source: string) => jobsApi.start(org, 'sync', 'sync', { source }),
    onSuccess: (job, source) => {
      // Show the new job at once; the list refetch confirms it.
      rememberSource(queryClient, org, job.id, source);
      queryClient.setQueryData<Page<Job>>(qk.jobs(org), (page) =>
        page && !page.items.some((j) => j.id === job.id) ? { ...page, items: [job, ...page.items] } : page,
      );
      void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
    },
    onError: (err, source) => toast.error(`Could not start the sync of ${source}`, (err as Error).message),
  });

  if (!sync || !mayList) return null;
  const latest = (name: string) => jobs.find((j) => j.source === name);
  return (
    <Card
      title="Sync sources"
      description="Sources configured for the sync plugin in this organization."
      bodyClassName="p-0"
      actions={
        can('plugins:configure') && (
          <Link to={`/o/${org}/plugins?configure=sync`} className={buttonClasses('secondary', 'sm')}>
            <Icon name="settings" className="h-4 w-4" /> Configure
          </Link>
        )
      }
    >
      {sync.status !== 'running' ? (
        <div className="p-4">
          <Alert kind="warning">The sync plugin is {sync.status}; sources are listed once it runs.</Alert>
        </div>
      ) : sources.isLoading ? (
        <Loading />
      ) : sources.error ? (
        <div className="p-4">
          <ErrorAlert error={sources.error} />
        </div>
      ) : !sources.data?.length ? (
        <EmptyState title="No sources configured" icon={<Icon name="sync" className="h-8 w-8" />}>
          Add an HTTP API, a CSV or JSONL file or a PostgreSQL query in the sync plugin&apos;s configuration.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Sync sources">
          {sources.data.map((src) => {
            const last = latest(src.name);
            const busy = last && (last.status === 'running' || last.status === 'queued');
            return (
              <li key={src.name} className="flex flex-wrap items-center gap-3 px-4 py-3" data-testid={`source-${src.name}`}>
                <div className="min-w-0 flex-1">
                  <p className="flex items-center gap-2 text-sm font-medium text-slate-900">
                    {src.name} <Badge>{src.type}</Badge>
                  </p>
                  <p className="truncate text-xs text-slate-500">
                    into dataset <span className="font-mono">{src.dataset || src.name}</span>
                    {src.key ? <> · key <span className="font-mono">{src.key}</span></> : null}
                    {last ? <> · last run {last.status}</> : null}
                  </p>
                </div>
                {can('jobs:run') && (
                  <Button size="sm" onClick={() => start.mutate(src.name)} loading={start.isPending && start.variables === src.name} disabled={!!busy}>
                    <Icon name="sync" className="h-4 w-4" /> {busy ? 'Syncing…' : 'Sync now'}
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function JobRow({ org, job, canRun }: { org: string; job: TrackedJob; canRun: boolean }) {
  const queryClient = useQueryClient();
  const now = useNow(30_000);
  const act = useMutation({
    mutationFn: (what: 'cancel' | 'retry') => (what === 'cancel' ? jobsApi.cancel(org, job.id) : jobsApi.retry(org, job.id)),
    onSuccess: (updated, what) => {
      if (what === 'retry') forgetLive(queryClient, org, job.id);
      queryClient.setQueryData<Page<Job>>(qk.jobs(org), (page) =>
        page && { ...page, items: page.items.map((j) => (j.id === updated.id ? { ...j, ...updated } : j)) },
      );
      void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
      toast.info(what === 'cancel' ? 'Cancellation requested' : 'Job queued again');
    },
    onError: (err) => toast.error('Could not update the job', (err as Error).message),
  });
  const pct = job.status === 'succeeded' ? 100 : jobPercent(job.progress, job.processed_items, job.total_items);
  const live = job.status === 'running' || job.status === 'queued';
  const title = job.source ? `${job.kind} · ${job.source}` : job.kind;
  return (
    <li
      className="grid gap-3 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,16rem)_auto] sm:items-center"
      data-testid="job-row"
      data-job-id={job.id}
      data-status={job.status}
    >
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-slate-900">{title}</span>
          <Badge tone={statusTone(job.status)}>{job.status}</Badge>
        </div>
        <p className="mt-0.5 truncate text-xs text-slate-500">
          {job.plugin} · <span className="font-mono">{job.id.slice(-8)}</span> ·{' '}
          <time dateTime={job.created_at} title={absoluteTime(job.created_at)}>
            started {relativeTime(job.created_at, now)}
          </time>
          {job.attempts > 1 && ` · attempt ${job.attempts}`}
        </p>
        {job.error && job.status !== 'cancelled' && <p className="mt-1 text-xs break-words text-red-700">{job.error}</p>}
      </div>
      <div>
        <ProgressBar
          value={job.status === 'queued' ? 0 : pct}
          label={`${title} progress`}
          tone={job.status === 'failed' ? 'red' : job.status === 'succeeded' ? 'green' : job.status === 'cancelled' ? 'slate' : 'brand'}
        />
        <p className="mt-1 text-xs text-slate-500 tabular-nums">
          {job.total_items > 0
            ? `${formatNumber(job.processed_items)} / ${formatNumber(job.total_items)} items`
            : job.processed_items > 0
              ? `${formatNumber(job.processed_items)} items`
              : live
                ? 'Waiting for progress…'
                : ''}
          {pct !== null && job.status !== 'queued' ? ` · ${Math.round(pct)}%` : ''}
        </p>
      </div>
      <div className="flex gap-2 sm:justify-end">
        {canRun && live && (
          <Button size="sm" variant="secondary" onClick={() => act.mutate('cancel')} loading={act.isPending && act.variables === 'cancel'} aria-label={`Cancel ${title}`}>
            Cancel
          </Button>
        )}
        {canRun && job.retryable && (job.status === 'failed' || job.status === 'cancelled') && (
          <Button size="sm" variant="secondary" onClick={() => act.mutate('retry')} loading={act.isPending && act.variables === 'retry'} aria-label={`Retry ${title}`}>
            Retry
          </Button>
        )}
      </div>
    </li>
  );
}

/** A run that is not a job (a source synced on its interval), known from its events. */
function TaskRow({ task }: { task: LiveTask }) {
  const pct = task.status === 'succeeded' ? 100 : jobPercent(task.progress, task.processed_items, task.total_items);
  const title = `scheduled sync${task.source ? ` · ${task.source}` : ''}`;
  return (
    <li className="grid gap-3 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,16rem)_auto] sm:items-center" data-testid="task-row" data-status={task.status}>
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-slate-900">{title}</span>
          <Badge tone={statusTone(task.status)}>{task.status}</Badge>
        </div>
        {task.error && <p className="mt-1 text-xs break-words text-red-700">{task.error}</p>}
      </div>
      <div>
        <ProgressBar value={pct} label={`${title} progress`} tone={task.status === 'failed' ? 'red' : task.status === 'succeeded' ? 'green' : 'brand'} />
        <p className="mt-1 text-xs text-slate-500 tabular-nums">
          {task.total_items > 0 ? `${formatNumber(task.processed_items)} / ${formatNumber(task.total_items)} items` : `${formatNumber(task.processed_items)} items`}
        </p>
      </div>
      <div />
    </li>
  );
}

/** Pick a job-type action of an installed plugin, then fill its input form. */
function StartJobDialog({ org, onClose }: { org: string; onClose: () => void }) {
  const { installed, manifestOf, marketplace } = usePluginCatalog(org);
  const options = (installed.data?.items ?? []).flatMap((p) =>
    (manifestOf(p.name)?.manifest.actions ?? []).filter((a) => a.job).map((a) => ({ plugin: p.name, action: a })),
  );
  const [choice, setChoice] = useState(0);
  const [picked, setPicked] = useState<{ plugin: string; action: PluginAction } | null>(null);
  if (picked) return <ActionDialog org={org} plugin={picked.plugin} action={picked.action} onClose={onClose} />;

  return (
    <Dialog
      open
      onClose={onClose}
      title="Start a job"
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => setPicked(options[choice])} disabled={!options.length}>
            Next
          </Button>
        </>
      }
    >
      {installed.isLoading || marketplace.isLoading ? (
        <Loading />
      ) : options.length === 0 ? (
        <p className="text-sm text-slate-600">None of the installed plugins offers a job. Install a sync or ML plugin first.</p>
      ) : (
        <SelectField
          label="Job"
          value={String(choice)}
          onChange={(e) => setChoice(Number(e.target.value))}
          options={options.map((o, i) => ({ value: String(i), label: `${o.plugin}: ${o.action.name}` }))}
          hint={options[choice]?.action.description}
        />
      )}
    </Dialog>
  );
}

function FileOperationsCard() {
  const ops = useFileOperations();
  const now = useNow(15_000);
  return (
    <Card title="File operations" description="Uploads, downloads and file changes from file.* events.">
      {ops.length === 0 ? (
        <EmptyState title="No file activity yet" icon={<Icon name="file" className="h-8 w-8" />}>
          Transfers show up here with live progress while they run.
        </EmptyState>
      ) : (
        <ul className="space-y-3">
          {ops.slice(0, 12).map((op) => {
            const d = op.data;
            const pct =
              typeof d.percent === 'number'
                ? d.percent
                : typeof d.progress === 'number'
                  ? progressPercent(d.progress)
                  : progressPercent(undefined, d.bytes, d.total ?? d.total_bytes);
            const name = String(d.name ?? d.file ?? d.path ?? op.key);
            const what = d.op ?? d.operation ?? (op.type === 'file.upload.progress' ? 'upload' : op.type === 'file.download.progress' ? 'download' : op.type.replace('file.', ''));
            return (
              <li key={op.key} className="space-y-1">
                <div className="flex justify-between gap-2 text-sm">
                  <span className="truncate">
                    <span className="text-slate-500">{what}</span> {name}
                    {d.status && d.status !== 'running' && <span className="text-slate-400"> · {d.status}</span>}
                  </span>
                  <span className="shrink-0 text-xs text-slate-400">{relativeTime(op.updatedAt, now)}</span>
                </div>
                {pct !== null && op.type !== 'file.operation' && <ProgressBar value={pct} label={`${name} progress`} tone={d.status === 'failed' ? 'red' : d.status === 'completed' ? 'green' : 'brand'} />}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function ModelsCard() {
  const { models } = useMLUpdates();
  const now = useNow(15_000);
  return (
    <Card title="Models" description="Training progress and model updates from ml.* events.">
      {models.length === 0 ? (
        <EmptyState title="No model activity yet" icon={<Icon name="cpu" className="h-8 w-8" />}>
          Training runs report progress here as they happen.
        </EmptyState>
      ) : (
        <ul className="space-y-3">
          {models.map((m) => {
            const d = m.data as typeof m.data & { max_epochs?: number; metric?: number; metric_name?: string };
            const pct =
              typeof d.progress === 'number'
                ? progressPercent(d.progress)
                : typeof d.epoch === 'number' && typeof d.max_epochs === 'number' && d.max_epochs > 0
                  ? d.status === 'completed' || d.status === 'registered'
                    ? 100
                    : (d.epoch * 100) / d.max_epochs
                  : null;
            return (
              <li key={m.model} className="space-y-1">
                <div className="flex justify-between gap-2 text-sm">
                  <span className="truncate font-medium">{m.model}</span>
                  <span className="flex shrink-0 items-center gap-2">
                    {m.data.status && <Badge tone={statusTone(String(m.data.status))}>{String(m.data.status)}</Badge>}
                    <span className="text-xs text-slate-400">{relativeTime(m.updatedAt, now)}</span>
                  </span>
                </div>
                {pct !== null && <ProgressBar value={pct} label={`${m.model} training progress`} />}
                <p className="text-xs text-slate-500 tabular-nums">
                  {[
                    d.epoch !== undefined && `epoch ${d.epoch}${d.max_epochs ? `/${d.max_epochs}` : ''}`,
                    typeof d.loss === 'number' && `loss ${formatNumber(d.loss)}`,
                    typeof d.metric === 'number' && `${d.metric_name || 'metric'} ${formatNumber(d.metric)}`,
                    typeof d.accuracy === 'number' && `accuracy ${formatNumber(d.accuracy)}`,
                    typeof d.version === 'number' && `v${d.version}`,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
