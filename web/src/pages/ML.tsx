import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { analyticsApi } from '../api/analytics';
import { ApiError, errorMessage } from '../api/errors';
import { mlApi, type ModelSummary, type PredictResult } from '../api/ml';
import { jobsApi, pluginsApi } from '../api/plugins';
import { qk } from '../api/queryKeys';
import type { Job, Page } from '../api/types';
import { LazySeriesChart } from '../components/charts/LazySeriesChart';
import { useInstalledPlugins } from '../components/plugins/usePluginCatalog';
import { PluginGate } from '../components/plugins/PluginGate';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Badge, statusTone } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { ConfirmDialog, Dialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { SelectField, TextField } from '../components/ui/Field';
import { Icon } from '../components/ui/Icon';
import { ProgressBar } from '../components/ui/ProgressBar';
import { Loading } from '../components/ui/Spinner';
import { useBatchedEvents } from '../hooks/useBatchedEvents';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { useSyncTasks, type TrackedJob } from '../hooks/useSyncTasks';
import { formatMeasure, formatNumber, humanize } from '../lib/format';
import {
  MODEL_KINDS,
  applyTrainingProgress,
  buildTrainInput,
  emptyTrainForm,
  kindLabel,
  supervised,
  trainFieldOf,
  type ModelKind,
  type TrainErrors,
  type TrainForm,
  type TrainingProgressData,
  type TrainingRun,
  type TrainInput,
} from '../lib/mlTrain';
import { useMeaningfulPaint } from '../lib/paintMark';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import type { RealtimeEvent } from '../realtime';
import { toast } from '../stores/toasts';

export default function ML() {
  const { slug, org } = useOrg();
  useMeaningfulPaint(!!org, 'ml');
  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader title="Machine learning" description="Train models on the organization's datasets and events, follow their training live, and ask them for predictions." />
      <PluginGate plugin="ml" what="train models and get predictions" icon="brain">
        <Workbench org={slug} />
      </PluginGate>
    </div>
  );
}

const TERMINAL = ['succeeded', 'failed', 'cancelled'];
/** Ended trainings listed besides the running ones. */
const RECENT = 5;

function Workbench({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const models = useQuery({ queryKey: qk.mlModels(org), queryFn: () => mlApi.models(org) });
  const jobs = useSyncTasks(org);
  const [runs, setRuns] = useState<Record<string, TrainingRun>>({});
  /** Trainings started from this page, newest last, with what they train (the job list does not say). */
  const [started, setStarted] = useState<Array<{ id: string; name: string; kind: ModelKind }>>([]);
  const [predictFor, setPredictFor] = useState('');

  // Loss by epoch, per training job, as the plugin reports it.
  useBatchedEvents('ml.training.progress', (events) =>
    setRuns((prev) => {
      const next = { ...prev };
      for (const e of events as RealtimeEvent<TrainingProgressData>[]) {
        const id = e.data?.job_id;
        if (typeof id !== 'string') continue;
        const r = applyTrainingProgress(next[id], e.data, e.timestamp);
        if (r) next[id] = r;
      }
      return next;
    }),
  );
  // A model registered (or deleted): the list is the plugin's, fetch it again.
  useBatchedEvents('ml.model.update', () => void queryClient.invalidateQueries({ queryKey: qk.mlModels(org) }), { minIntervalMs: 200 });

  // Training jobs, newest first: those started here or seen live, the ones
  // still running, and the latest few that ended.
  const mlJobs = useMemo(
    () => (jobs.data?.items ?? []).filter((j) => j.plugin === 'ml').sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)),
    [jobs.data],
  );
  // The socket reports a training's epochs, not its start: while one waits
  // for its first epoch, ask the job list for its status every 2 s.
  const waiting = mlJobs.some((j) => j.status === 'queued' || (j.status === 'running' && !runs[j.id]));
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => void queryClient.invalidateQueries({ queryKey: qk.jobs(org), exact: true }), 2_000);
    return () => clearInterval(t);
  }, [waiting, org, queryClient]);
  const shown = useMemo(() => {
    const ids = new Set<string>([...started.map((s) => s.id)].reverse());
    for (const id of Object.keys(runs).reverse()) ids.add(id);
    mlJobs.forEach((j, i) => {
      if (!TERMINAL.includes(j.status) || i < RECENT) ids.add(j.id);
    });
    const created = (id: string) => Date.parse(mlJobs.find((j) => j.id === id)?.created_at ?? '') || Number.MAX_SAFE_INTEGER;
    return [...ids].sort((a, b) => created(b) - created(a));
  }, [started, mlJobs, runs]);

  return (
    <div className="space-y-6">
      <div className="grid gap-6 xl:grid-cols-5">
        <div className="space-y-6 xl:col-span-3">
          <ModelsCard org={org} models={models} onPredict={setPredictFor} />
          <TrainingsCard org={org} ids={shown} jobs={mlJobs} runs={runs} started={started} loading={jobs.isLoading} error={jobs.error} />
        </div>
        <div className="space-y-6 xl:col-span-2">
          <TrainCard
            org={org}
            onStarted={(job, input) => {
              setStarted((s) => [...s.filter((x) => x.id !== job.id), { id: job.id, name: input.name, kind: input.kind }]);
              queryClient.setQueryData<Page<Job>>(qk.jobs(org), (page) => (page && !page.items.some((j) => j.id === job.id) ? { ...page, items: [job, ...page.items] } : page));
              void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
            }}
          />
          <PredictCard org={org} models={models.data ?? []} chosen={predictFor} onChoose={setPredictFor} />
        </div>
      </div>
    </div>
  );
}

