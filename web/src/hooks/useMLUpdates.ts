import { useState } from 'react';
import type { MLUpdateData, RealtimeEvent } from '../realtime';
import { useBatchedEvents } from './useBatchedEvents';

export interface ModelState {
  model: string;
  lastType: string;
  data: MLUpdateData;
  updatedAt: string;
}

/** Latest state per model from `ml.*` events (training progress, model updates, predictions). */
export function useMLUpdates(limit = 50): { models: ModelState[]; recent: RealtimeEvent<MLUpdateData>[] } {
  const [state, setState] = useState<{ models: Record<string, ModelState>; recent: RealtimeEvent<MLUpdateData>[] }>({
    models: {},
    recent: [],
  });
  useBatchedEvents('ml.*', (events) => {
    setState((prev) => {
      const models = { ...prev.models };
      for (const e of events as RealtimeEvent<MLUpdateData>[]) {
        const d = (e.data ?? {}) as MLUpdateData;
        // Training progress names `model`; a registered model's summary, `name`.
        const model = String(d.model ?? d.name ?? d.model_id ?? 'model');
        models[model] = { model, lastType: e.type, data: { ...models[model]?.data, ...d }, updatedAt: e.timestamp };
      }
      return { models, recent: [...prev.recent, ...(events as RealtimeEvent<MLUpdateData>[])].slice(-limit) };
    });
  });
  return { models: Object.values(state.models), recent: state.recent };
}
