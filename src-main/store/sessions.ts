import { SessionName, type Session } from '../../shared/schemas/records';
import { registerFoldFunction, sessionFilterSql } from './session-filter-sql';
import type { Db, Statement } from './sqlite';
import type { SessionStore } from './types';

const SESSION_SELECT = `
  SELECT s.id, s.name, s.notes, s.created_at AS createdAt, s.updated_at AS updatedAt,
    (SELECT count(*) FROM experiments e WHERE e.session_id = s.id) AS experimentCount,
    (SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.session_id = s.id) AS runCount
  FROM sessions s`;

/**
 * Sessions, listed most recently changed first. `onDeleted` lets the metric cache drop series whose rows
 * the cascade removed.
 */
export function createSessionStore(db: Db, now: () => number, onDeleted: () => void): SessionStore {
  registerFoldFunction(db);
  // One statement per filter shape, prepared on first use (a handful of shapes at most).
  const listStatements = new Map<string, Statement<(string | number)[], Session>>();
  function listStatement(where: string): Statement<(string | number)[], Session> {
    let statement = listStatements.get(where);
    if (!statement) {
      statement = db.prepare<(string | number)[], Session>(
        `${SESSION_SELECT}${where} ORDER BY s.updated_at DESC, s.id DESC`,
      );
      listStatements.set(where, statement);
    }
    return statement;
  }
  const get = db.prepare<[number], Session>(`${SESSION_SELECT} WHERE s.id = ?`);
  const insert = db.prepare<[string, string, number, number], { id: number }>(
    'INSERT INTO sessions (name, notes, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id',
  );
  const rename = db.prepare<[string, number, number]>('UPDATE sessions SET name = ?, updated_at = ? WHERE id = ?');
  const setNotes = db.prepare<[string, number, number]>('UPDATE sessions SET notes = ?, updated_at = ? WHERE id = ?');
  const remove = db.prepare<[number]>('DELETE FROM sessions WHERE id = ?');

  const byId = (id: number): Session | undefined => get.get(id);

  return {
    list(filter = {}) {
      const { where, args } = sessionFilterSql(filter);
      return listStatement(where).all(...args);
    },
    get: byId,
    create({ name, notes }) {
      const stamp = now();
      const row = insert.get(SessionName.parse(name), notes ?? '', stamp, stamp);
      const session = row && byId(row.id);
      if (!session) throw new Error('the new session could not be read back');
      return session;
    },
    rename(id, name) {
      return rename.run(SessionName.parse(name), now(), id).changes > 0 ? byId(id) : undefined;
    },
    setNotes(id, notes) {
      return setNotes.run(notes, now(), id).changes > 0 ? byId(id) : undefined;
    },
    delete(id) {
      const deleted = remove.run(id).changes > 0;
      if (deleted) onDeleted();
      return deleted;
    },
  };
}
