import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { analyticsApi, type AnalyticsUpdate, type Panel, type SourceInfo } from '../api/analytics';
import { ApiError, errorMessage } from '../api/errors';
import { qk } from '../api/queryKeys';
import { BarList } from '../components/charts/BarList';
import { LazySeriesChart } from '../components/charts/LazySeriesChart';
import { seriesColor } from '../components/charts/palette';
import { PieChart } from '../components/charts/PieChart';
import { ResultTable } from '../components/charts/ResultTable';
import { LiveIndicator } from '../components/dashboard/LiveIndicator';
import { PluginGate } from '../components/plugins/PluginGate';
import { Alert, ErrorAlert } from '../components/ui/Alert';
import { Badge } from '../components/ui/Badge';
import { Button } from '../components/ui/Button';
import { Card, PageHeader } from '../components/ui/Card';
import { ConfirmDialog } from '../components/ui/Dialog';
import { EmptyState } from '../components/ui/EmptyState';
import { Checkbox, SelectField, TextField } from '../components/ui/Field';
import { Icon } from '../components/ui/Icon';
import { Loading } from '../components/ui/Spinner';
import { useNow } from '../hooks/useNow';
import { useOrg } from '../hooks/useOrg';
import { useRealtimeEvent } from '../hooks/useRealtimeEvents';
import { useWebSocket } from '../hooks/useWebSocket';
import {
  AGG_OPS,
  BUCKETS,
  CHARTS,
  FILTER_OPS,
  aggregationName,
  buildQuery,
  emptyAggregation,
  emptyFilter,
  emptyQueryForm,
  filterOpLabel,
  formFieldOf,
  formFromQuery,
  headlineValue,
  toChartData,
  type ChartType,
  type FormErrors,
  type Query,
  type QueryForm,
  type QueryResult,
} from '../lib/analyticsQuery';
import { formatNumber, humanize } from '../lib/format';
import { useMeaningfulPaint } from '../lib/paintMark';
import { absoluteTime, relativeTime } from '../lib/relativeTime';
import { toast } from '../stores/toasts';

export default function Analytics() {
  const { slug, org } = useOrg();
  const { state } = useWebSocket();
  useMeaningfulPaint(!!org, 'analytics');
  return (
    <div className="mx-auto max-w-7xl">
      <PageHeader
        title="Analytics"
        description="Panels over the organization's datasets, events and usage; each one updates live when its data changes."
        actions={<LiveIndicator status={state.status} />}
      />
      <PluginGate plugin="analytics" what="chart the organization's data" icon="chart">
        <Board org={slug} />
      </PluginGate>
    </div>
  );
}

/** When each panel last changed live, and how many times (from analytics.update). */
type LiveMap = Record<string, { n: number; at: string }>;

