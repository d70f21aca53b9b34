import type { Db } from './sqlite';
import type { QueuedRun, QueueStore } from './types';

const COLUMNS = 'run_id AS runId, backend, queued_at AS queuedAt';

/** The run queue, served in the order runs were queued. */
export function createQueueStore(db: Db, now: () => number): QueueStore {
  const enqueue = db.prepare<[number, string, number]>(
    `INSERT INTO run_queue (run_id, backend, queued_at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
  );
  const take = db.prepare<[], QueuedRun>(
    `DELETE FROM run_queue WHERE position = (SELECT min(position) FROM run_queue) RETURNING ${COLUMNS}`,
  );
  const remove = db.prepare<[number]>(`DELETE FROM run_queue WHERE run_id = ?`);
  const list = db.prepare<[], QueuedRun>(`SELECT ${COLUMNS} FROM run_queue ORDER BY position`);
  return {
    enqueue(runId, backend) {
      enqueue.run(runId, backend, now());
    },
    take: () => take.get(),
    remove: (runId) => remove.run(runId).changes > 0,
    list: () => list.all(),
  };
}
