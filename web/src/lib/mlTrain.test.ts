import { describe, expect, it } from 'vitest';
import { applyTrainingProgress, buildTrainInput, emptyTrainForm, type TrainForm, type TrainingRun } from './mlTrain';

const form = (patch: Partial<TrainForm>): TrainForm => ({ ...emptyTrainForm(), name: 'price', dataset: 'houses', features: 'rooms, area', target: 'price', ...patch });

describe('buildTrainInput', () => {
  it('builds a regression on a dataset with its parameters', () => {
    const { input, errors } = buildTrainInput(form({ maxEpochs: '50', validationSplit: '0.2', l2: '0' }));
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'price',
      kind: 'linear_regression',
      dataset: 'houses',
      features: ['rooms', 'area'],
      target: 'price',
      params: { max_epochs: 50, validation_split: 0.2, l2: 0 },
    });
  });

  it('k-means takes k and no target; anomaly one feature from events', () => {
    expect(buildTrainInput(form({ kind: 'kmeans', k: '4', target: 'ignored' })).input).toEqual({
      name: 'price',
      kind: 'kmeans',
      dataset: 'houses',
      features: ['rooms', 'area'],
      params: { k: 4 },
    });
    expect(buildTrainInput(form({ kind: 'anomaly', from: 'events', events: 'custom.cpu', features: 'load' })).input).toEqual({
      name: 'price',
      kind: 'anomaly',
      events: 'custom.cpu',
      features: ['load'],
    });
  });

  it('reads the positive class of a logistic regression', () => {
    expect(buildTrainInput(form({ kind: 'logistic_regression', positive: 'yes' })).input?.positive).toBe('yes');
    expect(buildTrainInput(form({ kind: 'logistic_regression', positive: '1' })).input?.positive).toBe(1);
    expect(buildTrainInput(form({ kind: 'logistic_regression', positive: 'true' })).input?.positive).toBe(true);
  });

  it('names each mistake at its field', () => {
    const { input, errors } = buildTrainInput(
      form({ name: 'Price!', dataset: '', features: '', target: '', maxEpochs: '0', validationSplit: '0.9', l2: '-1' }),
    );
    expect(input).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['dataset', 'features', 'name', 'params.l2', 'params.max_epochs', 'params.validation_split', 'target']);
    expect(buildTrainInput(form({ kind: 'kmeans', k: '0' })).errors['params.k']).toBeDefined();
    expect(buildTrainInput(form({ kind: 'anomaly' })).errors.features).toContain('one metric');
    expect(buildTrainInput(form({ target: 'area' })).errors.target).toContain('also be a feature');
    expect(buildTrainInput(form({ from: 'events', events: 'Custom Events' })).errors.events).toBeDefined();
  });
});

describe('applyTrainingProgress', () => {
  const ev = (d: object) => ({ job_id: 'j1', model: 'price', kind: 'linear_regression', max_epochs: 100, metric_name: 'r2', ...d });

  it('keeps one point per epoch, in order, and the latest figures', () => {
    let run: TrainingRun | undefined;
    run = applyTrainingProgress(run, ev({ status: 'running', epoch: 1, loss: 10, metric: 0.1 }), 't1');
    run = applyTrainingProgress(run, ev({ status: 'running', epoch: 2, loss: 4, metric: 0.5 }), 't2');
    run = applyTrainingProgress(run, ev({ status: 'running', epoch: 2, loss: 3.5, metric: 0.6 }), 't3');
    run = applyTrainingProgress(run, ev({ status: 'completed', epoch: 6, loss: 0.5, metric: 0.99, rows: 800 }), 't4');
    expect(run).toMatchObject({ jobId: 'j1', model: 'price', status: 'completed', epoch: 6, maxEpochs: 100, loss: 0.5, metric: 0.99, rows: 800, updatedAt: 't4' });
    expect(run!.points).toEqual([
      { epoch: 1, loss: 10, metric: 0.1 },
      { epoch: 2, loss: 3.5, metric: 0.6 },
      { epoch: 6, loss: 0.5, metric: 0.99 },
    ]);
  });

  it('an ended run stays ended; a cancelled one before its first epoch has no points', () => {
    let run = applyTrainingProgress(undefined, ev({ status: 'cancelled', epoch: 0, loss: null, error: 'context canceled' }), 't1');
    expect(run).toMatchObject({ status: 'cancelled', points: [], error: 'context canceled' });
    run = applyTrainingProgress(run, ev({ status: 'running', epoch: 1, loss: 2 }), 't2');
    expect(run!.status).toBe('cancelled');
    expect(applyTrainingProgress(undefined, { model: 'x' }, 't')).toBeUndefined();
  });
});
