import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { SweepValues } from '../../shared/sweeps/schema';

/**
 * What a cluster sweep's results folder holds, beside the sbatch script: the plan every array task reads (which run
 * it trains) and the jobs submitted for it. Task i trains `tasks[i]` into `tasks/task-i/broadcast-lab.sqlite`, its
 * own SQLite file (one writer per file is what SQLite over NFS tolerates).
 */
export const PLAN_FILE = 'plan.json';
export const SCRIPT_FILE = 'sweep.sbatch';
export const JOBS_FILE = 'jobs.json';

export const SweepPlan = z.strictObject({
  planVersion: z.literal(1),
  name: z.string(),
  /** The session the runs are imported into. */
  session: z.string().min(1),
  backend: z.string(),
  threads: z.number().int().min(1).nullable(),
  points: z.array(z.strictObject({ values: SweepValues, spec: ExperimentSpec })),
  /** The shared folder where tasks find the datasets by content hash (dataset-cache.ts); absent in older plans. */
  datasetCache: z.string().min(1).optional(),
  /** Each file-based dataset of the sweep with the content hash of the submitter's copy; a task checks its own. */
  datasets: z.array(z.strictObject({ name: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/) })).optional(),
  tasks: z.array(
    z.strictObject({
      index: z.number().int().nonnegative(),
      uid: z.string().min(1),
      point: z.number().int().nonnegative(),
      arm: z.number().int().nonnegative(),
      seed: z.number().int().nonnegative(),
      label: z.string(),
    }),
  ),
});
export type SweepPlan = z.infer<typeof SweepPlan>;

/** Every submission of the sweep: which tasks each job array ran (a resubmission runs some of them again). */
export const SubmittedJobs = z.array(
  z.strictObject({ jobId: z.string(), tasks: z.array(z.number().int()), at: z.number() }),
);
export type SubmittedJobs = z.infer<typeof SubmittedJobs>;

export function taskDataDir(results: string, index: number): string {
  return path.join(results, 'tasks', `task-${index}`);
}

export function writePlan(results: string, plan: SweepPlan): void {
  fs.mkdirSync(path.join(results, 'logs'), { recursive: true });
  fs.writeFileSync(path.join(results, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
}

/** Reads a results folder's plan; throws an Error naming the file and what is wrong. */
export function readPlan(results: string): SweepPlan {
  return readJson(path.join(results, PLAN_FILE), SweepPlan, 'a sweep plan');
}

export function readJobs(results: string): SubmittedJobs {
  const file = path.join(results, JOBS_FILE);
  return fs.existsSync(file) ? readJson(file, SubmittedJobs, 'a list of submitted jobs') : [];
}

export function recordJob(results: string, jobId: string, tasks: number[], at = Date.now()): SubmittedJobs {
  const jobs = [...readJobs(results), { jobId, tasks, at }];
  fs.writeFileSync(path.join(results, JOBS_FILE), `${JSON.stringify(jobs, null, 2)}\n`);
  return jobs;
}

function readJson<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${file} is not ${what}: ${issues}`);
  }
  return parsed.data;
}
