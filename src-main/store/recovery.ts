import type { Db } from './sqlite';
import type { EventStore } from './types';

interface UnfinishedRun {
  id: number;
  rule: string;
  seed: number;
  status: string;
  lastCheckpoint: number | null;
  /** 1 when the run still has its place in run_queue. */
  inQueue: number;
}

/**
 * A run still 'running' or 'paused' when the database is opened belongs to a process that is gone (the app crashed
 * or was killed): only one host writes to a data folder at a time, and it opens the store before it trains anything.
 * Mark it 'interrupted', keep everything it recorded, and log where it can resume from. A run still 'queued' with
 * its place in the stored queue keeps both: the queue survives the host, and the next host that serves the stored
 * queue (the app or serve mode, not a short-lived CLI command: RunManager.serveStoredQueue) trains it in its turn.
 * A 'queued' run that lost its place is interrupted like a running one. Runs inside BEGIN IMMEDIATE even when there
 * is nothing to do: taking the write lock is how opening finds out that another process is writing to the file.
 * Returns the runs marked interrupted.
 */
export function recoverInterruptedRuns(db: Db, events: EventStore, now: () => number): number[] {
  const unfinished = db.prepare<[], UnfinishedRun>(
    `SELECT r.id, r.rule, r.seed, r.status,
       (SELECT max(c.step) FROM checkpoints c WHERE c.run_id = r.id) AS lastCheckpoint,
       EXISTS (SELECT 1 FROM run_queue q WHERE q.run_id = r.id) AS inQueue
     FROM runs r WHERE r.status IN ('queued', 'running', 'paused') ORDER BY r.id`,
  );
  const markInterrupted = db.prepare<[number, number]>(
    `UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, ?) WHERE id = ?`,
  );
  // Only a queued run holds a place in the queue: any other row is left over and goes.
  const clearStale = db.prepare(
    `DELETE FROM run_queue WHERE run_id NOT IN (SELECT id FROM runs WHERE status = 'queued')`,
  );
  return db
    .transaction((): number[] => {
      const runs = unfinished.all();
      const interrupted: number[] = [];
      const stamp = now();
      for (const run of runs) {
        // Nothing happened to it: it waits, as it did, for a host that serves the queue.
        if (run.status === 'queued' && run.inQueue) continue;
        markInterrupted.run(stamp, run.id);
        interrupted.push(run.id);
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
      clearStale.run();
      return interrupted;
    })
    .immediate();
}
