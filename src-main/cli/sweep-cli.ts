import path from 'node:path';
import { parseArgs } from 'node:util';
import { BackendChoice } from '../../shared/api/contract';
import { createApiHost, type ApiHost, type ApiHostOptions } from '../api/host';
import { readJobs, readPlan, taskDataDir } from '../cluster/plan';
import type { SlurmOptions } from '../cluster/sbatch-script';
import { apiClient } from './caller';
import type { Output } from './output';
import { defaultSweepSession, readSweep, sessionFor } from './sweep-file';
import { describeSweep, localSweep } from './sweep-local';
import { followAndImport, planSweep, submit, tasksToResubmit, writeSweepFiles } from './sweep-slurm';
import { planDatasets, prepareTaskDataset } from './sweep-datasets';
import { taskCommand } from './task-command';
import { parseThreads } from './threads-option';

/** The commands of sweeps, clusters and imports; cli.ts hands them their arguments whole. */
export const SWEEP_COMMANDS: ReadonlySet<string> = new Set(['sweep', 'task', 'slurm', 'import']);

export const SWEEP_USAGE = `  broadcast-lab sweep SPEC.json [--slots N] [--dry-run]     train a sweep here, N runs at a time
  broadcast-lab sweep SPEC.json --slurm [--results DIR] [--partition P] [--time T] [--cpus-per-task N]
                [--gpus N] [--array-limit N] [--dataset-cache DIR] [--dry-run] [--detach]
                                           write an sbatch job array (one task per run), submit it and follow it;
                                           --dataset-cache: a shared folder the tasks find datasets in by content hash
  broadcast-lab slurm DIR [--submit | --resubmit] [--detach]
                                           (re)submit a cluster sweep's script or its unfinished tasks; follow it
  broadcast-lab import FILE|DIR [--session NAME]   add runs from other databases or export bundles (each run once)`;

const OPTIONS = {
  data: { type: 'string' },
  session: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  slots: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  slurm: { type: 'boolean', default: false },
  results: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  gpus: { type: 'string' },
  'array-limit': { type: 'string' },
  detach: { type: 'boolean', default: false },
  submit: { type: 'boolean', default: false },
  resubmit: { type: 'boolean', default: false },
  index: { type: 'string' },
  'poll-ms': { type: 'string' },
  'dataset-cache': { type: 'string' },
} as const;

class UsageError extends Error {}

/** Runs one of SWEEP_COMMANDS; returns the exit code (0 success, 1 failure, 2 usage error). */
export interface SweepCliContext {
  io: Output;
  launch: ApiHostOptions['launch'];
  /** The data folder of --data (or its default). */
  resolveDataDir: (flag: string | undefined) => string;
  usage: string;
}

