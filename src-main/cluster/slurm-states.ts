import type { RunStatus } from '../../shared/schemas/records';

/**
 * SLURM's job states (squeue's %T, sacct's State) as run statuses. A task SLURM ended before its run finished
 * (time limit, pre-emption, a node that failed) is 'interrupted': its file has a checkpoint to resume from.
 */
const STATES: Record<string, RunStatus> = {
  PENDING: 'queued',
  CONFIGURING: 'queued',
  REQUEUED: 'queued',
  REQUEUE_FED: 'queued',
  REQUEUE_HOLD: 'queued',
  RESV_DEL_HOLD: 'queued',
  RESIZING: 'running',
  RUNNING: 'running',
  COMPLETING: 'running',
  STAGE_OUT: 'running',
  SIGNALING: 'running',
  SUSPENDED: 'paused',
  STOPPED: 'paused',
  COMPLETED: 'completed',
  CANCELLED: 'stopped',
  FAILED: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  DEADLINE: 'failed',
  SPECIAL_EXIT: 'failed',
  TIMEOUT: 'interrupted',
  PREEMPTED: 'interrupted',
  NODE_FAIL: 'interrupted',
  REVOKED: 'interrupted',
};

/** sacct writes "CANCELLED by 0"; an unknown state is named, not guessed. */
export function runStatusOfSlurmState(state: string): RunStatus | undefined {
  return STATES[state.trim().split(/\s+/)[0]!.toUpperCase()];
}

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'completed',
  'stopped',
  'failed',
  'diverged',
  'interrupted',
]);
