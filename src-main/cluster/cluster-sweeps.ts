import fs from 'node:fs';
import path from 'node:path';
import { cacheSweepDatasets, type DatasetWhereabouts } from './dataset-cache';
import type { ClusterSweep, ClusterTask, SlurmFields } from '../../shared/api/contract-cluster';
import { ApiError, describeIssues } from '../../shared/api/errors';
import type { ApiEvent } from '../../shared/api/events';
import type { BackendChoice } from '../../shared/api/contract';
import { expandSweep } from '../../shared/sweeps/expand';
import type { Store } from '../store/types';
import { lookAtTasks } from './follow';
import { LiveMirror } from './live-mirror';
import { PLAN_FILE, SCRIPT_FILE, readPlan, type SweepPlan } from './plan';
import { FINAL_STATUSES } from './slurm-states';
import { assertNoSweepIn, planSweep, scriptFor, submitScript, tasksToResubmit, writeSweepFiles } from './submission';
import { taskDatabase } from './task-files';

/** How long a task's file may go on being written after SLURM reported its job ended (beyond a cluster's KillWait). */
const SETTLE_MS = 60_000;

export interface ClusterSweepsOptions {
  store: Store;
  publish: (event: ApiEvent) => void;
  /** How a node starts broadcast-lab (cli-command.ts); asked for when a script is written. */
  cli: () => readonly string[];
  /** Time between looks at squeue and the task files (default 1 s). */
  pollMs?: number;
  /** Where this machine has a dataset (for a request's dataset cache); absent: no request may ask for one. */
  datasets?: (name: string) => Promise<DatasetWhereabouts | undefined>;
}

export interface ClusterSweepRequest {
  sessionId: number;
  sweep: unknown;
  results: string;
  slurm: SlurmFields;
  backend?: BackendChoice;
  /** A folder the nodes share: the sweep's datasets are copied there by content hash (dataset-cache.ts). */
  datasetCache?: string;
}

/**
 * The cluster sweeps this host follows (persisted in the session database, so following survives a restart): plans
 * and submits job arrays, looks at each followed results folder every `pollMs` (squeue/sacct for the tasks' states,
 * each task's own file for its points), shows each task's run in the session through a LiveMirror, and resubmits
 * tasks that did not complete. A folder or task file that cannot be read is reported on the sweep or task, naming
 * the file; nothing stored changes because of it, and the next look tries again.
 */
