import type { ExperimentSpec } from '../../shared/schemas/experiment';
import type { MetricPoint, RunEnvironment, RunStatus } from '../../shared/schemas/records';
import { openStore } from './index';

/** A run read from somewhere other than a database (an export bundle), with its points, as an import stores it. */
export interface RunRecord {
  uid: string;
  sessionName: string;
  experiment: ExperimentSpec;
  rule: string;
  seed: number;
  status: RunStatus;
  backend: string | null;
  environment: RunEnvironment;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  sweepValues: Record<string, number | string | boolean> | undefined;
  points: MetricPoint[];
}

/**
 * Writes runs into a new database file of this version, one experiment per session and spec, so that the one
 * importer of databases (import-runs.ts) brings them in: the same de-duplication by uid, the same single
 * transaction over every file, the same report.
 */
export function writeRunsDatabase(file: string, runs: readonly RunRecord[]): void {
  const store = openStore({ path: file });
  try {
    const sessions = new Map<string, number>();
    const experiments = new Map<string, number>();
    for (const run of runs) {
      let sessionId = sessions.get(run.sessionName);
      if (sessionId === undefined)
        sessions.set(run.sessionName, (sessionId = store.sessions.create({ name: run.sessionName }).id));
      const key = JSON.stringify([sessionId, run.experiment]);
      let experimentId = experiments.get(key);
      if (experimentId === undefined)
        experiments.set(key, (experimentId = store.experiments.create(sessionId, run.experiment).id));
      const created = store.runs.create({
        experimentId,
        rule: run.rule,
        seed: run.seed,
        status: run.status,
        backend: run.backend,
        environment: run.environment,
        uid: run.uid,
        sweepValues: run.sweepValues,
      });
      store.runs.update(created.id, { startedAt: run.startedAt, endedAt: run.endedAt, error: run.error });
      if (run.points.length > 0) store.metrics.insert(created.id, run.points);
    }
  } finally {
    store.close();
  }
}
