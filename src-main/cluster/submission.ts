import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeValues, type ExpandedSweep } from '../../shared/sweeps/expand';
import { ruleInfo } from '../../shared/rules/catalogue';
import { lookAtTasks } from './follow';
import { PLAN_FILE, SCRIPT_FILE, readPlan, recordJob, writePlan, type SweepPlan } from './plan';
import { sbatchScript, type SlurmOptions } from './sbatch-script';
import { sbatch } from './slurm-client';
import pkg from '../../package.json';

/**
 * Planning and submitting a cluster sweep, one implementation for the CLI (`sweep --slurm`, `slurm --submit |
 * --resubmit`) and the app's `cluster.*` methods.
 */

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

/** The script for a plan: `cli` is how a node starts broadcast-lab (see cli-command.ts). */
export function scriptFor(results: string, plan: SweepPlan, slurm: SlurmOptions, cli: readonly string[]): string {
  return sbatchScript({
    name: plan.name,
    results,
    taskCount: plan.tasks.length,
    workdir: process.cwd(),
    cli,
    slurm,
    writtenBy: `Written by broadcast-lab ${pkg.version} on ${new Date().toISOString()}.`,
  });
}

/** Refuses a folder that already holds a sweep: its tasks' files would be mixed with another plan's. */
export function assertNoSweepIn(results: string): void {
  if (fs.existsSync(path.join(results, PLAN_FILE))) {
    throw new Error(`${results} already holds a sweep (${PLAN_FILE}); choose another results folder`);
  }
}

/**
 * Writes plan.json and sweep.sbatch into the results folder: the generated script, or `script` as the user edited
 * it. Returns the script's text.
 */
export function writeSweepFiles(
  results: string,
  plan: SweepPlan,
  slurm: SlurmOptions,
  cli: readonly string[],
  script?: string,
): string {
  assertNoSweepIn(results);
  const text = script ?? scriptFor(results, plan, slurm, cli);
  writePlan(results, plan);
  fs.writeFileSync(path.join(results, SCRIPT_FILE), text, { mode: 0o755 });
  return text;
}

/** Submits the folder's script (as the user may have edited it), for every task or only some; records the job. */
export async function submitScript(results: string, only?: number[]): Promise<{ jobId: string; tasks: number[] }> {
  const plan = readPlan(results);
  const tasks = only ?? plan.tasks.map((t) => t.index);
  const jobId = await sbatch(path.join(results, SCRIPT_FILE), only);
  recordJob(results, jobId, tasks);
  return { jobId, tasks };
}

/** Tasks whose run did not complete: failed, cancelled, pre-empted, timed out, or lost with its node. */
export async function tasksToResubmit(results: string): Promise<number[]> {
  const states = await lookAtTasks(results, readPlan(results));
  return states.filter((t) => ['failed', 'stopped', 'interrupted'].includes(t.status)).map((t) => t.index);
}
