// The ml plugin's "train" job input (plugins/ml/internal/mlplugin/train.go),
// the form the ML page edits it with, and the checks the plugin makes before
// it trains (plus one it cannot: a target that is also a feature), so
// mistakes show next to their field before a job starts; and the training
// runs the page charts, built from ml.training.progress events.

export const MODEL_KINDS = ['linear_regression', 'logistic_regression', 'kmeans', 'anomaly'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const kindLabel: Record<ModelKind, string> = {
  linear_regression: 'Linear regression',
  logistic_regression: 'Logistic regression',
  kmeans: 'k-means clustering',
  anomaly: 'Anomaly band',
};

/** Whether a kind learns a target field. */
export const supervised = (k: ModelKind) => k === 'linear_regression' || k === 'logistic_regression';

export interface TrainInput {
  name: string;
  kind: ModelKind;
  dataset?: string;
  events?: string;
  features: string[];
  target?: string;
  positive?: string | number | boolean;
  params?: {
    max_epochs?: number;
    l2?: number;
    k?: number;
    band_k?: number;
    validation_split?: number;
  };
}

export interface TrainForm {
  name: string;
  kind: ModelKind;
  from: 'dataset' | 'events';
  dataset: string;
  events: string;
  /** Comma-separated field names (dotted paths for nested data). */
  features: string;
  target: string;
  positive: string;
  k: string;
  maxEpochs: string;
  validationSplit: string;
  l2: string;
  bandK: string;
}

export const emptyTrainForm = (): TrainForm => ({
  name: '',
  kind: 'linear_regression',
  from: 'dataset',
  dataset: '',
  events: '',
  features: '',
  target: '',
  positive: '',
  k: '3',
  maxEpochs: '',
  validationSplit: '',
  l2: '',
  bandK: '',
});

const NAME_RE = /^[a-z][a-z0-9_-]{0,62}$/;
const EVENTS_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;

export type TrainErrors = Record<string, string>;

/** Parses an optional number field; `undefined` when empty, NaN when not a number. */
function optNumber(s: string): number | undefined {
  const t = s.trim();
  return t === '' ? undefined : Number(t);
}

/**
 * The job input a form describes, or the errors keyed by field ("name",
 * "features", "params.k"), named as the plugin names them so its own
 * refusals land in the same place.
 */
export function buildTrainInput(form: TrainForm): { input: TrainInput | null; errors: TrainErrors } {
  const errors: TrainErrors = {};
  const name = form.name.trim();
  if (!NAME_RE.test(name)) errors.name = 'Lowercase letters, digits, - and _; start with a letter (at most 63)';
  const input: TrainInput = { name, kind: form.kind, features: [] };

  if (form.from === 'dataset') {
    const ds = form.dataset.trim();
    if (!NAME_RE.test(ds)) errors.dataset = 'Name a dataset (lowercase letters, digits, - and _)';
    input.dataset = ds;
  } else {
    const ev = form.events.trim();
    if (!EVENTS_RE.test(ev) || ev.length > 64) errors.events = 'An event type such as custom.reading, or a prefix such as custom.*';
    input.events = ev;
  }

  const features = form.features
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (features.length === 0) errors.features = 'Name at least one numeric field';
  else if (features.length > 100) errors.features = 'At most 100 features';
  else if (features.some((f) => f.length > 200)) errors.features = 'A field name has at most 200 characters';
  else if (form.kind === 'anomaly' && features.length !== 1) errors.features = 'An anomaly band watches one metric: give one field';
  input.features = features;

  const target = form.target.trim();
  if (supervised(form.kind)) {
    if (!target) errors.target = 'Name the field to predict';
    else if (target.length > 200) errors.target = 'At most 200 characters';
    else if (features.includes(target)) errors.target = 'The target cannot also be a feature';
    input.target = target;
  }
  if (form.kind === 'logistic_regression' && form.positive.trim()) {
    const p = form.positive.trim();
    input.positive = p === 'true' ? true : p === 'false' ? false : Number.isFinite(Number(p)) ? Number(p) : p;
  }

  const params: NonNullable<TrainInput['params']> = {};
  const epochs = optNumber(form.maxEpochs);
  if (epochs !== undefined) {
    if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100_000) errors['params.max_epochs'] = 'A whole number from 1 to 100,000';
    params.max_epochs = epochs;
  }
  if (form.kind === 'kmeans') {
    const k = optNumber(form.k);
    if (k === undefined || !Number.isInteger(k) || k < 1 || k > 1000) errors['params.k'] = 'The number of clusters, 1 to 1,000';
    params.k = k;
  }
  if (supervised(form.kind)) {
    const split = optNumber(form.validationSplit);
    if (split !== undefined) {
      if (!(split >= 0 && split <= 0.5)) errors['params.validation_split'] = 'A share from 0 to 0.5 held out to measure the model';
      params.validation_split = split;
    }
    const l2 = optNumber(form.l2);
    if (l2 !== undefined) {
      if (!(l2 >= 0)) errors['params.l2'] = 'A penalty of 0 or more';
      params.l2 = l2;
    }
  }
  if (form.kind === 'anomaly') {
    const bk = optNumber(form.bandK);
    if (bk !== undefined) {
      if (!(bk > 0 && bk <= 100)) errors['params.band_k'] = 'A half-width above 0, at most 100 standard deviations';
      params.band_k = bk;
    }
  }
  if (Object.keys(params).length) input.params = params;
  return Object.keys(errors).length ? { input: null, errors } : { input, errors };
}