export class ClusterSweeps {
  private readonly mirror: LiveMirror;
  private readonly seen = new Map<string, ClusterSweep>();
  /** When SLURM first reported each ended task (results + index) whose file has not settled yet. */
  private readonly endedSince = new Map<string, number>();
  /** Folders being resubmitted: looks leave them alone until their runs are rewound. */
  private readonly resubmitting = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: ClusterSweepsOptions) {
    this.mirror = new LiveMirror(options.store, options.publish);
  }

  /** Starts looking at the followed folders (those of an earlier start included). */
  start(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => void this.tick(), 0);
    // Following never keeps a host's process alive on its own: the server or window does.
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.looking;
  }

  plan(request: ClusterSweepRequest): { results: string; script: string; taskCount: number } {
    const { plan, results } = this.planOf(request);
    assertNoSweepInFolder(results);
    const script = scriptFor(results, plan, request.slurm, this.options.cli());
    return { results, script, taskCount: plan.tasks.length };
  }

  async submit(request: ClusterSweepRequest & { script: string }): Promise<ClusterSweep> {
    const planned = this.planOf(request);
    const { results } = planned;
    assertNoSweepInFolder(results);
    const plan = request.datasetCache ? await this.cacheDatasets(planned.plan, request.datasetCache) : planned.plan;
    writeSweepFiles(results, plan, request.slurm, this.options.cli(), request.script);
    try {
      await submitScript(results);
    } catch (error) {
      // Nothing was submitted: take back the two files this request wrote, so the folder can be used again.
      for (const file of [PLAN_FILE, SCRIPT_FILE]) fs.rmSync(path.join(results, file), { force: true });
      throw new ApiError('invalid_request', `The cluster refused the sweep: ${message(error)}`);
    }
    this.options.store.clusterSweeps.add(results, request.sessionId);
    return this.lookNow(results);
  }

  /** The plan with its datasets copied into the shared cache and their hashes recorded. */
  private async cacheDatasets(plan: SweepPlan, cache: string): Promise<SweepPlan> {
    const { datasets } = this.options;
    if (!datasets) throw new ApiError('invalid_request', 'This host cannot reach its datasets to cache them.');
    try {
      return await cacheSweepDatasets(plan, path.resolve(cache), datasets, () => undefined);
    } catch (error) {
      throw new ApiError('invalid_request', `Cannot cache the sweep's datasets in ${cache}: ${message(error)}`);
    }
  }

  async follow(results: string, sessionId: number): Promise<ClusterSweep> {
    this.sessionOf(sessionId);
    try {
      readPlan(results);
    } catch (error) {
      throw new ApiError('invalid_request', `Cannot follow ${results}: ${message(error)}`);
    }
    this.options.store.clusterSweeps.add(results, sessionId);
    return this.lookNow(results);
  }

  list(): ClusterSweep[] {
    return this.options.store.clusterSweeps.list().map(
      (f) =>
        this.seen.get(f.results) ?? {
          results: f.results,
          sessionId: f.sessionId,
          name: path.basename(f.results),
          ended: f.endedAt !== null,
          problem: null,
          tasks: [],
        },
    );
  }

  async resubmit(results: string, only?: number[]): Promise<ClusterSweep> {
    if (!this.options.store.clusterSweeps.get(results)) {
      throw new ApiError('not_found', `${results} is not a cluster sweep this app follows.`);
    }
    let plan: SweepPlan;
    let candidates: number[];
    try {
      plan = readPlan(results);
      candidates = await tasksToResubmit(results);
    } catch (error) {
      throw new ApiError('invalid_request', `Cannot resubmit ${results}: ${message(error)}`);
    }
    const chosen = only ?? candidates;
    const refused = chosen.filter((t) => !candidates.includes(t));
    if (refused.length > 0) {
      throw new ApiError(
        'invalid_request',
        `Only failed, cancelled or pre-empted tasks can be resubmitted; task ${refused.join(', ')} is not one.`,
      );
    }
    if (chosen.length === 0) {
      throw new ApiError('invalid_request', 'Every task has completed or is still queued or running.');
    }
    // No look at this folder between the submission and the rewind: it would see the new job with the old points.
    await this.looking;
    this.resubmitting.add(results);
    try {
      try {
        await submitScript(results, chosen);
      } catch (error) {
        // Nothing was submitted, so nothing is rewound: the runs keep every point they have.
        throw new ApiError('invalid_request', `The cluster refused the resubmission: ${message(error)}`);
      }
      for (const index of chosen) this.mirror.rewind(taskDatabase(results, index), plan.tasks[index]!.uid);
      this.options.store.clusterSweeps.setEnded(results, false);
    } finally {
      this.resubmitting.delete(results);
    }
    return this.lookNow(results);
  }

  /**
   * Refuses to pause, resume or stop here a run that a followed cluster task trains: SLURM runs it (scancel stops
   * it, and a resubmission resumes it from its checkpoint), and a local resume would train a second copy.
   */
  assertNotOnCluster(runId: number, action: 'pause' | 'resume' | 'stop'): void {
    for (const sweep of this.seen.values()) {
      const task = sweep.tasks.find((t) => t.runId === runId);
      if (!task) continue;
      const how =
        action === 'resume'
          ? 'resubmit its task from the Monitor (Cluster sweeps) to resume it from its checkpoint'
          : `SLURM controls it (scancel ${task.jobId ?? 'JOB'}_${task.index})`;
      throw new ApiError(
        'conflict',
        `Run ${runId} trains on the cluster as task ${task.index} of ${sweep.results}: ${how}.`,
      );
    }
  }

  private planOf(request: ClusterSweepRequest): { plan: SweepPlan; results: string } {
    const session = this.sessionOf(request.sessionId);
    const expanded = expandSweep(request.sweep);
    if (!expanded.ok) {
      throw new ApiError(
        'invalid_request',
        `The sweep is not valid: ${describeIssues(expanded.issues)}`,
        expanded.issues,
      );
    }
    const plan = planSweep(expanded, {
      session: session.name,
      backend: request.backend ?? 'auto',
      threads: request.slurm.cpusPerTask ?? null,
    });
    return { plan, results: path.resolve(request.results) };
  }

  private sessionOf(sessionId: number) {
    const session = this.options.store.sessions.get(sessionId);
    if (!session) throw new ApiError('not_found', `No session with id ${sessionId}.`);
    return session;
  }

  /** One look at one folder now, between the timer's looks. */
  private async lookNow(results: string): Promise<ClusterSweep> {
    await this.looking;
    const followed = this.options.store.clusterSweeps.get(results)!;
    const look = this.lookAt(followed.results, followed.sessionId);
    this.looking = look.then(() => undefined);
    await look;
    this.start();
    return this.seen.get(results)!;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    const looks = (async () => {
      for (const followed of this.options.store.clusterSweeps.list()) {
        if (this.closed) return;
        if (followed.endedAt === null && !this.resubmitting.has(followed.results))
          await this.lookAt(followed.results, followed.sessionId);
      }
    })();
    this.looking = looks;
    try {
      await looks;
    } catch (error) {
      // A look records its problems on the sweep; what escapes (a closed store) ends nothing but this look.
      console.error('following cluster sweeps:', error);
    }
    if (!this.closed) {
      this.timer = setTimeout(() => void this.tick(), this.options.pollMs ?? 1000);
      this.timer.unref();
    }
  }

  private async lookAt(results: string, sessionId: number): Promise<void> {
    const before = this.seen.get(results);
    let plan: SweepPlan;
    try {
      plan = readPlan(results);
    } catch (error) {
      this.seen.set(results, { ...emptySweep(results, sessionId, before), problem: message(error) });
      return;
    }
    let states;
    try {
      states = await lookAtTasks(results, plan);
    } catch (error) {
      // SLURM did not answer (the controller is down, a command is missing): keep what was known.
      this.seen.set(results, { ...emptySweep(results, sessionId, before), name: plan.name, problem: message(error) });
      return;
    }
    const settledTasks = new Set<number>();
    const tasks: ClusterTask[] = states.map((task) => {
      const uid = plan.tasks[task.index]!.uid;
      const file = taskDatabase(results, task.index);
      const ended = FINAL_STATUSES.has(task.status);
      const key = `${results}\n${task.index}`;
      if (!ended) this.endedSince.delete(key);
      else if (!this.endedSince.has(key)) this.endedSince.set(key, Date.now());
      try {
        const { runId, settled } = this.mirror.sync(file, uid, sessionId, task.status, ended);
        // A process killed outright (SIGKILL after KillWait, a lost node) never writes its end: stop waiting.
        if (settled || Date.now() - this.endedSince.get(key)! > SETTLE_MS) settledTasks.add(task.index);
        return { ...task, runId, problem: null };
      } catch (error) {
        const said = message(error);
        return {
          ...task,
          runId: this.options.store.runs.idOfUid(uid) ?? null,
          problem: said.includes(file) ? said : `${file}: ${said}`,
        };
      }
    });
    const ended = tasks.every((t) => settledTasks.has(t.index) && t.problem === null);
    this.seen.set(results, { results, sessionId, name: plan.name, ended, problem: null, tasks });
    if (ended) this.options.store.clusterSweeps.setEnded(results, true);
  }
}

function emptySweep(results: string, sessionId: number, before: ClusterSweep | undefined): ClusterSweep {
  return before ?? { results, sessionId, name: path.basename(results), ended: false, problem: null, tasks: [] };
}

function assertNoSweepInFolder(results: string): void {
  try {
    assertNoSweepIn(results);
  } catch (error) {
    throw new ApiError('conflict', message(error));
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
