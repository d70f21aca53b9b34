import { EventLevel, type RunEvent } from '../../shared/schemas/records';
import { parseColumn } from './row-values';
import { isForeignKeyViolation, type Db, type Statement } from './sqlite';
import type { EventStore, NewEvent } from './types';

interface EventRow {
  id: number;
  runId: number | null;
  sessionId: number | null;
  level: string;
  kind: string;
  message: string;
  createdAt: number;
}

type NewEventRow = Omit<EventRow, 'id'>;

const EVENT_COLUMNS = 'id, run_id AS runId, session_id AS sessionId, level, kind, message, created_at AS createdAt';

/**
 * The log of a run, a session or the app. An event of a run is filed under the run's session too, so
 * that a session's log shows its runs' events and deleting the session removes them.
 */
export function createEventStore(db: Db, file: string, now: () => number): EventStore {
  const insert = db.prepare<[NewEventRow], EventRow>(
    `INSERT INTO events (run_id, session_id, level, kind, message, created_at)
     VALUES (@runId, coalesce(@sessionId, (SELECT e.session_id FROM runs r JOIN experiments e ON e.id = r.experiment_id
       WHERE r.id = @runId)), @level, @kind, @message, @createdAt)
     RETURNING ${EVENT_COLUMNS}`,
  );
  // The latest `limit` events, returned oldest first like any log.
  const statements = new Map<string, Statement<number[], EventRow>>();
  function listStatement(where: string): Statement<number[], EventRow> {
    let statement = statements.get(where);
    if (!statement) {
      statement = db.prepare<number[], EventRow>(
        `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events${where} ORDER BY id DESC LIMIT ?) ORDER BY id`,
      );
      statements.set(where, statement);
    }
    return statement;
  }

  const fromRow = (row: EventRow): RunEvent => ({
    ...row,
    level: parseColumn(EventLevel, row.level, `the level of event ${row.id}`, file),
  });

  return {
    add(event: NewEvent): RunEvent {
      const level = EventLevel.parse(event.level);
      try {
        const row = insert.get({
          runId: event.runId ?? null,
          sessionId: event.sessionId ?? null,
          level,
          kind: event.kind,
          message: event.message,
          createdAt: now(),
        });
        if (!row) throw new Error('the new event could not be read back');
        return fromRow(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new Error(
            `the run or session of this event does not exist (run ${event.runId ?? '-'}, session ${event.sessionId ?? '-'})`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    },
    list({ runId, sessionId, limit }) {
      const clauses: string[] = [];
      const args: number[] = [];
      if (runId !== undefined) {
        clauses.push('run_id = ?');
        args.push(runId);
      }
      if (sessionId !== undefined) {
        clauses.push('session_id = ?');
        args.push(sessionId);
      }
      const where = clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '';
      // LIMIT -1 is SQLite's "no limit", which keeps one statement per filter shape.
      return listStatement(where)
        .all(...args, limit ?? -1)
        .map(fromRow);
    },
  };
}