export async function sweepCli(argv: string[], context: SweepCliContext): Promise<number> {
  const { io, usage } = context;
  try {
    return await dispatch(argv, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`broadcast-lab: ${error.message}\n\n${usage}`);
      return 2;
    }
    io.err(`broadcast-lab: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function dispatch(argv: string[], { io, launch, resolveDataDir }: SweepCliContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (!target)
    throw new UsageError(
      `${command} needs ${command === 'import' ? 'a file or folder' : command === 'slurm' ? 'a results folder' : 'a file'}`,
    );
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const threads = parseThreads(values.threads);
  if (typeof threads === 'object') throw new UsageError(threads.problem);
  const backend = values.backend;
  if (backend !== undefined && !BackendChoice.safeParse(backend).success) {
    throw new UsageError(`--backend must be one of ${BackendChoice.options.join(', ')}, got "${backend}"`);
  }
  const slots = whole(values.slots, '--slots', 1, 64);
  const pollMs = whole(values['poll-ms'], '--poll-ms', 10, 600_000);
  const host = (dataDir: string) =>
    createApiHost({ mode: 'cli', dataDir, launch, threads, slots, backend: backend as BackendChoice | undefined });

  switch (command) {
    case 'sweep': {
      const sweep = readSweep(target);
      const session = values.session ?? defaultSweepSession(sweep);
      if (!values.slurm) {
        if (values['dry-run']) {
          io.out(describeSweep(sweep));
          return 0;
        }
        return withHost(host(resolveDataDir(values.data)), (h, client) =>
          localSweep(h, client, io, {
            sweep,
            session,
            backend: backend as BackendChoice | undefined,
            json: values.json,
          }),
        );
      }
      const results = path.resolve(values.results ?? defaultResults(sweep.points[0]!.spec.name));
      const planned = planSweep(sweep, { session, backend: backend ?? 'auto', threads: threads ?? null });
      const cache = values['dataset-cache'];
      const plan = cache
        ? await planDatasets(planned, path.resolve(cache), host(resolveDataDir(values.data)), io)
        : planned;
      const script = writeSweepFiles(results, plan, slurmOptions(values));
      if (values['dry-run']) {
        io.out(script);
        io.err(
          `wrote ${results}/sweep.sbatch and plan.json (${plan.tasks.length} tasks); submit with: broadcast-lab slurm ${results} --submit`,
        );
        return 0;
      }
      await submit(results, io);
      if (values.detach) return 0;
      return withHost(host(resolveDataDir(values.data)), (_h, client) =>
        followAndImport(client, io, results, { pollMs, json: values.json }),
      );
    }
    case 'slurm': {
      const results = path.resolve(target);
      readPlan(results);
      if (values.submit && values.resubmit) throw new UsageError('--submit and --resubmit exclude each other');
      if (values.submit) await submit(results, io);
      if (values.resubmit) {
        const again = await tasksToResubmit(results);
        if (again.length === 0) io.err('every task has completed or is still queued or running: nothing to resubmit');
        else await submit(results, io, again);
      }
      if (readJobs(results).length === 0) {
        throw new Error(`nothing of ${results} has been submitted yet: broadcast-lab slurm ${results} --submit`);
      }
      if (values.detach) return 0;
      return withHost(host(resolveDataDir(values.data)), (_h, client) =>
        followAndImport(client, io, results, { pollMs, json: values.json }),
      );
    }
    case 'task': {
      const index = whole(values.index ?? process.env.SLURM_ARRAY_TASK_ID, '--index', 0, 10_000_000);
      if (index === undefined) throw new UsageError('task needs --index I (or SLURM_ARRAY_TASK_ID)');
      const results = path.dirname(path.resolve(target));
      const plan = readPlan(results);
      const dataDir = taskDataDir(results, index);
      const taskHost = createApiHost({
        mode: 'cli',
        dataDir,
        launch,
        threads: threads ?? plan.threads ?? undefined,
        slots: 1,
        backend: (backend ?? plan.backend) as BackendChoice,
      });
      return withHost(taskHost, async (h, client) => {
        await prepareTaskDataset(plan, index, dataDir, client);
        return taskCommand(h, client, io, plan, index);
      });
    }
    case 'import':
      return withHost(host(resolveDataDir(values.data)), async (_h, client) => {
        const sessionId = values.session ? await sessionFor(client.call, values.session) : undefined;
        const report = await client.call('runs.import', { path: path.resolve(target), sessionId });
        if (values.json) io.out(JSON.stringify(report, null, 2));
        else {
          for (const f of report.files) io.out(`${f.file}: ${f.added} runs added, ${f.skipped} already here`);
          io.out(`${report.added} runs added, ${report.skipped} skipped (already here)`);
        }
        return 0;
      });
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function withHost(
  host: ApiHost,
  work: (host: ApiHost, client: ReturnType<typeof apiClient>) => Promise<number>,
): Promise<number> {
  const client = apiClient(host);
  try {
    return await work(host, client);
  } finally {
    client.close();
    await host.close();
  }
}

function whole(text: string | undefined, option: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function slurmOptions(values: {
  partition?: string;
  time?: string;
  'cpus-per-task'?: string;
  gpus?: string;
  'array-limit'?: string;
}): SlurmOptions {
  const simple = /^[\w.:,-]+$/;
  for (const [option, value] of [
    ['--partition', values.partition],
    ['--time', values.time],
  ] as const) {
    if (value !== undefined && !simple.test(value))
      throw new UsageError(`${option} has characters sbatch does not take: "${value}"`);
  }
  return {
    partition: values.partition,
    time: values.time,
    cpusPerTask: whole(values['cpus-per-task'], '--cpus-per-task', 1, 4096),
    gpus: whole(values.gpus, '--gpus', 1, 64),
    arrayLimit: whole(values['array-limit'], '--array-limit', 1, 100_000),
  };
}

function defaultResults(name: string): string {
  const slug = name.replace(/[^\w.-]+/g, '-').slice(0, 40);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return path.join('broadcast-lab-sweeps', `${slug}-${stamp}`);
}
