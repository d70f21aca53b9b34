import { execFile } from 'node:child_process';

/**
 * The SLURM commands a sweep uses, run as the user would run them (sbatch, squeue, sacct, scancel on PATH, with
 * SLURM_CONF and the rest of the environment as they are). Each answers parsed values or throws an Error with the
 * command and what it printed.
 */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const said = `${stderr}`.trim() || error.message;
        reject(new Error(`${command} ${args.join(' ')} failed: ${said}`, { cause: error }));
      } else resolve(`${stdout}`);
    });
  });
}

/** Submits a script (optionally only some array indices); resolves with the job id. */
export async function sbatch(script: string, onlyTasks?: readonly number[]): Promise<string> {
  const args = ['--parsable'];
  if (onlyTasks) args.push(`--array=${onlyTasks.join(',')}`);
  const out = await run('sbatch', [...args, script]);
  const jobId = out.trim().split(';')[0]!;
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch answered "${out.trim()}", not a job id`);
  return jobId;
}

/** The state of each array task of the jobs that squeue still knows (pending, running, recently ended). */
export async function squeueStates(jobIds: readonly string[]): Promise<Map<string, Map<number, string>>> {
  const out = await run('squeue', ['--states=all', '-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T']);
  return parseTaskStates(out);
}

/**
 * Task states from accounting, for jobs squeue has forgotten. A cluster without accounting says so (sacct fails):
 * then the answer is empty, and the tasks' own files tell how their runs ended.
 */
export async function sacctStates(jobIds: readonly string[]): Promise<Map<string, Map<number, string>>> {
  try {
    return parseTaskStates(await run('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State']));
  } catch {
    return new Map();
  }
}

export async function scancel(jobId: string, task?: number): Promise<void> {
  await run('scancel', [task === undefined ? jobId : `${jobId}_${task}`]);
}

/** Lines of "JOB_TASK|STATE"; the pending remainder of an array ("12_[3-7]") is expanded. */
export function parseTaskStates(text: string): Map<string, Map<number, string>> {
  const states = new Map<string, Map<number, string>>();
  for (const line of text.split('\n')) {
    const match = /^(\d+)_(\d+|\[[\d,\-%]+\])\|(.+)$/.exec(line.trim());
    if (!match) continue;
    const [, job, tasks, state] = match;
    const byTask = states.get(job!) ?? new Map<number, string>();
    for (const task of expandIndices(tasks!)) byTask.set(task, state!.trim());
    states.set(job!, byTask);
  }
  return states;
}

function expandIndices(text: string): number[] {
  if (/^\d+$/.test(text)) return [Number(text)];
  const inner = text.slice(1, -1).split('%')[0]!;
  return inner.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (to === undefined) return [from!];
    return Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
  });
}
