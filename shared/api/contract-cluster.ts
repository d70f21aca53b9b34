import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backends';
import { Id } from '../schemas/ids';
import { RunStatus } from '../schemas/records';

/**
 * The cluster methods of the API (SLURM job arrays planned, submitted and followed by the host), spread into
 * `contract` (contract.ts). Every field a user types in the designer's "Run on cluster" is checked here, where it
 * enters, with a message naming what sbatch would refuse.
 */
function method<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

/** A folder on the machine running the app, which the cluster's nodes see at the same path (a shared filesystem). */
const ResultsFolder = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), {
    message: 'must be an absolute path on the shared filesystem (e.g. /scratch/me/sweeps/lambda-lr)',
  })
  .refine((p) => !/[\s'"$`\\]/.test(p), {
    message: 'must not hold spaces, quotes, $, ` or \\ (sbatch reads it in #SBATCH lines)',
  });

/** Partition names and wall times as sbatch takes them: letters, digits and . : , - _ only. */
const SbatchWord = (what: string, example: string) =>
  z
    .string()
    .trim()
    .min(1, `a ${what} cannot be empty (leave it out for the cluster's default)`)
    .max(100)
    .regex(/^[\w.:,-]+$/, `a ${what} holds only letters, digits and . : , - _ (e.g. ${example})`);

export const SlurmFields = z.strictObject({
  partition: SbatchWord('partition', 'gpu').optional(),
  /** Wall time per task: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS. */
  time: SbatchWord('time limit', '1:00:00')
    .regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'a time limit is minutes, HH:MM:SS or D-HH:MM:SS (e.g. 1:00:00)')
    .optional(),
  cpusPerTask: z.number().int().min(1).max(4096).optional(),
  gpus: z.number().int().min(1).max(64).optional(),
  arrayLimit: z.number().int().min(1).max(100_000).optional(),
});
export type SlurmFields = z.infer<typeof SlurmFields>;

const ClusterSweepRequest = z.strictObject({
  sessionId: Id,
  /** A sweep file's content (as `sweeps.preview` takes it). */
  sweep: z.unknown(),
  results: ResultsFolder,
  slurm: SlurmFields,
  backend: z.enum(['auto', ...BACKEND_NAMES]).optional(),
  /**
   * A folder the nodes share: the sweep's file datasets are copied there once per content hash, and each task trains
   * from that copy and refuses one whose content changed. Absent: each node finds its own copy, unchecked.
   */
  datasetCache: ResultsFolder.optional(),
});

/** The script as the user edited it: still a job array, whose tasks run the CLI. */
const EditedScript = z
  .string()
  .max(200_000)
  .refine((s) => s.startsWith('#!'), { message: 'must start with a #! line (e.g. #!/bin/bash)' })
  .refine((s) => /^#SBATCH\s+--array=/m.test(s), {
    message: 'must keep its #SBATCH --array= line: each array task trains one run of the plan',
  })
  .refine((s) => !s.includes('\0'), { message: 'must be text (it holds a NUL byte)' });

export const ClusterTask = z.object({
  index: z.number().int().nonnegative(),
  label: z.string(),
  jobId: z.string().nullable(),
  slurmState: z.string().nullable(),
  status: RunStatus,
  /** The run in the session database, once the task has written its first record. */
  runId: Id.nullable(),
  /** Why the task's file could not be read (it names the file); null when it could. */
  problem: z.string().nullable(),
});
export type ClusterTask = z.infer<typeof ClusterTask>;

export const ClusterSweep = z.object({
  results: z.string(),
  sessionId: Id,
  name: z.string(),
  /** Every task has ended (completed, failed, cancelled, pre-empted…). */
  ended: z.boolean(),
  /** Why the folder cannot be followed now (its plan is missing or malformed); null when it can. */
  problem: z.string().nullable(),
  tasks: z.array(ClusterTask),
});
export type ClusterSweep = z.infer<typeof ClusterSweep>;

export const clusterMethods = {
  /** The sbatch script a sweep would be submitted with, for the user to read and edit; writes and submits nothing. */
  'cluster.plan': method(
    ClusterSweepRequest,
    z.object({ results: z.string(), script: z.string(), taskCount: z.number().int().positive() }),
  ),
  /**
   * Writes the plan and the (edited) script into the results folder, submits the job array and follows it: its
   * runs appear in the session as they train and are imported as their tasks end. A folder that already holds a
   * sweep is refused.
   */
  'cluster.submit': method(ClusterSweepRequest.extend({ script: EditedScript }), ClusterSweep),
  /** Follows a results folder submitted elsewhere (e.g. by `broadcast-lab sweep --slurm --detach`). */
  'cluster.follow': method(z.strictObject({ results: ResultsFolder, sessionId: Id }), ClusterSweep),
  'cluster.list': method(z.strictObject({}), z.array(ClusterSweep)),
  /**
   * Submits the sweep's failed, cancelled and pre-empted tasks again (or only `tasks`, which must be among them);
   * each resumes from its checkpoint.
   */
  'cluster.resubmit': method(
    z.strictObject({ results: ResultsFolder, tasks: z.array(z.number().int().nonnegative()).min(1).optional() }),
    ClusterSweep,
  ),
} as const;