function Board({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const panels = useQuery({ queryKey: qk.analyticsPanels(org), queryFn: () => analyticsApi.panels(org) });
  /** The panel being edited, 'new' for a new one. */
  const [editing, setEditing] = useState<Panel | 'new' | null>(null);
  const [live, setLive] = useState<LiveMap>({});
  const [removing, setRemoving] = useState<Panel | null>(null);

  // A panel's new result, pushed when its source changed; too big a result
  // comes without some rows, and the panel's data is fetched instead.
  useRealtimeEvent('analytics.update', (e) => {
    const d = e.data as Partial<AnalyticsUpdate>;
    if (typeof d.panel_id !== 'string' || !Array.isArray(d.columns) || !Array.isArray(d.rows)) return;
    const key = qk.analyticsPanelData(org, d.panel_id);
    if (d.rows_omitted) void queryClient.invalidateQueries({ queryKey: key });
    else
      queryClient.setQueryData<QueryResult>(key, (prev) => ({
        ...prev,
        columns: d.columns!,
        rows: d.rows!,
        rows_matched: d.rows_matched ?? 0,
        groups: d.groups ?? d.rows!.length,
        truncated: !!d.truncated,
        source: (d as { source_status?: QueryResult['source'] }).source_status ?? prev?.source,
      }));
    setLive((m) => ({ ...m, [d.panel_id!]: { n: (m[d.panel_id!]?.n ?? 0) + 1, at: e.timestamp } }));
  });

  const remove = useMutation({
    mutationFn: (p: Panel) => analyticsApi.deletePanel(org, p.id),
    onSuccess: (_r, p) => {
      queryClient.setQueryData<{ items: Panel[] }>(qk.analyticsPanels(org), (d) => d && { items: d.items.filter((x) => x.id !== p.id) });
      void queryClient.invalidateQueries({ queryKey: qk.analyticsPanels(org) });
      setRemoving(null);
      toast.success(`Panel ${p.title} deleted`);
    },
  });

  const items = panels.data?.items ?? [];
  return (
    <div className="space-y-6">
      {editing ? (
        <PanelEditor
          key={editing === 'new' ? 'new' : editing.id}
          org={org}
          panel={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(p) => {
            queryClient.setQueryData<{ items: Panel[] }>(qk.analyticsPanels(org), (d) => d && { items: [...d.items.filter((x) => x.id !== p.id), p] });
            void queryClient.invalidateQueries({ queryKey: qk.analyticsPanels(org) });
            void queryClient.invalidateQueries({ queryKey: qk.analyticsPanelData(org, p.id) });
            setEditing(null);
            toast.success(`Panel ${p.title} saved`, 'It updates live as its data changes.');
          }}
        />
      ) : (
        <div className="flex justify-end">
          <Button onClick={() => setEditing('new')}>
            <Icon name="plus" className="h-4 w-4" /> New panel
          </Button>
        </div>
      )}
      {panels.isLoading ? (
        <Loading />
      ) : panels.error ? (
        <ErrorAlert error={panels.error} title="The panels could not be loaded" />
      ) : items.length === 0 ? (
        !editing && (
          <Card>
            <EmptyState
              title="No panels yet"
              icon={<Icon name="chart" className="h-8 w-8" />}
              action={<Button variant="secondary" onClick={() => setEditing('new')}>Create a panel</Button>}
            >
              A panel counts, sums or averages a dataset, the event stream or usage figures, grouped and over time, and redraws itself as the data changes.
            </EmptyState>
          </Card>
        )
      ) : (
        <ul className="grid gap-6 lg:grid-cols-2" aria-label="Panels">
          {[...items]
            .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at))
            .map((p) => (
              <PanelCard key={p.id} org={org} panel={p} live={live[p.id]} onEdit={() => setEditing(p)} onDelete={() => setRemoving(p)} />
            ))}
        </ul>
      )}
      <ConfirmDialog
        open={!!removing}
        onClose={() => {
          setRemoving(null);
          remove.reset();
        }}
        onConfirm={() => removing && remove.mutate(removing)}
        title={`Delete the panel ${removing?.title}?`}
        description="Only the panel goes; its data stays where it is."
        confirmLabel="Delete panel"
        busy={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </div>
  );
}

function PanelCard({ org, panel, live, onEdit, onDelete }: { org: string; panel: Panel; live?: { n: number; at: string }; onEdit: () => void; onDelete: () => void }) {
  const data = useQuery({ queryKey: qk.analyticsPanelData(org, panel.id), queryFn: ({ signal }) => analyticsApi.panelData(org, panel.id, signal) });
  const now = useNow(10_000);
  const res = data.data;
  return (
    <li
      className="min-w-0"
      data-testid="analytics-panel"
      data-panel-id={panel.id}
      data-title={panel.title}
      data-live-updates={live?.n ?? 0}
      aria-label={`Panel ${panel.title}`}
    >
      <Card
        title={panel.title}
        description={<QuerySummary q={panel.query} />}
        actions={
          <>
            <Badge tone="violet">{panel.chart}</Badge>
            <Button size="sm" variant="ghost" onClick={onEdit} aria-label={`Edit panel ${panel.title}`} title="Edit panel">
              <Icon name="pencil" className="h-4 w-4" />
            </Button>
            <Button size="sm" variant="dangerGhost" onClick={onDelete} aria-label={`Delete panel ${panel.title}`} title="Delete panel">
              <Icon name="trash" className="h-4 w-4" />
            </Button>
          </>
        }
      >
        {data.isLoading ? (
          <Loading label="Running the query…" />
        ) : data.error ? (
          <ErrorAlert error={data.error} title="The panel's query failed" />
        ) : res ? (
          <div className="space-y-3">
            <PanelBody query={panel.query} chart={panel.chart} result={res} title={panel.title} />
            <details className="group rounded-md border border-slate-200">
              <summary className="cursor-pointer px-3 py-1.5 text-xs font-medium text-slate-600 select-none">Data ({res.rows.length} rows)</summary>
              <ResultTable result={res} caption={`Data of ${panel.title}`} className="border-t border-slate-200" />
            </details>
            <p className="flex flex-wrap items-center gap-x-2 text-xs text-slate-500 tabular-nums">
              <span>{formatNumber(res.rows_matched)} rows matched</span>
              {res.truncated && <span>· first {res.rows.length} groups</span>}
              {res.source && !res.source.complete && <span>· source still loading</span>}
              {live ? (
                <span className="inline-flex items-center gap-1 text-emerald-700" data-testid="panel-live">
                  · <span className="h-1.5 w-1.5 rounded-full bg-emerald-500" aria-hidden="true" />
                  updated live <time dateTime={live.at} title={absoluteTime(live.at)}>{relativeTime(live.at, now)}</time>
                </span>
              ) : (
                <span>· live</span>
              )}
            </p>
            {res.source?.error && <Alert kind="warning">{res.source.error}</Alert>}
          </div>
        ) : null}
      </Card>
    </li>
  );
}

