import type { Db } from './sqlite';
import type { EventStore } from './types';

interface UnfinishedRun {
  id: number;
  rule: string;
  seed: number;
  status: string;
  lastCheckpoint: number | null;
}

/**
 * A run still 'queued', 'running' or 'paused' when the database is opened belongs to a process that is gone
 * (the app crashed or was killed): only one host writes to a data folder at a time, and it opens the store
 * before it queues anything. Mark it 'interrupted', keep everything it recorded, and log where it can resume
 * from. Queued runs are treated like running ones rather than trained again at once: a resume is the user's
 * call, and a short-lived CLI command that opens the store must not start training a crashed server's queue.
 * Runs inside BEGIN IMMEDIATE even when there is nothing to do: taking the write lock is how opening finds out
 * that another process is writing to the file.
 */
export function recoverInterruptedRuns(db: Db, events: EventStore, now: () => number): number[] {
  const unfinished = db.prepare<[], UnfinishedRun>(
    `SELECT r.id, r.rule, r.seed, r.status,
       (SELECT max(c.step) FROM checkpoints c WHERE c.run_id = r.id) AS lastCheckpoint
     FROM runs r WHERE r.status IN ('queued', 'running', 'paused') ORDER BY r.id`,
  );
  const markInterrupted = db.prepare<[number, number]>(
    `UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, ?) WHERE id = ?`,
  );
  const clearQueue = db.prepare(`DELETE FROM run_queue`);
  return db
    .transaction((): number[] => {
      const runs = unfinished.all();
      clearQueue.run();
      const stamp = now();
      for (const run of runs) {
        markInterrupted.run(stamp, run.id);
        const resume =
          run.lastCheckpoint === null
            ? run.status === 'queued'
              ? 'It had not started; resume runs it from the start.'
              : 'It has no checkpoint, so it can only be run again from the start.'
            : `It can resume from its last checkpoint, at step ${run.lastCheckpoint}.`;
        events.add({
          runId: run.id,
          level: 'warning',
          kind: 'run.interrupted',
          message:
            `Run ${run.id} (${run.rule}, seed ${run.seed}) was ${run.status} when Broadcast Lab last stopped; ` +
            `it is marked interrupted and everything it recorded is kept. ${resume}`,
        });
      }
      return runs.map((run) => run.id);
    })
    .immediate();
}
