import type { SchedulerState } from '../../../shared/api/contract-sweeps';
import { ApiError, describeIssues } from '../../../shared/api/errors';
import { expandSweep } from '../../../shared/sweeps/expand';
import type { Run } from '../../../shared/schemas/records';
import type { Handlers } from '../handler-types';
import { importFromSources, importSources } from '../import-sources';
import type { ApiServices } from '../services';
import { found } from './found';

type SweepHandlers = Pick<
  Handlers,
  'sweeps.preview' | 'sweeps.start' | 'scheduler.get' | 'scheduler.setSlots' | 'runs.setPriority' | 'runs.import'
>;

export function sweepHandlers({ store, bus, runs }: ApiServices): SweepHandlers {
  const scheduler = (): SchedulerState => ({
    slots: runs.slots,
    running: runs.activeRunIds,
    queued: store.queue.list().map(({ runId, priority, backend }) => ({ runId, priority, backend })),
  });
  return {
    'sweeps.preview': ({ sweep }) => {
      const expanded = expandSweep(sweep);
      if (!expanded.ok) return expanded;
      return {
        ok: true,
        points: expanded.points.map((p) => ({ name: p.spec.name, values: p.values })),
        runCount: expanded.runCount,
      };
    },
    'sweeps.start': ({ sessionId, sweep, backend, priority }) => {
      const expanded = expandSweep(sweep);
      if (!expanded.ok) {
        throw new ApiError(
          'invalid_request',
          `The sweep is not valid: ${describeIssues(expanded.issues)}`,
          expanded.issues,
        );
      }
      found(store.sessions.get(sessionId), 'session', sessionId);
      // Every experiment is stored before any run is queued: a store that fails half-way queues nothing.
      const experiments = expanded.points.map((point) => store.experiments.create(sessionId, point.spec));
      const started: Run[] = [];
      experiments.forEach((experiment, i) => {
        started.push(...runs.startExperiment(experiment.id, { backend, priority }, expanded.points[i]!.values));
      });
      bus.publish({ type: 'session.changed', sessionId, change: 'updated' });
      return { experiments, runs: started };
    },
    'scheduler.get': () => scheduler(),
    'scheduler.setSlots': ({ slots }) => {
      runs.setSlots(slots);
      return scheduler();
    },
    'runs.setPriority': ({ id, priority }) => runs.setPriority(id, priority),
    'runs.import': async ({ path: where, sessionId }) => {
      if (sessionId !== undefined) found(store.sessions.get(sessionId), 'session', sessionId);
      const report = await importFromSources(store, importSources(where, store.path), sessionId);
      const sessions = new Set(report.runIds.map((id) => store.runs.get(id)?.sessionId));
      for (const id of sessions)
        if (id !== undefined) bus.publish({ type: 'session.changed', sessionId: id, change: 'updated' });
      return report;
    },
  };
}