// ---- models ---------------------------------------------------------------------

function ModelsCard({ org, models, onPredict }: { org: string; models: UseQueryResult<ModelSummary[]>; onPredict: (name: string) => void }) {
  const now = useNow(30_000);
  const [open, setOpen] = useState<string | null>(null);
  const items = [...(models.data ?? [])].sort((a, b) => Date.parse(b.trained_at) - Date.parse(a.trained_at));
  return (
    <Card title="Models" description="The latest version of each model, with how well it fits." bodyClassName="p-0">
      {models.isLoading ? (
        <Loading />
      ) : models.error ? (
        <div className="p-4">
          <ErrorAlert error={models.error} title="The models could not be loaded" />
        </div>
      ) : items.length === 0 ? (
        <EmptyState title="No models yet" icon={<Icon name="brain" className="h-8 w-8" />}>
          Train one with the form: it is registered here when its training ends.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Models">
          {items.map((m) => (
            <li key={m.name} className="grid gap-2 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_auto] sm:items-center" data-testid="model-row" data-name={m.name} data-version={m.version}>
              <div className="min-w-0">
                <div className="flex flex-wrap items-center gap-2">
                  <button type="button" className="truncate font-medium text-brand-700 hover:underline" onClick={() => setOpen(m.name)}>
                    {m.name}
                  </button>
                  <Badge tone="violet">{kindLabel[m.kind] ?? m.kind}</Badge>
                  <Badge>v{m.version}</Badge>
                </div>
                <p className="mt-0.5 truncate text-xs text-slate-500">
                  {m.features.join(', ')}
                  {m.target ? ` → ${m.target}` : ''} · <span className="font-mono">{m.source}</span> · {formatNumber(m.rows)} rows · {m.epochs} epochs ·{' '}
                  <time dateTime={m.trained_at} title={absoluteTime(m.trained_at)}>
                    {relativeTime(m.trained_at, now)}
                  </time>
                </p>
                <dl className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-600" data-testid="model-metrics">
                  {metricList(m.kind, m.metrics).map(([k, v]) => (
                    <div key={k} className="flex gap-1">
                      <dt className="text-slate-500">{k}</dt>
                      <dd className="font-mono tabular-nums">{v}</dd>
                    </div>
                  ))}
                </dl>
              </div>
              <Button size="sm" variant="secondary" onClick={() => onPredict(m.name)} aria-label={`Predict with ${m.name}`}>
                Predict
              </Button>
            </li>
          ))}
        </ul>
      )}
      {open && <ModelDialog org={org} name={open} onClose={() => setOpen(null)} />}
    </Card>
  );
}