/** "count, sum_amount of dataset:orders by country, per day". */
function QuerySummary({ q }: { q: Query }) {
  const aggs = q.aggregations.map(aggregationName).join(', ');
  const by = [...(q.group_by ?? [])];
  return (
    <span className="break-words">
      {aggs} of <span className="font-mono">{q.source}</span>
      {by.length > 0 && <> by {by.join(', ')}</>}
      {q.time && <>, per {q.time.bucket} of {q.time.field}</>}
      {q.filters?.length ? <>, {q.filters.length} filter{q.filters.length === 1 ? '' : 's'}</> : null}
    </span>
  );
}

/** A result drawn as its chart type. */
function PanelBody({ query, chart, result, title }: { query: Query; chart: ChartType; result: QueryResult; title: string }) {
  if (!result.rows.length) {
    return <p className="py-8 text-center text-sm text-slate-500">No rows match this query yet.</p>;
  }
  if (chart === 'number') {
    const h = headlineValue(query, result);
    return (
      <div className="py-4 text-center">
        <p className="text-4xl font-semibold text-slate-900 tabular-nums" data-testid="panel-number">
          {h.value === null ? '—' : formatNumber(h.value)}
        </p>
        <p className="mt-1 text-xs text-slate-500">{humanize(h.name)}</p>
      </div>
    );
  }
  if (chart === 'table') return <ResultTable result={result} caption={title} />;
  const d = toChartData(query, result);
  const labels = d.kind === 'time' ? d.x.map((t) => shortTime(t, query.time?.bucket)) : d.labels;
  if (chart === 'bar') return <BarList labels={labels} series={d.series} />;
  if (chart === 'pie') return <PieChart labels={labels} values={d.series[0]?.values ?? []} label={`${title}: shares by ${labels.length} groups`} />;
  return (
    <>
      {d.series.length > 1 && (
        <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
          {d.series.map((s, i) => (
            <li key={s.name} className="flex items-center gap-1.5">
              <span className="h-2.5 w-2.5 rounded-sm" style={{ background: seriesColor(i) }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <LazySeriesChart
        x={d.x}
        series={d.series}
        xKind={d.kind === 'time' ? 'time' : 'index'}
        labels={labels}
        fill={chart === 'area'}
        label={`${title}: ${chart} chart of ${d.series.map((s) => s.name).join(', ')} over ${d.x.length} ${d.kind === 'time' ? 'time buckets' : 'groups'}`}
        testId="panel-chart"
      />
    </>
  );
}

function shortTime(sec: number, bucket?: string): string {
  const iso = new Date(sec * 1000).toISOString();
  if (bucket === 'minute' || bucket === 'hour') return iso.slice(0, 16).replace('T', ' ');
  if (bucket === 'month' || bucket === 'quarter') return iso.slice(0, 7);
  if (bucket === 'year') return iso.slice(0, 4);
  return iso.slice(0, 10);
}

// ---- the editor ---------------------------------------------------------------

const sourceLabel = (s: SourceInfo) =>
  s.source === 'events' ? 'Events of this organization' : s.source === 'metrics' ? 'Usage metrics' : `Dataset ${s.source.slice('dataset:'.length)}${s.records ? ` (${formatNumber(s.records)} records)` : ''}`;

/**
 * Builds a query with a form (the plugin's whole model: aggregations,
 * filters, group-by, a time bucket, order and limit), runs it to preview the
 * result, and saves it as a panel, or as the panel it edits. Checks what the
 * plugin checks before sending, and puts the plugin's own refusals next to
 * the field they name.
 */
function PanelEditor({ org, panel, onClose, onSaved }: { org: string; panel?: Panel; onClose: () => void; onSaved: (p: Panel) => void }) {
  const queryClient = useQueryClient();
  const sources = useQuery({ queryKey: qk.analyticsSources(org), queryFn: () => analyticsApi.sources(org) });
  const [title, setTitle] = useState(panel?.title ?? '');
  const [chart, setChart] = useState<ChartType>(panel?.chart ?? 'bar');
  const [form, setForm] = useState<QueryForm>(() => (panel ? formFromQuery(panel.query) : emptyQueryForm()));
  const [errors, setErrors] = useState<FormErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [attempted, setAttempted] = useState(false);
  const [preview, setPreview] = useState<{ query: Query; result: QueryResult } | null>(null);
  const listId = useId();

  const items = sources.data?.items ?? [];
  // Pick the first dataset once the sources are in.
  useEffect(() => {
    if (form.source || !items.length) return;
    const first = items.find((s) => s.source.startsWith('dataset:')) ?? items[0];
    setForm((f) => ({ ...f, source: first.source }));
  }, [items, form.source]);
  const current = items.find((s) => s.source === form.source);
  // A source's columns are known once the plugin loaded it: a small query loads it.
  const probe = useQuery({
    queryKey: ['org', org, 'analytics', 'probe', form.source],
    queryFn: async () => {
      await analyticsApi.query(org, { source: form.source, aggregations: [{ op: 'count' }], limit: 1 });
      await queryClient.invalidateQueries({ queryKey: qk.analyticsSources(org) });
      return true;
    },
    enabled: !!current && current.columns.length === 0,
    staleTime: 60_000,
    retry: false,
  });
  const columns = current?.columns ?? [];

  const update = (f: QueryForm) => {
    setForm(f);
    if (attempted) setErrors(buildQuery(f).errors);
  };
  /** The query, or null after showing what is wrong; saving also needs a title. */
  const check = (saving: boolean) => {
    setAttempted(true);
    setFormError(null);
    const { query, errors: errs } = buildQuery(form);
    const all = { ...errs };
    if (saving && !title.trim()) all.title = 'Give the panel a title';
    setErrors(all);
    return Object.keys(all).length ? null : query;
  };
  const showServerError = (err: unknown) => {
    const field = err instanceof ApiError ? formFieldOf(err.field) : undefined;
    if (field && field !== 'query') setErrors((e) => ({ ...e, [field]: errorMessage(err).replace(/^Query\.[\w.]+: /i, '').replace(/^Title: /i, '') }));
    else setFormError(err);
  };

  const run = useMutation({
    mutationFn: (q: Query) => analyticsApi.query(org, q).then((result) => ({ query: q, result })),
    onSuccess: setPreview,
    onError: showServerError,
  });
  const save = useMutation({
    mutationFn: (q: Query) => {
      const input = { title: title.trim(), chart, query: q };
      return panel ? analyticsApi.updatePanel(org, panel.id, input) : analyticsApi.createPanel(org, input);
    },
    onSuccess: onSaved,
    onError: showServerError,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = check(true);
    if (q) save.mutate(q);
  };
  const runNow = () => {
    const q = check(false);
    if (q) run.mutate(q);
  };

  const setAgg = (i: number, p: Partial<QueryForm['aggregations'][number]>) =>
    update({ ...form, aggregations: form.aggregations.map((a, j) => (j === i ? { ...a, ...p } : a)) });
  const setFilter = (i: number, p: Partial<QueryForm['filters'][number]>) => update({ ...form, filters: form.filters.map((a, j) => (j === i ? { ...a, ...p } : a)) });
  const outputs = [...(form.timeField.trim() ? ['bucket'] : []), ...form.groupBy.split(',').map((s) => s.trim()).filter(Boolean), ...form.aggregations.map((a) => aggregationName({ op: a.op, field: a.field.trim(), p: Number(a.p), as: a.as.trim() }))];

  return (
    <Card
      title={panel ? `Edit ${panel.title}` : 'New panel'}
      description={panel ? 'Change what it counts or how it is drawn; run it to see the result, then save it.' : 'Describe what to count or measure; run it to see the result, then save it as a live panel.'}
      actions={<Button size="sm" variant="ghost" onClick={onClose}>Close</Button>}
    >
      <form onSubmit={submit} noValidate className="space-y-5" aria-label={panel ? 'Edit panel' : 'New panel'}>
        <datalist id={listId}>
          {columns.map((c) => (
            <option key={c.name} value={c.name}>
              {c.type}
            </option>
          ))}
        </datalist>
        <div className="grid gap-4 sm:grid-cols-3">
          <TextField label="Title" value={title} onChange={(e) => setTitle(e.target.value)} error={errors.title} required data-autofocus />
          <SelectField label="Chart" value={chart} onChange={(e) => setChart(e.target.value as ChartType)} options={CHARTS.map((c) => ({ value: c, label: humanize(c) }))} />
          {sources.isLoading ? (
            <Loading label="Loading sources…" />
          ) : (
            <SelectField
              label="Source"
              value={form.source}
              onChange={(e) => update({ ...form, source: e.target.value })}
              error={errors.source}
              options={[{ value: '', label: 'Pick a source' }, ...items.map((s) => ({ value: s.source, label: sourceLabel(s) }))]}
              hint={
                probe.isFetching
                  ? 'Loading its columns…'
                  : columns.length
                    ? `Columns: ${columns.map((c) => `${c.name} (${c.type})`).join(', ')}`
                    : current?.source.startsWith('dataset:')
                      ? 'No records yet.'
                      : undefined
              }
            />
          )}
        </div>
        <ErrorAlert error={sources.error} title="The sources could not be listed" />

        <Section title="Aggregations" action={<Button size="sm" variant="secondary" onClick={() => update({ ...form, aggregations: [...form.aggregations, emptyAggregation()] })} disabled={form.aggregations.length >= 16}><Icon name="plus" className="h-4 w-4" /> Add aggregation</Button>}>
          {errors.aggregations && <p className="text-xs text-red-700" role="alert">{errors.aggregations}</p>}
          {form.aggregations.map((a, i) => (
            <fieldset key={i} className="grid items-start gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-[10rem_minmax(0,1fr)_6rem_minmax(0,1fr)_auto]">
              <legend className="px-1 text-xs font-medium text-slate-500">Aggregation {i + 1}</legend>
              <SelectField label="Function" value={a.op} onChange={(e) => setAgg(i, { op: e.target.value as (typeof AGG_OPS)[number] })} options={AGG_OPS.map((o) => ({ value: o, label: o.replace('_', ' ') }))} />
              <TextField label="Field" list={listId} value={a.field} onChange={(e) => setAgg(i, { field: e.target.value })} error={errors[`aggregations.${i}.field`]} placeholder={a.op === 'count' ? '(rows)' : 'column'} disabled={a.op === 'count'} />
              {a.op === 'percentile' ? (
                <TextField label="Percentile" inputMode="decimal" value={a.p} onChange={(e) => setAgg(i, { p: e.target.value })} error={errors[`aggregations.${i}.p`]} />
              ) : (
                <span className="hidden sm:block" />
              )}
              <TextField label="Name as" value={a.as} onChange={(e) => setAgg(i, { as: e.target.value })} error={errors[`aggregations.${i}.as`]} placeholder={aggregationName({ op: a.op, field: a.field || 'field', p: Number(a.p) })} />
              <div className="sm:pt-6">
                <Button size="sm" variant="ghost" onClick={() => update({ ...form, aggregations: form.aggregations.filter((_, j) => j !== i) })} aria-label={`Remove aggregation ${i + 1}`} disabled={form.aggregations.length === 1}>
                  <Icon name="x" className="h-4 w-4" />
                </Button>
              </div>
            </fieldset>
          ))}
        </Section>

        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Group by" value={form.groupBy} onChange={(e) => update({ ...form, groupBy: e.target.value })} error={errors.group_by} hint="Up to three columns, separated by commas" placeholder="e.g. country" />
          <fieldset className="grid grid-cols-[minmax(0,1fr)_8rem] gap-3">
            <legend className="sr-only">Time bucket</legend>
            <TextField label="Over time, by" list={listId} value={form.timeField} onChange={(e) => update({ ...form, timeField: e.target.value })} error={errors['time.field']} placeholder="a time column" />
            <SelectField label="Bucket" value={form.bucket} onChange={(e) => update({ ...form, bucket: e.target.value as QueryForm['bucket'] })} error={errors['time.bucket']} options={BUCKETS.map((b) => ({ value: b, label: b }))} />
          </fieldset>
        </div>
        {form.timeField.trim() && (
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField label="From" value={form.from} onChange={(e) => update({ ...form, from: e.target.value })} error={errors['time.from']} placeholder="2026-01-01" />
            <TextField label="To (exclusive)" value={form.to} onChange={(e) => update({ ...form, to: e.target.value })} error={errors['time.to']} placeholder="2026-02-01" />
          </div>
        )}

        <Section title="Filters" action={<Button size="sm" variant="secondary" onClick={() => update({ ...form, filters: [...form.filters, emptyFilter()] })} disabled={form.filters.length >= 32}><Icon name="plus" className="h-4 w-4" /> Add filter</Button>}>
          {form.filters.length === 0 && <p className="text-xs text-slate-500">Every row counts.</p>}
          {form.filters.map((f, i) => (
            <fieldset key={i} className="grid items-start gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-[minmax(0,1fr)_9rem_minmax(0,1fr)_auto]">
              <legend className="px-1 text-xs font-medium text-slate-500">Filter {i + 1}</legend>
              <TextField label="Field" list={listId} value={f.field} onChange={(e) => setFilter(i, { field: e.target.value })} error={errors[`filters.${i}.field`]} />
              <SelectField label="Condition" value={f.op} onChange={(e) => setFilter(i, { op: e.target.value as (typeof FILTER_OPS)[number] })} error={errors[`filters.${i}.op`]} options={FILTER_OPS.map((o) => ({ value: o, label: filterOpLabel[o] }))} />
              {f.op === 'exists' || f.op === 'missing' ? (
                <span className="hidden sm:block" />
              ) : (
                <TextField
                  label={f.op === 'in' || f.op === 'not_in' ? 'Values' : 'Value'}
                  value={f.value}
                  onChange={(e) => setFilter(i, { value: e.target.value })}
                  error={errors[`filters.${i}.value`] ?? errors[`filters.${i}.values`]}
                  hint={f.op === 'in' || f.op === 'not_in' ? 'Separated by commas' : undefined}
                />
              )}
              <div className="sm:pt-6">
                <Button size="sm" variant="ghost" onClick={() => update({ ...form, filters: form.filters.filter((_, j) => j !== i) })} aria-label={`Remove filter ${i + 1}`}>
                  <Icon name="x" className="h-4 w-4" />
                </Button>
              </div>
            </fieldset>
          ))}
        </Section>

        <div className="grid items-start gap-4 sm:grid-cols-3">
          <SelectField label="Order by" value={form.orderBy} onChange={(e) => update({ ...form, orderBy: e.target.value })} error={errors.order_by} options={[{ value: '', label: 'Group order' }, ...[...new Set(outputs)].map((o) => ({ value: o, label: o }))]} />
          <div className="sm:pt-7">
            <Checkbox label="Largest first" checked={form.desc} onChange={(e) => update({ ...form, desc: e.target.checked })} disabled={!form.orderBy} />
          </div>
          <TextField label="Limit" inputMode="numeric" value={form.limit} onChange={(e) => update({ ...form, limit: e.target.value })} error={errors.limit} placeholder="1000" />
        </div>

        {formError !== null && <ErrorAlert error={formError} title="The plugin refused the query" />}
        <div className="flex flex-wrap justify-end gap-2 border-t border-slate-100 pt-4">
          <Button variant="secondary" onClick={runNow} loading={run.isPending}>
            <Icon name="play" className="h-4 w-4" /> Run query
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save panel
          </Button>
        </div>
      </form>
      {preview && (
        <section className="mt-5 space-y-3 border-t border-slate-100 pt-4" aria-label="Query result" data-testid="query-result">
          <h3 className="text-sm font-semibold text-slate-900">Result</h3>
          <p className="text-xs text-slate-500 tabular-nums">
            {formatNumber(preview.result.rows_matched)} of {formatNumber(preview.result.rows_scanned ?? preview.result.rows_matched)} rows matched · {preview.result.rows.length} groups
            {preview.result.took_ms !== undefined && ` · ${formatNumber(preview.result.took_ms)} ms`}
          </p>
          <PanelBody query={preview.query} chart={chart} result={preview.result} title={title || 'Preview'} />
          {chart !== 'table' && <ResultTable result={preview.result} caption="Query result" />}
        </section>
      )}
    </Card>
  );
}

function Section({ title, action, children }: { title: string; action?: ReactNode; children: ReactNode }) {
  return (
    <section className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-sm font-medium text-slate-700">{title}</h3>
        {action}
      </div>
      {children}
    </section>
  );
}
