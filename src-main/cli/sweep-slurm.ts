import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeValues, type ExpandedSweep } from '../../shared/sweeps/expand';
import { ruleInfo } from '../../shared/rules/catalogue';
import { followSweep, lookAtTasks, type TaskState } from '../cluster/follow';
import { PLAN_FILE, SCRIPT_FILE, readPlan, recordJob, writePlan, type SweepPlan } from '../cluster/plan';
import { sbatchScript, type SlurmOptions } from '../cluster/sbatch-script';
import { sbatch } from '../cluster/slurm-client';
import type { apiClient } from './caller';
import { table, type Output } from './output';
import { sessionFor } from './sweep-file';
import pkg from '../../package.json';

/** One array task per run, point-major then seed then arm, each with the uid it keeps when imported. */
export function planSweep(
  sweep: ExpandedSweep,
  options: { session: string; backend: string; threads: number | null },
): SweepPlan {
  const tasks: SweepPlan['tasks'] = [];
  sweep.points.forEach((point, p) => {
    for (const seed of point.spec.seeds) {
      point.spec.rules.forEach((arm, a) => {
        const values = describeValues(point.values);
        tasks.push({
          index: tasks.length,
          uid: randomUUID().replaceAll('-', ''),
          point: p,
          arm: a,
          seed,
          label: `${values ? `${values} ` : ''}${arm.label ?? ruleInfo(arm.rule).label} seed ${seed}`,
        });
      });
    }
  });
  return {
    planVersion: 1,
    name: sweep.points[0]!.spec.name.replace(/ \[.*\]$/, ''),
    session: options.session,
    backend: options.backend,
    threads: options.threads,
    points: sweep.points.map((p) => ({ values: p.values, spec: p.spec })),
    tasks,
  };
}

/**
 * How a node starts this CLI: the same Node, its options (tsx when run from the sources) and entry file, so that a
 * task runs exactly the code that planned it.
 */
export function cliCommand(): string[] {
  const entry = process.argv[1];
  if (!entry || !/(cli\.(ts|js|mjs|cjs)|broadcast-lab)$/.test(entry)) {
    throw new Error(`cannot tell how to start broadcast-lab on the nodes (this process runs ${entry ?? 'nothing'})`);
  }
  return [process.execPath, ...process.execArgv, path.resolve(entry)];
}

/** Writes plan.json and sweep.sbatch into the results folder; returns the script's text. */
export function writeSweepFiles(results: string, plan: SweepPlan, slurm: SlurmOptions): string {
  if (fs.existsSync(path.join(results, PLAN_FILE))) {
    throw new Error(`${results} already holds a sweep (${PLAN_FILE}); choose another --results folder`);
  }
  writePlan(results, plan);
  const script = sbatchScript({
    name: plan.name,
    results,
    taskCount: plan.tasks.length,
    workdir: process.cwd(),
    cli: cliCommand(),
    slurm,
    writtenBy: `Written by broadcast-lab ${pkg.version} on ${new Date().toISOString()}.`,
  });
  fs.writeFileSync(path.join(results, SCRIPT_FILE), script, { mode: 0o755 });
  return script;
}

/** Submits the folder's script (as the user may have edited it), for every task or only some. */
export async function submit(results: string, io: Output, only?: number[]): Promise<string> {
  const plan = readPlan(results);
  const tasks = only ?? plan.tasks.map((t) => t.index);
  const jobId = await sbatch(path.join(results, SCRIPT_FILE), only);
  recordJob(results, jobId, tasks);
  io.err(`submitted job ${jobId}: ${tasks.length} array tasks (${results})`);
  return jobId;
}

/** Tasks whose run did not complete: failed, cancelled, pre-empted, timed out, or lost with its node. */
export async function tasksToResubmit(results: string): Promise<number[]> {
  const states = await lookAtTasks(results, readPlan(results));
  return states.filter((t) => ['failed', 'stopped', 'interrupted'].includes(t.status)).map((t) => t.index);
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