const fmt = (v: unknown) => (typeof v === 'number' ? formatMeasure(v) : v === null || v === undefined ? '—' : String(v));

/** The figures worth a glance, per kind. */
function metricList(kind: ModelKind, m: Record<string, unknown>): Array<[string, string]> {
  const pick = (keys: string[]) => keys.filter((k) => m[k] !== undefined).map((k) => [k === 'r2' ? 'R²' : humanize(k), fmt(m[k])] as [string, string]);
  const on = m.measured_on ? [['on', `${m.measured_on} (${fmt(m.rows)})`] as [string, string]] : [];
  switch (kind) {
    case 'linear_regression':
      return [...pick(['r2', 'rmse', 'mae']), ...on];
    case 'logistic_regression':
      return [...pick(['accuracy', 'precision', 'recall', 'f1', 'log_loss']), ...on];
    case 'kmeans':
      return pick(['k', 'inertia']);
    default:
      return pick(['center', 'lower', 'upper', 'outliers']);
  }
}

function ModelDialog({ org, name, onClose }: { org: string; name: string; onClose: () => void }) {
  const { can } = useOrg();
  const queryClient = useQueryClient();
  const detail = useQuery({ queryKey: qk.mlModel(org, name), queryFn: () => mlApi.model(org, name), staleTime: 0 });
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () => pluginsApi.invoke(org, 'ml', 'delete_model', { name }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: qk.mlModels(org) });
      toast.success(`Model ${name} deleted`);
      onClose();
    },
  });
  const m = detail.data?.model;
  const loss = m?.loss_history ?? [];
  return (
    <Dialog open onClose={onClose} title={`Model ${name}`} description={m ? `${kindLabel[m.kind] ?? m.kind}, version ${m.version} of ${detail.data?.versions.length ?? 1} kept` : undefined} size="lg"
      footer={
        <>
          {can('plugins:configure') && (
            <Button variant="dangerGhost" className="mr-auto" onClick={() => setDeleting(true)}>
              Delete model
            </Button>
          )}
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      {detail.isLoading ? (
        <Loading />
      ) : detail.error ? (
        <ErrorAlert error={detail.error} />
      ) : m ? (
        <div className="space-y-4 text-sm">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
            <dt className="text-slate-500">Trained on</dt>
            <dd className="font-mono break-all">{m.source}</dd>
            <dt className="text-slate-500">Rows</dt>
            <dd>
              {formatNumber(m.rows)} used{m.skipped ? `, ${formatNumber(m.skipped)} skipped (missing or not numeric)` : ''}
            </dd>
            <dt className="text-slate-500">Features</dt>
            <dd className="break-words">{m.features.join(', ')}</dd>
            {m.target && (
              <>
                <dt className="text-slate-500">Target</dt>
                <dd>{m.target}</dd>
              </>
            )}
            {m.regression && (
              <>
                <dt className="text-slate-500">Fit</dt>
                <dd className="font-mono text-xs break-words" data-testid="model-equation">
                  {m.target ?? 'y'} = {formatNumber(m.regression.intercept)}
                  {m.regression.coefficients.map((c, i) => ` ${c < 0 ? '−' : '+'} ${formatNumber(Math.abs(c))}·${m.features[i]}`).join('')}
                  {m.regression.logistic ? ' (log-odds)' : ''}
                </dd>
              </>
            )}
            <dt className="text-slate-500">Training</dt>
            <dd>
              {m.epochs} epochs in {formatNumber(m.took_ms)} ms
            </dd>
          </dl>
          <dl className="flex flex-wrap gap-x-4 gap-y-1">
            {Object.entries(m.metrics ?? {})
              .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
              .map(([k, v]) => (
                <div key={k} className="flex gap-1">
                  <dt className="text-slate-500">{k === 'r2' ? 'R²' : humanize(k)}</dt>
                  <dd className="font-mono tabular-nums">{fmt(v)}</dd>
                </div>
              ))}
          </dl>
          {loss.length > 1 && (
            <div>
              <h3 className="mb-1 text-xs font-medium text-slate-600">Loss by epoch</h3>
              <LazySeriesChart x={loss.map((_, i) => i + 1)} series={[{ name: 'loss', values: loss }]} xKind="number" yLog label={`Loss of ${name} over ${loss.length} epochs`} height={180} />
            </div>
          )}
        </div>
      ) : null}
      <ConfirmDialog
        open={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        title={`Delete the model ${name}?`}
        description="Every kept version goes; predictions with it stop working."
        confirmLabel="Delete model"
        busy={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </Dialog>
  );
}

// ---- trainings -------------------------------------------------------------------

function TrainingsCard({
  org,
  ids,
  jobs,
  runs,
  started,
  loading,
  error,
}: {
  org: string;
  ids: string[];
  jobs: TrackedJob[];
  runs: Record<string, TrainingRun>;
  started: Array<{ id: string; name: string; kind: ModelKind }>;
  loading: boolean;
  error: unknown;
}) {
  return (
    <Card title="Trainings" description="Loss by epoch as the plugin reports it; a cancelled training registers nothing." bodyClassName="p-0">
      {loading ? (
        <Loading />
      ) : error ? (
        <div className="p-4">
          <ErrorAlert error={error} title="The training jobs could not be loaded" />
        </div>
      ) : ids.length === 0 ? (
        <EmptyState title="No trainings yet" icon={<Icon name="activity" className="h-8 w-8" />}>
          Start one with the form; its progress is charted here as it runs.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Trainings">
          {ids.map((id) => (
            <TrainingRow key={id} org={org} id={id} job={jobs.find((j) => j.id === id)} run={runs[id]} known={started.find((s) => s.id === id)} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function TrainingRow({ org, id, job, run, known }: { org: string; id: string; job?: TrackedJob; run?: TrainingRun; known?: { name: string; kind: ModelKind } }) {
  const { can } = useOrg();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => jobsApi.cancel(org, id),
    onSuccess: () => {
      toast.info('Cancellation requested');
      void queryClient.invalidateQueries({ queryKey: qk.jobs(org) });
    },
    onError: (err) => toast.error('Could not cancel the training', errorMessage(err)),
  });
  // The job's record has the last word once it ended; the events before.
  const jobEnded = job && TERMINAL.includes(job.status);
  const status = jobEnded ? job.status : run ? (run.status === 'completed' ? 'succeeded' : run.status) : (job?.status ?? 'queued');
  const live = status === 'running' || status === 'queued';
  const epoch = run?.epoch ?? job?.processed_items ?? 0;
  const max = run?.maxEpochs || job?.total_items || 0;
  const pct = status === 'succeeded' ? 100 : max > 0 ? (epoch / max) * 100 : live ? null : 0;
  // Started elsewhere and not seen live: its input says what it trains.
  const detail = useQuery({
    queryKey: ['org', org, 'jobs', id, 'detail'],
    queryFn: () => jobsApi.get(org, id),
    enabled: !run?.model && !known,
    staleTime: Infinity,
  });
  const input = detail.data?.input as { name?: string; kind?: ModelKind } | undefined;
  const name = run?.model || known?.name || input?.name || 'training';
  const kind = run?.kind || known?.kind || input?.kind;
  const points = run?.points ?? [];
  const error = run?.error ?? job?.error;
  return (
    <li
      className="space-y-2 px-4 py-3"
      data-testid="training-row"
      data-job-id={id}
      data-status={status}
      data-model={name}
      data-epochs={points.length}
      data-run-status={run?.status ?? ''}
      data-first-loss={points[0]?.loss ?? ''}
      data-last-loss={points[points.length - 1]?.loss ?? ''}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <span className="truncate font-medium text-slate-900">{name}</span>
          {kind && <Badge tone="violet">{kindLabel[kind as ModelKind] ?? kind}</Badge>}
          <Badge tone={statusTone(status)}>{status}</Badge>
        </div>
        {can('jobs:run') && live && (
          <Button size="sm" variant="secondary" onClick={() => cancel.mutate()} loading={cancel.isPending} aria-label={`Cancel the training of ${name}`}>
            Cancel
          </Button>
        )}
      </div>
      <ProgressBar value={pct} label={`Training of ${name}`} tone={status === 'failed' ? 'red' : status === 'succeeded' ? 'green' : status === 'cancelled' ? 'slate' : 'brand'} />
      <p className="text-xs text-slate-500 tabular-nums">
        {[
          max ? `epoch ${epoch} of at most ${max}` : live ? 'reading the data…' : null,
          run?.loss !== null && run?.loss !== undefined ? `loss ${formatMeasure(run.loss)}` : null,
          run?.metric !== null && run?.metric !== undefined ? `${run.metricName === 'r2' ? 'R²' : run.metricName} ${formatMeasure(run.metric)}` : null,
          run?.rows ? `${formatNumber(run.rows)} rows` : null,
          run?.elapsedMs ? `${formatNumber(run.elapsedMs / 1000)} s` : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {status === 'succeeded' && <p className="text-xs text-emerald-700">Registered: it is listed under Models.</p>}
      {status === 'cancelled' && <p className="text-xs text-slate-600">Cancelled: no model was registered.</p>}
      {error && status !== 'cancelled' && <p className="text-xs break-words text-red-700">{error}</p>}
      {points.length > 0 && (
        <LazySeriesChart
          x={points.map((p) => p.epoch)}
          series={[{ name: 'loss', values: points.map((p) => p.loss) }]}
          xKind="number"
          yLog
          height={160}
          label={`Loss of ${name} by epoch: ${points.length} epochs reported, last loss ${formatMeasure(points[points.length - 1].loss ?? NaN)}`}
          testId="training-chart"
        />
      )}
    </li>
  );
}

// ---- train -------------------------------------------------------------------------

/** Dataset names to suggest: the sync plugin's sources, and the analytics plugin's (when installed). */
function useDatasetNames(org: string): string[] {
  const installed = useInstalledPlugins(org);
  const running = (n: string) => installed.data?.items.some((p) => p.name === n && p.status === 'running') ?? false;
  const sync = useQuery({
    queryKey: qk.pluginSources(org, 'sync'),
    queryFn: async () => ((await pluginsApi.invoke(org, 'sync', 'sources', {})) as { sources?: Array<{ name: string; dataset?: string }> }).sources ?? [],
    enabled: running('sync'),
  });
  const analytics = useQuery({ queryKey: qk.analyticsSources(org), queryFn: () => analyticsApi.sources(org), enabled: running('analytics') });
  return useMemo(() => {
    const names = new Set<string>();
    for (const s of sync.data ?? []) names.add(s.dataset || s.name);
    for (const s of analytics.data?.items ?? []) if (s.source.startsWith('dataset:')) names.add(s.source.slice(8));
    return [...names].sort();
  }, [sync.data, analytics.data]);
}

function TrainCard({ org, onStarted }: { org: string; onStarted: (job: Job, input: TrainInput) => void }) {
  const { can } = useOrg();
  const [form, setForm] = useState<TrainForm>(emptyTrainForm);
  const [errors, setErrors] = useState<TrainErrors>({});
  const [attempted, setAttempted] = useState(false);
  const datasets = useDatasetNames(org);
  const listId = useId();
  const start = useMutation({
    mutationFn: (input: TrainInput) => mlApi.train(org, input),
    onSuccess: (job, input) => {
      onStarted(job, input);
      toast.info(`Training of ${input.name} started`, 'Its progress is charted under Trainings.');
    },
    onError: (err) => {
      const f = err instanceof ApiError ? trainFieldOf(err.field) : undefined;
      if (f) setErrors((e) => ({ ...e, [f]: errorMessage(err) }));
    },
  });
  const set = (p: Partial<TrainForm>) => {
    const next = { ...form, ...p };
    setForm(next);
    if (attempted) setErrors(buildTrainInput(next).errors);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    start.reset();
    const { input, errors: errs } = buildTrainInput(form);
    setErrors(errs);
    if (input) start.mutate(input);
  };
  if (!can('jobs:run')) {
    return (
      <Card title="Train a model">
        <p className="text-sm text-slate-600">Your role cannot start jobs; an admin can give you the member role.</p>
      </Card>
    );
  }
  const k = form.kind;
  const fieldError = start.error instanceof ApiError && trainFieldOf(start.error.field) ? null : start.error;
  return (
    <Card title="Train a model" description="A training is a job: it reads the rows, trains epoch by epoch, then registers the model as its next version.">
      <form onSubmit={submit} noValidate className="space-y-4" aria-label="Train a model">
        <datalist id={listId}>
          {datasets.map((d) => (
            <option key={d} value={d} />
          ))}
        </datalist>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Model name" value={form.name} onChange={(e) => set({ name: e.target.value })} error={errors.name} required placeholder="e.g. price" autoComplete="off" />
          <SelectField label="Kind" value={k} onChange={(e) => set({ kind: e.target.value as ModelKind })} options={MODEL_KINDS.map((m) => ({ value: m, label: kindLabel[m] }))} />
        </div>
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-slate-700">Training data</legend>
          <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Training data from">
            {(['dataset', 'events'] as const).map((f) => (
              <label key={f} className="flex items-center gap-2">
                <input type="radio" name="from" value={f} checked={form.from === f} onChange={() => set({ from: f })} className="accent-brand-600" />
                {f === 'dataset' ? 'A dataset' : 'Events'}
              </label>
            ))}
          </div>
          {form.from === 'dataset' ? (
            <TextField label="Dataset" list={listId} value={form.dataset} onChange={(e) => set({ dataset: e.target.value })} error={errors.dataset} required hint={datasets.length ? `Known: ${datasets.join(', ')}` : 'Datasets are filled by the sync plugin'} autoComplete="off" />
          ) : (
            <TextField label="Event type" value={form.events} onChange={(e) => set({ events: e.target.value })} error={errors.events} required placeholder="custom.reading or custom.*" hint="Their data's fields are the columns" />
          )}
        </fieldset>
        <TextField label="Features" value={form.features} onChange={(e) => set({ features: e.target.value })} error={errors.features} required hint={k === 'anomaly' ? 'The one numeric field to watch' : 'Numeric fields, separated by commas (dotted paths for nested data)'} autoComplete="off" />
        {supervised(k) && (
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label="Target" value={form.target} onChange={(e) => set({ target: e.target.value })} error={errors.target} required hint={k === 'linear_regression' ? 'The numeric field to predict' : 'The field holding the class'} autoComplete="off" />
            {k === 'logistic_regression' && <TextField label="Positive class" value={form.positive} onChange={(e) => set({ positive: e.target.value })} error={errors.positive} hint="The value that counts as 1 (default: 1 or true)" />}
          </div>
        )}
        <details className="rounded-md border border-slate-200" open={k === 'kmeans'}>
          <summary className="cursor-pointer px-3 py-2 text-sm font-medium text-slate-700 select-none">Parameters</summary>
          <div className="grid gap-4 border-t border-slate-200 p-3 sm:grid-cols-2">
            {k === 'kmeans' && <TextField label="Clusters (k)" inputMode="numeric" value={form.k} onChange={(e) => set({ k: e.target.value })} error={errors['params.k']} required />}
            <TextField label="Max epochs" inputMode="numeric" value={form.maxEpochs} onChange={(e) => set({ maxEpochs: e.target.value })} error={errors['params.max_epochs']} placeholder={k === 'kmeans' ? '300' : '100'} />
            {supervised(k) && (
              <>
                <TextField label="Validation share" inputMode="decimal" value={form.validationSplit} onChange={(e) => set({ validationSplit: e.target.value })} error={errors['params.validation_split']} placeholder="0.2 from 50 rows" hint="Rows held out to measure the model" />
                <TextField label="L2 penalty" inputMode="decimal" value={form.l2} onChange={(e) => set({ l2: e.target.value })} error={errors['params.l2']} placeholder="0" />
              </>
            )}
            {k === 'anomaly' && <TextField label="Band half-width (σ)" inputMode="decimal" value={form.bandK} onChange={(e) => set({ bandK: e.target.value })} error={errors['params.band_k']} placeholder="3" />}
          </div>
        </details>
        <ErrorAlert error={fieldError} title="The training could not start" />
        <div className="flex justify-end">
          <Button type="submit" loading={start.isPending}>
            <Icon name="play" className="h-4 w-4" /> Start training
          </Button>
        </div>
      </form>
    </Card>
  );
}

// ---- predict -----------------------------------------------------------------------

function PredictCard({ org, models, chosen, onChoose }: { org: string; models: ModelSummary[]; chosen: string; onChoose: (name: string) => void }) {
  const model = models.find((m) => m.name === chosen) ?? models[0];
  const [values, setValues] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const predict = useMutation({
    mutationFn: (row: Record<string, number>) => mlApi.predict(org, model!.name, row),
  });
  if (!model) {
    return (
      <Card title="Predict">
        <p className="text-sm text-slate-600">Once a model is registered, give it one row here and see its answer.</p>
      </Card>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const row: Record<string, number> = {};
    const errs: Record<string, string> = {};
    for (const f of model.features) {
      const v = (values[f] ?? '').trim();
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) errs[f] = 'A number';
      else row[f] = n;
    }
    setProblems(errs);
    if (!Object.keys(errs).length) predict.mutate(row);
  };
  const features = [...new Set(model.features)];
  return (
    <Card title="Predict" description="One row in, the model's answer out.">
      <form onSubmit={submit} noValidate className="space-y-4" aria-label="Predict">
        <SelectField
          label="Model"
          value={model.name}
          onChange={(e) => {
            onChoose(e.target.value);
            predict.reset();
          }}
          options={models.map((m) => ({ value: m.name, label: `${m.name} (v${m.version}, ${kindLabel[m.kind] ?? m.kind})` }))}
        />
        <div className="grid gap-3 sm:grid-cols-2">
          {features.map((f) => (
            <TextField
              key={`${model.name}-${f}`}
              label={f}
              inputMode="decimal"
              value={values[f] ?? ''}
              onChange={(e) => setValues((v) => ({ ...v, [f]: e.target.value }))}
              error={problems[f]}
              autoComplete="off"
            />
          ))}
        </div>
        <ErrorAlert error={predict.error} title="The prediction failed" />
        <div className="flex justify-end">
          <Button type="submit" loading={predict.isPending}>
            Predict
          </Button>
        </div>
      </form>
      {predict.data && <PredictionView result={predict.data} target={model.target} />}
    </Card>
  );
}

function PredictionView({ result, target }: { result: PredictResult; target?: string }) {
  const p = result.prediction;
  if (!p) return null;
  if (p.error) return <Alert kind="error" className="mt-4">{p.error}</Alert>;
  const rows: Array<[string, string]> = [];
  if (p.value !== undefined) rows.push([target ?? 'value', fmtPrecise(p.value)]);
  if (p.probability !== undefined) rows.push(['probability of class 1', fmtPrecise(p.probability)]);
  if (p.class !== undefined) rows.push(['class', String(p.class)]);
  if (p.cluster !== undefined) rows.push(['cluster', String(p.cluster)]);
  if (p.distance !== undefined) rows.push(['distance', fmtPrecise(p.distance)]);
  if (p.anomaly !== undefined) rows.push(['anomaly', p.anomaly ? 'yes: outside the band' : 'no: inside the band']);
  if (p.score !== undefined) rows.push(['score (σ from center)', fmtPrecise(p.score)]);
  return (
    <div className="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2" role="status" data-testid="prediction">
      <p className="text-xs text-emerald-800">
        {result.model} v{result.version} answered in {formatNumber(result.took_ms)} ms
      </p>
      <dl className="mt-1 space-y-0.5">
        {rows.map(([k, v], i) => (
          <div key={k} className="flex items-baseline justify-between gap-3">
            <dt className="text-sm text-slate-700">{k}</dt>
            <dd className={i === 0 ? 'font-mono text-lg font-semibold text-slate-900' : 'font-mono text-sm'} data-testid={i === 0 ? 'prediction-value' : undefined} data-value={i === 0 ? String(p.value ?? p.probability ?? p.cluster ?? p.score ?? '') : undefined}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/** Up to six significant digits: a prediction is read, not skimmed. */
function fmtPrecise(n: number): string {
  return new Intl.NumberFormat(undefined, { maximumSignificantDigits: 6 }).format(n);
}