/** Where the plugin's refusal of a field goes in the form ("features" stays; "dataset" etc. too). */
export function trainFieldOf(serverField: string | undefined): string | undefined {
  if (!serverField) return undefined;
  return serverField.replace(/^input\./, '');
}

// ---- training runs, from ml.training.progress -------------------------------------

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  metric: number | null;
}

export interface TrainingRun {
  jobId: string;
  model: string;
  kind: string;
  /** running, completed, failed or cancelled. */
  status: string;
  epoch: number;
  maxEpochs: number;
  loss: number | null;
  metric: number | null;
  metricName: string;
  rows: number;
  elapsedMs: number;
  error?: string;
  points: EpochPoint[];
  updatedAt: string;
}

export interface TrainingProgressData {
  job_id?: string;
  model?: string;
  kind?: string;
  status?: string;
  epoch?: number;
  max_epochs?: number;
  loss?: number | null;
  metric?: number | null;
  metric_name?: string;
  rows?: number;
  elapsed_ms?: number;
  error?: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const MAX_POINTS = 2000;

/**
 * A training run after one more `ml.training.progress` event. Events of a
 * run come in order; a point is kept per epoch (the latest report of an
 * epoch wins), so the chart shows loss by epoch as the plugin reported it.
 * A run that has ended stays ended.
 */
export function applyTrainingProgress(prev: TrainingRun | undefined, d: TrainingProgressData, at: string): TrainingRun | undefined {
  if (typeof d.job_id !== 'string') return prev;
  const epoch = num(d.epoch) ?? prev?.epoch ?? 0;
  const loss = num(d.loss);
  const metric = num(d.metric);
  let points = prev?.points ?? [];
  if (epoch > 0) {
    const last = points[points.length - 1];
    const point = { epoch, loss, metric };
    if (last && last.epoch === epoch) points = [...points.slice(0, -1), point];
    else if (!last || last.epoch < epoch) points = [...points, point].slice(-MAX_POINTS);
  }
  const ended = prev && prev.status !== 'running';
  return {
    jobId: d.job_id,
    model: d.model ?? prev?.model ?? '',
    kind: d.kind ?? prev?.kind ?? '',
    status: ended ? prev.status : (d.status ?? 'running'),
    epoch,
    maxEpochs: num(d.max_epochs) ?? prev?.maxEpochs ?? 0,
    loss: loss ?? prev?.loss ?? null,
    metric: metric ?? prev?.metric ?? null,
    metricName: d.metric_name ?? prev?.metricName ?? 'metric',
    rows: num(d.rows) ?? prev?.rows ?? 0,
    elapsedMs: num(d.elapsed_ms) ?? prev?.elapsedMs ?? 0,
    error: d.error ?? prev?.error,
    points,
    updatedAt: at,
  };
}
