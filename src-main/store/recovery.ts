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
 * A run still 'running' or 'paused' when the database is opened belongs to a process that is gone (the
 * app crashed or was killed). Mark it 'interrupted', keep everything it recorded, and log where it can
 * resume from. Runs inside BEGIN IMMEDIATE even when there is nothing to do: taking the write lock is
 * how opening finds out that another process is writing to the file.
 */
export function recoverInterruptedRuns(db: Db, events: EventStore, now: () => number): number[] {
  const unfinished = db.prepare<[], UnfinishedRun>(
    `SELECT r.id, r.rule, r.seed, r.status,
       (SELECT max(c.step) FROM checkpoints c WHERE c.run_id = r.id) AS lastCheckpoint
     FROM runs r WHERE r.status IN ('running', 'paused') ORDER BY r.id`,
  );
  const markInterrupted = db.prepare<[number, number]>(
    `UPDATE runs SET status = 'interrupted', ended_at = coalesce(ended_at, ?) WHERE id = ?`,
  );
  return db
    .transaction((): number[] => {
      const runs = unfinished.all();
      const stamp = now();
      for (const run of runs) {
        markInterrupted.run(stamp, run.id);
        const resume =
          run.lastCheckpoint === null
            ? 'It has no checkpoint, so it can only be run again from the start.'
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
