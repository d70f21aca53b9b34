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

export function runHandlers({ store, runs, cluster }: ApiServices): RunHandlers {
  return {
    'experiments.start': ({ id, backend }) => runs.startExperiment(id, backend),
    'runs.list': (filter) => store.runs.list(filter),
    'runs.get': ({ id }) => found(store.runs.get(id), 'run', id),
    // A run a cluster task trains is controlled through SLURM (cluster.resubmit), not by this host.
    'runs.pause': ({ id }) => {
      cluster.assertNotOnCluster(id, 'pause');
      return runs.pause(id);
    },
    'runs.resume': ({ id, backend }) => {
      cluster.assertNotOnCluster(id, 'resume');
      return runs.resume(id, backend);
    },
    'runs.stop': ({ id }) => {
      cluster.assertNotOnCluster(id, 'stop');
      return runs.stop(id);
    },
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
