import type { ExportSelection } from '../../shared/api/contract-export';
import { ApiError } from '../../shared/api/errors';
import { groupRuns, runConfig, type RunConfig } from '../../shared/analysis/grouping';
import type { Experiment, Run, Session } from '../../shared/schemas/records';
import type { Store } from '../store/types';

/** One row of a table or aggregate: runs that differ only in their seed (or a group Compare formed). */
export interface ExportGroup {
  label: string;
  /** The label Compare gave the group, which tables then use for its row. */
  givenLabel?: string;
  config: RunConfig;
  runs: Run[];
}

/** A selection read from the store: its runs (by id), their experiments and sessions, and their groups. */
export interface ResolvedSelection {
  /** A short name for file names: run-7, experiment-3, session-2, runs-4, groups-3. */
  name: string;
  runs: Run[];
  experiments: ReadonlyMap<number, Experiment>;
  sessions: ReadonlyMap<number, Session>;
  groups: ExportGroup[];
}

function notFound(what: string, id: number): never {
  throw new ApiError('not_found', `No ${what} with id ${id}.`);
}

function runsById(store: Store, ids: readonly number[]): Run[] {
  return [...new Set(ids)].map((id) => store.runs.get(id) ?? notFound('run', id));
}

/** Reads what the selection names; a missing run, experiment or session is a not_found error naming its id. */
export function resolveSelection(store: Store, selection: ExportSelection): ResolvedSelection {
  let runs: Run[];
  let name: string;
  switch (selection.kind) {
    case 'run':
      runs = runsById(store, [selection.runId]);
      name = `run-${selection.runId}`;
      break;
    case 'runs':
      runs = runsById(store, selection.runIds);
      name = `runs-${runs.length}`;
      break;
    case 'experiment':
      if (!store.experiments.get(selection.experimentId)) notFound('experiment', selection.experimentId);
      runs = store.runs.list({ experimentId: selection.experimentId });
      name = `experiment-${selection.experimentId}`;
      break;
    case 'session':
      if (!store.sessions.get(selection.sessionId)) notFound('session', selection.sessionId);
      runs = store.runs.list({ sessionId: selection.sessionId });
      name = `session-${selection.sessionId}`;
      break;
    case 'groups':
      runs = runsById(
        store,
        selection.groups.flatMap((g) => g.runIds),
      );
      name = `groups-${selection.groups.length}`;
      break;
  }
  runs.sort((a, b) => a.id - b.id);
  if (runs.length === 0) throw new ApiError('not_found', `Nothing to export: ${name.replace('-', ' ')} has no runs.`);
  const experiments = new Map<number, Experiment>();
  const sessions = new Map<number, Session>();
  for (const run of runs) {
    if (!experiments.has(run.experimentId))
      experiments.set(
        run.experimentId,
        store.experiments.get(run.experimentId) ?? notFound('experiment', run.experimentId),
      );
    if (!sessions.has(run.sessionId))
      sessions.set(run.sessionId, store.sessions.get(run.sessionId) ?? notFound('session', run.sessionId));
  }
  const groups =
    selection.kind === 'groups'
      ? selection.groups.map((g) => {
          const members = runs.filter((r) => g.runIds.includes(r.id)).sort((a, b) => a.seed - b.seed || a.id - b.id);
          const [formed] = groupRuns(members, experiments);
          const first = members[0]!;
          return {
            label: g.label ?? formed?.label ?? armLabel(first),
            givenLabel: g.label,
            config: runConfig(first, experiments.get(first.experimentId)!),
            runs: members,
          };
        })
      : groupRuns(runs, experiments).map((g) => ({ label: g.label, config: g.config, runs: g.runs }));
  return { name, runs, experiments, sessions, groups };
}

/** The arm's own name (its label in the spec, else the rule's), as stored with the run. */
export function armLabel(run: Run): string {
  const label = run.environment.label;
  return typeof label === 'string' && label.length > 0 ? label : run.rule.toUpperCase();
}

/** Runs whose data may still grow: exported as far as they go and marked partial. */
export function partialRuns(selection: ResolvedSelection): number[] {
  return selection.runs
    .filter((r) => r.status === 'running' || r.status === 'queued' || r.status === 'paused')
    .map((r) => r.id);
}
