import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { jobsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { Job, JobStatus, PluginAction } from '../api/types';
import { ActionDialog } from '../components/plugins/ActionDialog';
import { usePluginCatalog } from '../components/plugins/usePluginCatalog';
import { ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
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
import { useSyncTasks } from '../hooks/useSyncTasks';
import { formatNumber, progressPercent } from '../lib/format';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import { toast } from '../stores/toasts';

const STATUSES: Array<JobStatus | ''> = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];

export default function Monitoring() {
  const { slug, can } = useOrg();
  const jobs = useSyncTasks(slug);
  const [plugin, setPlugin] = useState('');
  const [status, setStatus] = useState<JobStatus | ''>('');
  const [starting, setStarting] = useState(false);

  const all = jobs.data?.items ?? [];
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
        ) : shown.length === 0 ? (
          <EmptyState title={all.length ? 'No jobs match these filters' : 'No jobs yet'} icon={<Icon name="sync" className="h-8 w-8" />}>
            {all.length ? 'Try another plugin or status.' : 'Sync runs and other long tasks appear here with live progress once a plugin starts one.'}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Jobs">
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

function JobRow({ org, job, canRun }: { org: string; job: Job; canRun: boolean }) {
  const queryClient = useQueryClient();
  const now = useNow(30_000);
  const act = useMutation({
    mutationFn: (what: 'cancel' | 'retry') => (what === 'cancel' ? jobsApi.cancel(org, job.id) : jobsApi.retry(org, job.id)),
    onSuccess: (_r, what) => {
      void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
      toast.info(what === 'cancel' ? 'Cancellation requested' : 'Job queued again');
    },
    onError: (err) => toast.error('Could not update the job', (err as Error).message),
  });
  const pct = progressPercent(job.progress, job.processed_items, job.total_items);
  const live = job.status === 'running' || job.status === 'queued';
  return (
    <li className="grid gap-3 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,14rem)_auto] sm:items-center" data-testid="job-row" data-status={job.status}>
      <div className="min-w-0">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-slate-900">{job.kind}</span>
          <Badge tone={statusTone(job.status)}>{job.status}</Badge>
        </div>
        <p className="mt-0.5 truncate text-xs text-slate-500">
          {job.plugin} · <span className="font-mono">{job.id.slice(0, 8)}</span> ·{' '}
          <time dateTime={job.created_at} title={absoluteTime(job.created_at)}>
            started {relativeTime(job.created_at, now)}
          </time>
          {job.attempts > 1 && ` · attempt ${job.attempts}`}
        </p>
        {job.error && <p className="mt-1 text-xs break-words text-red-700">{job.error}</p>}
      </div>
      <div>
        <ProgressBar
          value={job.status === 'queued' ? 0 : job.status === 'succeeded' ? 100 : pct}
          label={`${job.kind} progress`}
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
          {pct !== null && job.status === 'running' ? ` · ${Math.round(pct)}%` : ''}
        </p>
      </div>
      <div className="flex gap-2 sm:justify-end">
        {canRun && live && (
          <Button size="sm" variant="secondary" onClick={() => act.mutate('cancel')} loading={act.isPending && act.variables === 'cancel'}>
            Cancel
          </Button>
        )}
        {canRun && (job.status === 'failed' || job.status === 'cancelled') && (
          <Button size="sm" variant="secondary" onClick={() => act.mutate('retry')} loading={act.isPending && act.variables === 'retry'}>
            Retry
          </Button>
        )}
      </div>
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
            const pct = typeof op.data.progress === 'number' ? progressPercent(op.data.progress) : progressPercent(undefined, op.data.bytes, op.data.total_bytes);
            const name = String(op.data.name ?? op.data.file ?? op.data.path ?? op.key);
            return (
              <li key={op.key} className="space-y-1">
                <div className="flex justify-between gap-2 text-sm">
                  <span className="truncate">
                    <span className="text-slate-500">{op.data.operation ?? op.type.replace('file.', '')}</span> {name}
                  </span>
                  <span className="shrink-0 text-xs text-slate-400">{relativeTime(op.updatedAt, now)}</span>
                </div>
                {pct !== null && <ProgressBar value={pct} label={`${name} progress`} />}
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
            const pct = typeof m.data.progress === 'number' ? progressPercent(m.data.progress) : null;
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
                    m.data.epoch !== undefined && `epoch ${m.data.epoch}`,
                    typeof m.data.loss === 'number' && `loss ${formatNumber(m.data.loss)}`,
                    typeof m.data.accuracy === 'number' && `accuracy ${formatNumber(m.data.accuracy)}`,
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
