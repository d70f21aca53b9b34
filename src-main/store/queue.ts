import type { Db } from './sqlite';
import type { QueuedRun, QueueStore } from './types';

const COLUMNS = 'run_id AS runId, backend, queued_at AS queuedAt, priority';
const ORDER = 'priority DESC, position';

/** The run queue, served highest priority first and, among equals, in the order runs were queued. */
export function createQueueStore(db: Db, now: () => number): QueueStore {
  const enqueue = db.prepare<[number, string, number, number]>(
    `INSERT INTO run_queue (run_id, backend, queued_at, priority) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id) DO NOTHING`,
  );
  const take = db.prepare<[], QueuedRun>(
    `DELETE FROM run_queue WHERE position = (SELECT position FROM run_queue ORDER BY ${ORDER} LIMIT 1)
     RETURNING ${COLUMNS}`,
  );
  const remove = db.prepare<[number]>(`DELETE FROM run_queue WHERE run_id = ?`);
  const setPriority = db.prepare<[number, number]>(`UPDATE run_queue SET priority = ? WHERE run_id = ?`);
  const list = db.prepare<[], QueuedRun>(`SELECT ${COLUMNS} FROM run_queue ORDER BY ${ORDER}`);
  return {
    enqueue(runId, backend, priority = 0) {
      if (!Number.isSafeInteger(priority)) throw new RangeError(`a priority must be an integer, got ${priority}`);
      enqueue.run(runId, backend, now(), priority);
    },
    take: () => take.get(),
    remove: (runId) => remove.run(runId).changes > 0,
    setPriority(runId, priority) {
      if (!Number.isSafeInteger(priority)) throw new RangeError(`a priority must be an integer, got ${priority}`);
      return setPriority.run(priority, runId).changes > 0;
    },
    list: () => list.all(),
  };
}
