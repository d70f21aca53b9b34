import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { found } from './found';

type RunHandlers = Pick<Handlers, 'runs.list' | 'runs.get' | 'metrics.names' | 'metrics.series'>;

export function runHandlers({ store }: ApiServices): RunHandlers {
  return {
    'runs.list': (filter) => store.runs.list(filter),
    'runs.get': ({ id }) => found(store.runs.get(id), 'run', id),
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
