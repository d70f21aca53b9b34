import type { ApiHost } from '../api/host';
import type { SweepPlan } from '../cluster/plan';
import type { apiClient } from './caller';
import type { Output } from './output';
import { sessionFor } from './sweep-file';

/**
 * `broadcast-lab task PLAN --index I`, as a job array task runs it: trains run I of the plan into this task's own
 * data folder (its own SQLite file), under the run's planned uid. Run again (a resubmission), it resumes the run
 * from its latest checkpoint there; a run already completed is left as it is. SIGTERM (scancel, pre-emption, the
 * time limit) stops the run with a checkpoint. Exits 0 only when the run completed.
 */
export async function taskCommand(
  host: ApiHost,
  client: ReturnType<typeof apiClient>,
  io: Output,
  plan: SweepPlan,
  index: number,
): Promise<number> {
  const task = plan.tasks.find((t) => t.index === index);
  if (!task) throw new Error(`the plan has no task ${index} (it has ${plan.tasks.length})`);
  const point = plan.points[task.point]!;
  const existing = host.store.runs.idOfUid(task.uid);
  let runId: number;
  if (existing === undefined) {
    const sessionId = await sessionFor(client.call, plan.session);
    const experiment = await client.call('experiments.create', { sessionId, spec: point.spec });
    runId = host.runs.startRun(experiment.id, {
      arm: task.arm,
      seed: task.seed,
      uid: task.uid,
      sweepValues: point.values,
    }).id;
    io.err(`task ${index}: ${task.label}: run ${runId}`);
  } else {
    const run = host.store.runs.get(existing)!;
    if (run.status === 'completed') {
      io.err(`task ${index}: ${task.label}: already completed (run ${existing})`);
      return 0;
    }
    runId = host.runs.resume(existing).id;
    io.err(`task ${index}: ${task.label}: resuming run ${runId}`);
  }
  const onTerm = () => {
    io.err(`task ${index}: stopping (SIGTERM); the checkpoint lets a resubmission continue`);
    try {
      host.runs.stop(runId);
    } catch {
      // Still starting: closing the host stops it.
    }
  };
  process.on('SIGTERM', onTerm);
  try {
    await host.runs.whenIdle();
  } finally {
    process.off('SIGTERM', onTerm);
  }
  const run = host.store.runs.get(runId)!;
  io.err(`task ${index}: ${run.status}${run.error ? ` — ${run.error}` : ''}`);
  return run.status === 'completed' ? 0 : 1;
}
