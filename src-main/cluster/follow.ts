import type { RunStatus } from '../../shared/schemas/records';
import { readJobs, readPlan, type SweepPlan } from './plan';
import { sacctStates, squeueStates } from './slurm-client';
import { FINAL_STATUSES, runStatusOfSlurmState } from './slurm-states';
import { taskDatabase, taskRun } from './task-files';

export interface TaskState {
  index: number;
  label: string;
  /** The job array that ran it last (a resubmission replaces the earlier one). */
  jobId: string | null;
  /** What SLURM says ("PENDING", "CANCELLED", …), or null when no job knows it any more. */
  slurmState: string | null;
  status: RunStatus;
}

export interface FollowHooks {
  /** Brings a finished task's file into the session database. */
  importFile(file: string): Promise<unknown>;
  /** A task changed state (or was imported). */
  onChange?(task: TaskState, previous: RunStatus | undefined): void;
  /** How long to wait between looks (default 1 s). */
  pollMs?: number;
  /** Stop following after this long; the tasks go on (default: until every task has ended). */
  timeoutMs?: number;
}

/**
 * Follows a cluster sweep's results folder until every task has ended: asks squeue (then sacct, then the task's own
 * file) for each task's state, reports changes, and imports each completed run into the session database as soon as
 * its task ends. A task that failed, was cancelled or pre-empted is reported; `resubmit` sends it again.
 */
export async function followSweep(results: string, hooks: FollowHooks): Promise<TaskState[]> {
  const plan = readPlan(results);
  const imported = new Set<number>();
  const last = new Map<number, RunStatus>();
  const deadline = hooks.timeoutMs === undefined ? Infinity : Date.now() + hooks.timeoutMs;
  for (;;) {
    const states = await lookAtTasks(results, plan);
    for (const task of states) {
      const before = last.get(task.index);
      if (before !== task.status) {
        last.set(task.index, task.status);
        hooks.onChange?.(task, before);
      }
      // Only a run that ended on its own is imported: a stopped or failed one is resubmitted under the same uid,
      // and an earlier copy would keep the finished one out.
      if ((task.status === 'completed' || task.status === 'diverged') && !imported.has(task.index)) {
        await hooks.importFile(taskDatabase(results, task.index));
        imported.add(task.index);
      }
    }
    if (states.every((t) => FINAL_STATUSES.has(t.status)) || Date.now() > deadline) return states;
    await new Promise((resolve) => setTimeout(resolve, hooks.pollMs ?? 1000));
  }
}

/** Each task's state now: SLURM's word while a job knows the task, else what its own file says. */
export async function lookAtTasks(results: string, plan: SweepPlan): Promise<TaskState[]> {
  const jobs = readJobs(results);
  const jobOf = new Map<number, string>();
  for (const job of jobs) for (const task of job.tasks) jobOf.set(task, job.jobId);
  const jobIds = [...new Set(jobOf.values())];
  const queued = jobIds.length > 0 ? await squeueStates(jobIds) : new Map<string, Map<number, string>>();
  const forgotten = jobIds.filter((id) => !queued.has(id));
  const accounted = forgotten.length > 0 ? await sacctStates(forgotten) : new Map<string, Map<number, string>>();
  return plan.tasks.map((task) => {
    const jobId = jobOf.get(task.index) ?? null;
    const slurmState = jobId
      ? (queued.get(jobId)?.get(task.index) ?? accounted.get(jobId)?.get(task.index))
      : undefined;
    const fromSlurm = slurmState ? runStatusOfSlurmState(slurmState) : undefined;
    // A task's file is read only once its job has ended: SQLite's WAL is not safe to read from another machine
    // over NFS while a node writes it, and the task closes it (folding the WAL in) before its job ends.
    const live = fromSlurm !== undefined && !FINAL_STATUSES.has(fromSlurm);
    const run = live ? undefined : taskRun(results, task.index, task.uid);
    let status: RunStatus;
    if (fromSlurm && !FINAL_STATUSES.has(fromSlurm)) status = fromSlurm;
    // The job ended: its file says how the run itself ended (a task whose process exited 0 completed its run).
    else if (run && FINAL_STATUSES.has(run.status))
      status = fromSlurm === 'completed' || !fromSlurm ? run.status : fromSlurm;
    else if (fromSlurm) status = fromSlurm;
    else status = jobId ? 'interrupted' : 'queued';
    return {
      index: task.index,
      label: task.label,
      jobId,
      slurmState: slurmState ?? null,
      status,
    };
  });
}
