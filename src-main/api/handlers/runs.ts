import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { found } from './found';

type RunHandlers = Pick<
  Handlers,
  | 'experiments.start'
  | 'runs.list'
  | 'runs.get'
  | 'runs.pause'
  | 'runs.resume'
  | 'runs.stop'
  | 'runs.progress'
  | 'runs.events'
  | 'metrics.names'
  | 'metrics.series'
>;

export function runHandlers({ store, runs }: ApiServices): RunHandlers {
  return {
    'experiments.start': ({ id, backend }) => runs.startExperiment(id, backend),
    'runs.list': (filter) => store.runs.list(filter),
    'runs.get': ({ id }) => found(store.runs.get(id), 'run', id),
    'runs.pause': ({ id }) => runs.pause(id),
    'runs.resume': ({ id, backend }) => runs.resume(id, backend),
    'runs.stop': ({ id }) => runs.stop(id),
    'runs.progress': ({ id }) => {
      found(store.runs.get(id), 'run', id);
      const p = runs.progressOf(id);
      return p
        ? { epoch: p.epoch, step: p.step, totalSteps: p.totalSteps, samplesPerSecond: p.samplesPerSecond, eta: p.eta }
        : null;
    },
    'runs.events': ({ runId, limit }) => {
      found(store.runs.get(runId), 'run', runId);
      return store.events.list({ runId, limit });
    },
    'metrics.names': ({ runId }) => {
      found(store.runs.get(runId), 'run', runId);
      return store.metrics.names(runId);
    },
    'metrics.series': (query) => {
      found(store.runs.get(query.runId), 'run', query.runId);
      return store.metrics.series(query);
    },
  };
}
