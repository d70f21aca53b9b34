import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { issuesFromZod } from '../../../shared/api/errors';
import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';
import { found } from './found';
import { datasetSpecProblem } from '../../data/spec-options';
import { networkProblem } from '../network-problem';

type ExperimentHandlers = Pick<
  Handlers,
  | 'experiments.validate'
  | 'experiments.create'
  | 'experiments.get'
  | 'experiments.list'
  | 'experiments.duplicate'
  | 'experiments.delete'
>;

export function experimentHandlers({ store, bus, runs, datasetManager }: ApiServices): ExperimentHandlers {
  const touched = (sessionId: number) => bus.publish({ type: 'session.changed', sessionId, change: 'updated' });
  return {
    'experiments.validate': async ({ spec }) => {
      const parsed = ExperimentSpec.safeParse(spec);
      if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
      // A valid design on data that is not here would start runs that fail on their first read: said now.
      const missing = await datasetManager.whyUnavailable(parsed.data.dataset.name);
      if (missing !== null) return { ok: false, issues: [{ path: 'dataset.name', message: missing }] };
      const { inputShape, outputSize } = await datasetManager.describe(parsed.data.dataset.name);
      const misfit =
        datasetSpecProblem(parsed.data.dataset, inputShape) ?? networkProblem(parsed.data, inputShape, outputSize);
      if (misfit !== null) return { ok: false, issues: [misfit] };
      return { ok: true, spec: parsed.data };
    },
    'experiments.create': ({ sessionId, spec }) => {
      found(store.sessions.get(sessionId), 'session', sessionId);
      const experiment = store.experiments.create(sessionId, spec);
      touched(sessionId);
      return experiment;
    },
    'experiments.get': ({ id }) => found(store.experiments.get(id), 'experiment', id),
    'experiments.list': ({ sessionId }) => store.experiments.list(sessionId),
    'experiments.duplicate': ({ id, name }) => {
      const copy = found(store.experiments.duplicate(id, name), 'experiment', id);
      touched(copy.sessionId);
      return copy;
    },
    'experiments.delete': ({ id }) => {
      const experiment = found(store.experiments.get(id), 'experiment', id);
      runs.discard(store.runs.list({ experimentId: id }).map((r) => r.id));
      store.experiments.delete(id);
      touched(experiment.sessionId);
      return { deleted: true as const };
    },
  };
}
