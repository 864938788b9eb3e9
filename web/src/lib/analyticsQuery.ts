// The analytics plugin's query model (plugins/analytics/internal/query), the
// form the Analytics page edits it with, the same checks the plugin makes
// (so mistakes show next to their field before anything is sent), and the
// turn of a result table into chart series.

export const AGG_OPS = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'percentile'] as const;
export type AggOp = (typeof AGG_OPS)[number];
export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'contains', 'prefix', 'exists', 'missing'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export const BUCKETS = ['minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const CHARTS = ['line', 'area', 'bar', 'pie', 'table', 'number'] as const;
export type ChartType = (typeof CHARTS)[number];

export const filterOpLabel: Record<FilterOp, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  prefix: 'starts with',
  exists: 'is set',
  missing: 'is not set',
};

export interface Aggregation {
  op: AggOp;
  field?: string;
  p?: number;
  as?: string;
}
export interface Filter {
  field: string;
  op: FilterOp;
  value?: unknown;
  values?: unknown[];
}
export interface Query {
  source: string;
  filters?: Filter[];
  group_by?: string[];
  time?: { field: string; bucket: Bucket; from?: string; to?: string };
  aggregations: Aggregation[];
  order_by?: Array<{ by: string; desc?: boolean }>;
  limit?: number;
}

/** A query's answer: key columns (the time bucket, then group-by fields), then one column per aggregation. */
export interface QueryResult {
  columns: Array<{ name: string; type: 'number' | 'string' | 'time' | (string & {}) }>;
  rows: unknown[][];
  rows_scanned?: number;
  rows_matched: number;
  groups: number;
  truncated: boolean;
  took_ms?: number;
  source?: { source: string; rows: number; complete: boolean; error?: string; synced_at?: string };
}

// ---- the form ---------------------------------------------------------------

export interface AggregationRow {
  op: AggOp;
  field: string;
  p: string;
  as: string;
}
export interface FilterRow {
  field: string;
  op: FilterOp;
  /** One value, or a comma-separated list for in / not_in. */
  value: string;
}
export interface QueryForm {
  source: string;
  aggregations: AggregationRow[];
  /** Comma-separated, at most three fields. */
  groupBy: string;
  timeField: string;
  bucket: Bucket;
  from: string;
  to: string;
  filters: FilterRow[];
  orderBy: string;
  desc: boolean;
  limit: string;
}

export const emptyAggregation = (): AggregationRow => ({ op: 'count', field: '', p: '95', as: '' });
export const emptyFilter = (): FilterRow => ({ field: '', op: 'eq', value: '' });
export const emptyQueryForm = (source = ''): QueryForm => ({
  source,
  aggregations: [emptyAggregation()],
  groupBy: '',
  timeField: '',
  bucket: 'day',
  from: '',
  to: '',
  filters: [],
  orderBy: '',
  desc: true,
  limit: '',
});

