import path from 'node:path';
import { cliCommand } from '../cluster/cli-command';
import { followSweep, type TaskState } from '../cluster/follow';
import { readPlan, type SweepPlan } from '../cluster/plan';
import type { SlurmOptions } from '../cluster/sbatch-script';
import { submitScript, writeSweepFiles as writeClusterFiles } from '../cluster/submission';
import type { apiClient } from './caller';
import { table, type Output } from './output';
import { sessionFor } from './sweep-file';

export { planSweep, tasksToResubmit } from '../cluster/submission';

/** Writes plan.json and sweep.sbatch into the results folder; returns the script's text. */
export function writeSweepFiles(results: string, plan: SweepPlan, slurm: SlurmOptions): string {
  return writeClusterFiles(results, plan, slurm, cliCommand());
}

/** Submits the folder's script (as the user may have edited it), for every task or only some. */
export async function submit(results: string, io: Output, only?: number[]): Promise<string> {
  const { jobId, tasks } = await submitScript(results, only);
  io.err(`submitted job ${jobId}: ${tasks.length} array tasks (${results})`);
  return jobId;
}

/**
 * Follows the folder until every task has ended, importing each completed run into the plan's session as it
 * ends; prints each change of state and, at the end, each task's outcome.
 */
export async function followAndImport(
  client: ReturnType<typeof apiClient>,
  io: Output,
  results: string,
  options: { pollMs?: number; json: boolean },
): Promise<number> {
  const plan = readPlan(results);
  const sessionId = await sessionFor(client.call, plan.session);
  const absolute = path.resolve(results);
  const states = await followSweep(absolute, {
    pollMs: options.pollMs,
    importFile: async (file) => {
      const report = await client.call('runs.import', { path: path.resolve(file), sessionId });
      for (const id of report.runIds) io.err(`imported run ${id} into session ${sessionId}`);
    },
    onChange: (task, before) =>
      io.err(`task ${task.index} (${task.label}): ${before ? `${before} → ` : ''}${task.status}${slurmWord(task)}`),
  });
  if (options.json) io.out(JSON.stringify({ sessionId, tasks: states }, null, 2));
  else
    io.out(
      table([
        ['task', 'run', 'job', 'SLURM', 'status'],
        ...states.map((t) => [String(t.index), t.label, t.jobId ?? '—', t.slurmState ?? '—', t.status]),
      ]),
    );
  const unfinished = states.filter((t) => t.status !== 'completed');
  if (unfinished.length > 0) {
    io.err(
      `${unfinished.length} tasks did not complete; resubmit them from their checkpoints: broadcast-lab slurm ${results} --resubmit`,
    );
  }
  return unfinished.length === 0 ? 0 : 1;
}

function slurmWord(task: TaskState): string {
  return task.slurmState ? ` (SLURM: ${task.slurmState})` : '';
}
