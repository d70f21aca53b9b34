/**
 * The sbatch script of a sweep's job array, written to be read and edited: every choice is a #SBATCH line, and the
 * one command it runs is the CLI's `task`, which trains the run the array index names into the task's own file.
 */
export interface SlurmOptions {
  partition?: string;
  /** Wall time per task, as sbatch takes it (e.g. "1:00:00"). */
  time?: string;
  cpusPerTask?: number;
  /** GPUs per task (sbatch --gpus-per-task). */
  gpus?: number;
  /** At most this many array tasks run at once (the array's %N). */
  arrayLimit?: number;
}

export interface ScriptInput {
  name: string;
  results: string;
  taskCount: number;
  /** The folder the tasks start in (where the CLI's relative imports resolve). */
  workdir: string;
  /** The command that starts the CLI on a node: node, its options and the entry file. */
  cli: readonly string[];
  slurm: SlurmOptions;
  /** Header lines: what wrote the script and when. */
  writtenBy: string;
}

/** Single quotes for the shell: every character literal, a quote itself closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function sbatchScript(input: ScriptInput): string {
  const { slurm } = input;
  const array = `0-${input.taskCount - 1}${slurm.arrayLimit ? `%${slurm.arrayLimit}` : ''}`;
  const slug = input.name.replace(/[^\w.-]+/g, '-').slice(0, 40) || 'sweep';
  const lines = [
    '#!/bin/bash',
    `# Broadcast Lab sweep "${input.name.replaceAll('\n', ' ')}": ${input.taskCount} runs, one per array task.`,
    `# ${input.writtenBy}`,
    '# Task i trains run i of plan.json into tasks/task-i/broadcast-lab.sqlite (its own SQLite file) and resumes',
    '# from its checkpoint there when submitted again. Edit what you need; `broadcast-lab slurm FOLDER --submit`',
    '# submits this file as it is.',
    '# Datasets: where plan.json names a dataset cache, each task links its dataset from there (by content hash)',
    "# and refuses files whose hash is not the plan's.",
    `#SBATCH --job-name=bl-${slug}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${input.results}/logs/task-%a.out`,
    `#SBATCH --chdir=${input.workdir}`,
    `#SBATCH --ntasks=1`,
  ];
  if (slurm.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${slurm.cpusPerTask}`);
  if (slurm.partition) lines.push(`#SBATCH --partition=${slurm.partition}`);
  if (slurm.time) lines.push(`#SBATCH --time=${slurm.time}`);
  if (slurm.gpus) lines.push(`#SBATCH --gpus-per-task=${slurm.gpus}`);
  const threads = slurm.cpusPerTask ? ['--threads', String(slurm.cpusPerTask)] : [];
  const command = [...input.cli, 'task', `${input.results}/plan.json`, ...threads].map(shellQuote).join(' ');
  lines.push('', 'set -euo pipefail', `exec ${command} --index "$SLURM_ARRAY_TASK_ID"`, '');
  return lines.join('\n');
}