const SOURCE_RE = /^(events|metrics|dataset:[a-z][a-z0-9_-]{0,62})$/;
const ALIAS_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The output column of an aggregation: its alias, or op_field (count, p95_total), as the plugin names it. */
export function aggregationName(a: Aggregation): string {
  if (a.as) return a.as;
  if (a.op === 'count') return 'count';
  if (a.op === 'percentile') {
    const p = (a.p ?? 0).toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
    return `p${p}_${a.field ?? ''}`;
  }
  return `${a.op}_${a.field ?? ''}`;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export type FormErrors = Record<string, string>;

/**
 * The query a form describes, or the errors keyed by the field they belong
 * to ("aggregations.0.field", "time.from"), the same names the plugin uses
 * (after its "query." prefix) so its refusals land in the same place.
 */
export function buildQuery(form: QueryForm): { query: Query | null; errors: FormErrors } {
  const errors: FormErrors = {};
  const source = form.source.trim();
  if (!SOURCE_RE.test(source)) errors.source = 'Pick a source: a dataset, the event stream or usage metrics';

  const filters: Filter[] = [];
  if (form.filters.length > 32) errors.filters = 'At most 32 filters';
  form.filters.forEach((f, i) => {
    const field = f.field.trim();
    if (!field) errors[`filters.${i}.field`] = 'Name a column';
    const out: Filter = { field, op: f.op };
    if (f.op === 'in' || f.op === 'not_in') {
      const values = list(f.value);
      if (values.length === 0 || values.length > 1000) errors[`filters.${i}.values`] = 'Give 1 to 1000 values, separated by commas';
      out.values = values;
    } else if (f.op !== 'exists' && f.op !== 'missing') {
      if (f.value.trim() === '') errors[`filters.${i}.value`] = `A value is needed for ${filterOpLabel[f.op]}`;
      out.value = f.value.trim();
    }
    filters.push(out);
  });

  const groupBy = list(form.groupBy);
  if (groupBy.length > 3) errors.group_by = 'Group by at most 3 fields';

  let time: Query['time'];
  const timeField = form.timeField.trim();
  if (timeField) {
    time = { field: timeField, bucket: form.bucket };
    if (!(BUCKETS as readonly string[]).includes(form.bucket)) errors['time.bucket'] = 'Pick a bucket';
    for (const k of ['from', 'to'] as const) {
      const v = form[k].trim();
      if (!v) continue;
      if (!RFC3339_RE.test(v) || Number.isNaN(Date.parse(v))) errors[`time.${k}`] = 'A date (2026-01-31) or an RFC 3339 time';
      time[k] = v;
    }
  } else if (form.from.trim() || form.to.trim()) {
    errors['time.field'] = 'Name the time column the range applies to';
  }

  const aggregations: Aggregation[] = [];
  const seen = new Set<string>([...(time ? ['bucket'] : []), ...groupBy]);
  if (form.aggregations.length === 0) errors.aggregations = 'Add at least one aggregation';
  if (form.aggregations.length > 16) errors.aggregations = 'At most 16 aggregations';
  form.aggregations.forEach((a, i) => {
    const out: Aggregation = { op: a.op };
    const field = a.field.trim();
    if (a.op !== 'count') {
      if (!field) errors[`aggregations.${i}.field`] = `${a.op === 'count_distinct' ? 'Count distinct' : a.op} needs a field`;
      out.field = field;
    } else if (field) {
      out.field = field;
    }
    if (a.op === 'percentile') {
      const p = Number(a.p);
      if (a.p.trim() === '' || !Number.isFinite(p) || p < 0 || p > 100) errors[`aggregations.${i}.p`] = 'A percentile from 0 to 100';
      out.p = p;
    }
    const alias = a.as.trim();
    if (alias) {
      if (!ALIAS_RE.test(alias)) errors[`aggregations.${i}.as`] = 'Letters, digits, _ . - (start with a letter or _)';
      out.as = alias;
    }
    const name = aggregationName(out);
    if (seen.has(name) && !errors[`aggregations.${i}.as`]) errors[`aggregations.${i}.as`] = `The column "${name}" is named twice: give this one another name`;
    seen.add(name);
    aggregations.push(out);
  });

  let order_by: Query['order_by'];
  const by = form.orderBy.trim();
  if (by) {
    if (!seen.has(by)) errors.order_by = `"${by}" is not an output column (${[...seen].join(', ')})`;
    order_by = [{ by, desc: form.desc }];
  }

  let limit: number | undefined;
  if (form.limit.trim()) {
    limit = Number(form.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > 10_000) errors.limit = 'A whole number up to 10,000';
  }

  if (Object.keys(errors).length) return { query: null, errors };
  const query: Query = { source, aggregations };
  if (filters.length) query.filters = filters;
  if (groupBy.length) query.group_by = groupBy;
  if (time) query.time = time;
  if (order_by) query.order_by = order_by;
  if (limit !== undefined) query.limit = limit;
  return { query, errors };
}

/**
 * The form that describes a saved query, to edit it: `buildQuery` of it
 * gives the query back. Filter values become text, as the form writes them
 * (the plugin reads a number column's text values as numbers).
 */
export function formFromQuery(q: Query): QueryForm {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return {
    source: q.source,
    aggregations: q.aggregations.map((a) => ({ op: a.op, field: a.field ?? '', p: a.p !== undefined ? String(a.p) : '95', as: a.as ?? '' })),
    groupBy: (q.group_by ?? []).join(', '),
    timeField: q.time?.field ?? '',
    bucket: q.time?.bucket ?? 'day',
    from: q.time?.from ?? '',
    to: q.time?.to ?? '',
    filters: (q.filters ?? []).map((f) => ({
      field: f.field,
      op: f.op,
      value: f.op === 'in' || f.op === 'not_in' ? (f.values ?? []).map(text).join(', ') : f.op === 'exists' || f.op === 'missing' ? '' : text(f.value),
    })),
    orderBy: q.order_by?.[0]?.by ?? '',
    desc: q.order_by?.[0]?.desc ?? true,
    limit: q.limit !== undefined ? String(q.limit) : '',
  };
}

/** The form field a server error names ("query.aggregations.0.field" -> "aggregations.0.field"). */
export function formFieldOf(serverField: string | undefined): string | undefined {
  if (!serverField) return undefined;
  const f = serverField.replace(/^query\./, '');
  return f === 'query' ? 'source' : f;
}

// ---- results as charts --------------------------------------------------------

export interface ChartSeries {
  name: string;
  values: Array<number | null>;
}

/** A result laid out for a chart: x positions, their labels, one or more series. */
export interface ChartData {
  /** `time`: x are Unix seconds; `category`: x are 0..n-1 and `labels` name them. */
  kind: 'time' | 'category';
  x: number[];
  labels: string[];
  series: ChartSeries[];
}

const toNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const label = (v: unknown) => (v === null || v === undefined || v === '' ? '(none)' : String(v));

/** How many of a result's leading columns are keys, for the query that produced it. */
export function keyCount(q: Pick<Query, 'time' | 'group_by'>): number {
  return (q.time ? 1 : 0) + (q.group_by?.length ?? 0);
}

/**
 * Chart series from a result. A time bucket becomes the x axis; with a
 * group-by beside it, each group is a series of the first aggregation.
 * Without a time bucket, each group is a category on the x axis and each
 * aggregation a series. Without keys, each aggregation is a category.
 */
export function toChartData(q: Pick<Query, 'time' | 'group_by'>, res: Pick<QueryResult, 'columns' | 'rows'>): ChartData {
  const keys = keyCount(q);
  const aggCols = res.columns.slice(keys);
  if (keys === 0) {
    const row = res.rows[0] ?? [];
    return {
      kind: 'category',
      x: aggCols.map((_, i) => i),
      labels: aggCols.map((c) => c.name),
      series: [{ name: 'value', values: aggCols.map((_, i) => toNumber(row[i])) }],
    };
  }
  if (q.time) {
    const times: number[] = [];
    const index = new Map<number, number>();
    for (const r of res.rows) {
      const t = Date.parse(String(r[0])) / 1000;
      if (!Number.isNaN(t) && !index.has(t)) {
        index.set(t, times.length);
        times.push(t);
      }
    }
    const order = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
    const pos = new Map(order.map(([t], i) => [t, i]));
    const x = order.map(([t]) => t);
    const at = (r: unknown[]) => pos.get(Date.parse(String(r[0])) / 1000);
    if (keys > 1) {
      // One series per group (the other key columns), of the first aggregation.
      const groups = new Map<string, Array<number | null>>();
      for (const r of res.rows) {
        const g = r.slice(1, keys).map(label).join(' · ');
        const i = at(r);
        if (i === undefined) continue;
        if (!groups.has(g)) groups.set(g, x.map(() => null));
        groups.get(g)![i] = toNumber(r[keys]);
      }
      return { kind: 'time', x, labels: x.map((t) => new Date(t * 1000).toISOString()), series: [...groups].map(([name, values]) => ({ name, values })) };
    }
    const series = aggCols.map((c, j) => {
      const values: Array<number | null> = x.map(() => null);
      for (const r of res.rows) {
        const i = at(r);
        if (i !== undefined) values[i] = toNumber(r[keys + j]);
      }
      return { name: c.name, values };
    });
    return { kind: 'time', x, labels: x.map((t) => new Date(t * 1000).toISOString()), series };
  }
  return {
    kind: 'category',
    x: res.rows.map((_, i) => i),
    labels: res.rows.map((r) => r.slice(0, keys).map(label).join(' · ')),
    series: aggCols.map((c, j) => ({ name: c.name, values: res.rows.map((r) => toNumber(r[keys + j])) })),
  };
}

/** The value a "number" panel shows: the first aggregation of the first row (of the latest bucket, over time). */
export function headlineValue(q: Pick<Query, 'time' | 'group_by'>, res: Pick<QueryResult, 'columns' | 'rows'>): { name: string; value: number | null } {
  const k = keyCount(q);
  const col = res.columns[k];
  let row = res.rows[0];
  if (q.time) for (const r of res.rows) if (Date.parse(String(r[0])) > Date.parse(String(row?.[0]))) row = r;
  return { name: col?.name ?? 'value', value: toNumber(row?.[k]) };
}
