// The ml plugin's actions (it has no HTTP routes): POST
// /orgs/{org}/plugins/ml/actions/{action}; training is its "train" job.
// Shapes are the plugin's own (plugins/ml/internal/mlplugin).
import type { ModelKind, TrainInput } from '../lib/mlTrain';
import { pluginsApi, jobsApi } from './plugins';

/** A registered model's latest version, as listed (without its parameters). */
export interface ModelSummary {
  name: string;
  kind: ModelKind;
  version: number;
  /** "dataset:<name>" or "events:<pattern>". */
  source: string;
  features: string[];
  target?: string;
  metrics: Record<string, unknown>;
  rows: number;
  epochs: number;
  trained_at: string;
  job_id: string;
}

/** One version in full: `model` action. */
export interface ModelDetail extends ModelSummary {
  params: Record<string, unknown>;
  skipped: number;
  loss_history?: number[];
  took_ms: number;
  regression?: { intercept: number; coefficients: number[]; logistic?: boolean };
}

export interface Prediction {
  value?: number;
  probability?: number;
  class?: number;
  cluster?: number;
  distance?: number;
  anomaly?: boolean;
  score?: number;
  error?: string;
}

export interface PredictResult {
  model: string;
  version: number;
  kind: ModelKind;
  prediction?: Prediction;
  took_ms: number;
}

const invoke = <T>(slug: string, action: string, input: unknown) => pluginsApi.invoke(slug, 'ml', action, input) as Promise<T>;

export const mlApi = {
  models: async (slug: string) => (await invoke<{ items: ModelSummary[] }>(slug, 'models', {})).items ?? [],
  model: (slug: string, name: string, version?: number) =>
    invoke<{ model: ModelDetail; versions: number[] }>(slug, 'model', version ? { name, version } : { name }),
  /** Starts the "train" job (202 with the queued job). */
  train: (slug: string, input: TrainInput) => jobsApi.start(slug, 'ml', 'train', input),
  predict: (slug: string, model: string, row: Record<string, number>) => invoke<PredictResult>(slug, 'predict', { model, row }),
};
