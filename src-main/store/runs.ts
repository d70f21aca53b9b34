import { randomUUID } from 'node:crypto';
import { RunEnvironment, RunStatus, type Run } from '../../shared/schemas/records';
import { SweepValues } from '../../shared/sweeps/schema';
import { parseColumn, parseJsonColumn } from './row-values';
import { isForeignKeyViolation, type Db, type Statement } from './sqlite';
import type { RunFilter, RunPatch, RunStore } from './types';

export interface RunRow {
  id: number;
  experimentId: number;
  sessionId: number;
  rule: string;
  seed: number;
  status: string;
  backend: string | null;
  environment: string;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  createdAt: number;
  checkpointBytes: number;
  uid: string;
  sweepValues: string | null;
}

export const RUN_SELECT = `SELECT r.id, r.experiment_id AS experimentId, e.session_id AS sessionId, r.rule, r.seed,
  r.status, r.backend, r.environment, r.started_at AS startedAt, r.ended_at AS endedAt, r.error,
  r.created_at AS createdAt, r.uid, r.sweep_values AS sweepValues,
  (SELECT coalesce(sum(length(c.data)), 0) FROM checkpoints c WHERE c.run_id = r.id) AS checkpointBytes
  FROM runs r JOIN experiments e ON e.id = r.experiment_id`;

/** Statuses after which a run no longer computes; reaching one stamps ended_at unless the caller gave it. */
const FINISHED: ReadonlySet<RunStatus> = new Set(['completed', 'stopped', 'failed', 'diverged', 'interrupted']);

export function runFromRow(row: RunRow, file: string): Run {
  return {
    id: row.id,
    experimentId: row.experimentId,
    sessionId: row.sessionId,
    rule: row.rule,
    seed: row.seed,
    status: parseColumn(RunStatus, row.status, `the status of run ${row.id}`, file),
    backend: row.backend,
    environment: parseJsonColumn(RunEnvironment, row.environment, `the environment of run ${row.id}`, file),
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    error: row.error,
    createdAt: row.createdAt,
    checkpointBytes: row.checkpointBytes,
    uid: row.uid,
    ...(row.sweepValues === null
      ? {}
      : { sweepValues: parseJsonColumn(SweepValues, row.sweepValues, `the sweep values of run ${row.id}`, file) }),
  };
}

type UpdateParams = [string, string | null, string, number | null, number | null, string | null, number];

export function createRunStore(db: Db, file: string, now: () => number): RunStore {
  const get = db.prepare<[number], RunRow>(`${RUN_SELECT} WHERE r.id = ?`);
  const insert = db.prepare<
    [
      number,
      string,
      number,
      string,
      string | null,
      string,
      number | null,
      number | null,
      number,
      string,
      string | null,
    ],
    { id: number }
  >(
    `INSERT INTO runs (experiment_id, rule, seed, status, backend, environment, started_at, ended_at, created_at,
       uid, sweep_values)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const byUid = db.prepare<[string], { id: number }>(`SELECT id FROM runs WHERE uid = ?`);
  const update = db.prepare<UpdateParams>(
    `UPDATE runs SET status = ?, backend = ?, environment = ?, started_at = ?, ended_at = ?, error = ? WHERE id = ?`,
  );
  // One statement per filter shape, prepared on first use: an `? IS NULL OR` filter would defeat the indexes.
  const listStatements = new Map<string, Statement<(number | string)[], RunRow>>();
  function listStatement(filter: RunFilter): {
    statement: Statement<(number | string)[], RunRow>;
    args: (number | string)[];
  } {
    const clauses: string[] = [];
    const args: (number | string)[] = [];
    if (filter.sessionId !== undefined) {
      clauses.push('e.session_id = ?');
      args.push(filter.sessionId);
    }
    if (filter.experimentId !== undefined) {
      clauses.push('r.experiment_id = ?');
      args.push(filter.experimentId);
    }
    if (filter.status !== undefined) {
      clauses.push('r.status = ?');
      args.push(filter.status);
    }
    const where = clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '';
    let statement = listStatements.get(where);
    if (!statement) {
      statement = db.prepare<(number | string)[], RunRow>(`${RUN_SELECT}${where} ORDER BY r.id`);
      listStatements.set(where, statement);
    }
    return { statement, args };
  }

  const byId = (id: number): Run | undefined => {
    const row = get.get(id);
    return row && runFromRow(row, file);
  };

  const patch = db.transaction((id: number, changes: RunPatch): Run | undefined => {
    const run = byId(id);
    if (!run) return undefined;
    const status = changes.status ?? run.status;
    const stamp = now();
    // Status changes carry their own timing unless the caller states it (the trainer knows better).
    const startedAt =
      changes.startedAt !== undefined
        ? changes.startedAt
        : status === 'running' && run.startedAt === null
          ? stamp
          : run.startedAt;
    const endedAt =
      changes.endedAt !== undefined
        ? changes.endedAt
        : FINISHED.has(status) && run.endedAt === null
          ? stamp
          : run.endedAt;
    const environment = changes.environment === undefined ? run.environment : RunEnvironment.parse(changes.environment);
    update.run(
      RunStatus.parse(status),
      changes.backend !== undefined ? changes.backend : run.backend,
      JSON.stringify(environment),
      startedAt,
      endedAt,
      changes.error !== undefined ? changes.error : run.error,
      id,
    );
    return byId(id);
  });

  return {
    list(filter = {}) {
      const { statement, args } = listStatement(filter);
      return statement.all(...args).map((row) => runFromRow(row, file));
    },
    get: byId,
    create(input) {
      const status = RunStatus.parse(input.status ?? 'queued');
      if (!Number.isSafeInteger(input.seed) || input.seed < 0) {
        throw new RangeError(`a run's seed must be a non-negative integer, got ${input.seed}`);
      }
      const stamp = now();
      let row: { id: number } | undefined;
      try {
        row = insert.get(
          input.experimentId,
          input.rule,
          input.seed,
          status,
          input.backend ?? null,
          JSON.stringify(RunEnvironment.parse(input.environment ?? {})),
          status === 'running' ? stamp : null,
          FINISHED.has(status) ? stamp : null,
          stamp,
          input.uid ?? randomUUID(),
          input.sweepValues ? JSON.stringify(SweepValues.parse(input.sweepValues)) : null,
        );
      } catch (error) {
        if (isForeignKeyViolation(error))
          throw new Error(`experiment ${input.experimentId} does not exist`, { cause: error });
        throw error;
      }
      const run = row && byId(row.id);
      if (!run) throw new Error('the new run could not be read back');
      return run;
    },
    update: (id, changes) => patch.immediate(id, changes),
    idOfUid: (uid) => byUid.get(uid)?.id,
  };
}
