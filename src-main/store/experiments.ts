import { EXPERIMENT_SCHEMA_VERSION, ExperimentSpec } from '../../shared/schemas/experiment';
import type { Experiment } from '../../shared/schemas/records';
import { parseJsonColumn } from './row-values';
import { isForeignKeyViolation, type Db } from './sqlite';
import type { ExperimentStore } from './types';

interface ExperimentRow {
  id: number;
  sessionId: number;
  name: string;
  schemaVersion: number;
  spec: string;
  createdAt: number;
}

const EXPERIMENT_SELECT = `SELECT id, session_id AS sessionId, name, schema_version AS schemaVersion, spec,
  created_at AS createdAt FROM experiments`;

const MAX_NAME = 200;

function copyName(name: string): string {
  const suffix = ' (copy)';
  return name.length + suffix.length <= MAX_NAME ? name + suffix : name.slice(0, MAX_NAME - suffix.length) + suffix;
}

/** Experiments keep their spec as JSON; it is validated on the way in and parsed back through zod on the way out. */
export function createExperimentStore(db: Db, file: string, now: () => number, onDeleted: () => void): ExperimentStore {
  const listAll = db.prepare<[], ExperimentRow>(`${EXPERIMENT_SELECT} ORDER BY id`);
  const listBySession = db.prepare<[number], ExperimentRow>(`${EXPERIMENT_SELECT} WHERE session_id = ? ORDER BY id`);
  const get = db.prepare<[number], ExperimentRow>(`${EXPERIMENT_SELECT} WHERE id = ?`);
  const insert = db.prepare<[number, string, number, string, number], { id: number }>(
    'INSERT INTO experiments (session_id, name, schema_version, spec, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
  );
  const remove = db.prepare<[number], { sessionId: number }>(
    'DELETE FROM experiments WHERE id = ? RETURNING session_id AS sessionId',
  );
  const touchSession = db.prepare<[number, number]>('UPDATE sessions SET updated_at = ? WHERE id = ?');

  function fromRow(row: ExperimentRow): Experiment {
    // A spec written by an older app would be migrated here (EXPERIMENT_SCHEMA_VERSION > row.schemaVersion).
    const spec = parseJsonColumn(ExperimentSpec, row.spec, `the spec of experiment ${row.id}`, file);
    return {
      id: row.id,
      sessionId: row.sessionId,
      name: row.name,
      schemaVersion: row.schemaVersion,
      spec,
      createdAt: row.createdAt,
    };
  }

  function byId(id: number): Experiment | undefined {
    const row = get.get(id);
    return row && fromRow(row);
  }

  const create = db.transaction((sessionId: number, input: ExperimentSpec): Experiment => {
    const spec = ExperimentSpec.parse(input);
    const stamp = now();
    let row: { id: number } | undefined;
    try {
      row = insert.get(sessionId, spec.name, EXPERIMENT_SCHEMA_VERSION, JSON.stringify(spec), stamp);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new Error(`session ${sessionId} does not exist`, { cause: error });
      throw error;
    }
    touchSession.run(stamp, sessionId);
    const experiment = row && byId(row.id);
    if (!experiment) throw new Error('the new experiment could not be read back');
    return experiment;
  });

  return {
    list: (sessionId) => (sessionId === undefined ? listAll.all() : listBySession.all(sessionId)).map(fromRow),
    get: byId,
    create: (sessionId, spec) => create.immediate(sessionId, spec),
    duplicate(id, name) {
      const original = byId(id);
      if (!original) return undefined;
      return create.immediate(original.sessionId, { ...original.spec, name: name ?? copyName(original.spec.name) });
    },
    delete: db.transaction((id: number): boolean => {
      const row = remove.get(id);
      if (!row) return false;
      touchSession.run(now(), row.sessionId);
      onDeleted();
      return true;
    }),
  };
}
