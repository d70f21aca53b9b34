import { ApiError } from '../../shared/api/errors';
import type { Run } from '../../shared/schemas/records';
import { ruleInfo } from '../../shared/rules/catalogue';
import type { EventBus } from '../api/event-bus';
import type { Store } from '../store/types';
import { WorkerMessage, type BackendChoice, type ProgressMessage } from './protocol';
import type { TrainingProcess, TrainingProcessLauncher } from './training-channel';

export interface RunManagerOptions {
  store: Store;
  bus: EventBus;
  launch: TrainingProcessLauncher;
  dataDir: string;
  /** Backend used when a start does not name one. */
  backend?: BackendChoice;
  /** ONNX Runtime's intra-op threads for every run (the host's --threads); absent: the physical cores. */
  threads?: number;
  /** How long a stopping run may take to write its checkpoint before it is killed. */
  stopGraceMs?: number;
}

interface Active {
  runId: number;
  process: TrainingProcess;
  finished: boolean;
  stopping: boolean;
  /** Its records are being deleted: ignore whatever it still sends. */
  discarded?: boolean;
}

const RESUMABLE = new Set<Run['status']>(['interrupted', 'stopped', 'failed']);

/**
 * Runs experiments: queues their runs (arms × seeds), trains one at a time in a separate process, and turns
 * the process's messages into stored records and API events. The store is written here only, on the host.
 */
export class RunManager {
  private readonly queue: { runId: number; backend: BackendChoice; checkpoint: Uint8Array | null }[] = [];
  private active: Active | null = null;
  private readonly progress = new Map<number, ProgressMessage>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: RunManagerOptions) {}

  /** The backend runs get when a request names none (the host's --backend, else automatic). */
  get defaultBackend(): BackendChoice {
    return this.options.backend ?? 'auto';
  }

  /** Creates the experiment's runs (seed-major: the first results cover every rule) and queues them. */
  startExperiment(experimentId: number, backend?: BackendChoice): Run[] {
    const { store } = this.options;
    const experiment = store.experiments.get(experimentId);
    if (!experiment) throw new ApiError('not_found', `No experiment with id ${experimentId}.`);
    const runs: Run[] = [];
    for (const seed of experiment.spec.seeds) {
      experiment.spec.rules.forEach((arm, index) => {
        const run = store.runs.create({
          experimentId,
          rule: arm.rule,
          seed,
          status: 'queued',
          environment: { arm: index, label: arm.label ?? ruleInfo(arm.rule).label },
        });
        runs.push(run);
        this.queue.push({ runId: run.id, backend: backend ?? this.options.backend ?? 'auto', checkpoint: null });
        this.publishStatus(run);
      });
    }
    this.pump();
    return runs;
  }

  pause(runId: number): Run {
    const active = this.requireActive(runId, 'pause');
    active.process.send({ type: 'pause' });
    return this.setStatus(runId, { status: 'paused' });
  }

  /** Continues a paused run, or restarts an interrupted, stopped or failed one from its latest checkpoint. */
  resume(runId: number, backend?: BackendChoice): Run {
    const run = this.requireRun(runId);
    if (run.status === 'paused' && this.active?.runId === runId) {
      this.active.process.send({ type: 'resume' });
      return this.setStatus(runId, { status: 'running' });
    }
    if (!RESUMABLE.has(run.status)) {
      throw new ApiError(
        'conflict',
        `Run ${runId} is ${run.status}; only paused, interrupted, stopped or failed runs can be resumed.`,
      );
    }
    const { store } = this.options;
    const checkpoint = store.checkpoints.latest(runId);
    // Steps after the checkpoint are trained again, identically (same seed, same data order): drop their points.
    store.metrics.truncate(runId, checkpoint ? checkpoint.step + 1 : 0);
    this.logEvent(
      runId,
      'info',
      'resume',
      checkpoint
        ? `resuming from the checkpoint at step ${checkpoint.step}`
        : 'no checkpoint: starting again from step 0',
    );
    this.queue.push({
      runId,
      backend: backend ?? this.options.backend ?? 'auto',
      checkpoint: checkpoint?.data ?? null,
    });
    const queued = this.setStatus(runId, { status: 'queued', error: null, endedAt: null });
    this.pump();
    return queued;
  }

  /** Stops a running or paused run (it checkpoints first), or takes a queued one off the queue. */
  stop(runId: number): Run {
    const queuedAt = this.queue.findIndex((q) => q.runId === runId);
    if (queuedAt >= 0) {
      this.queue.splice(queuedAt, 1);
      return this.setStatus(runId, { status: 'stopped', endedAt: Date.now() });
    }
    const active = this.requireActive(runId, 'stop');
    this.stopActive(active);
    return this.requireRun(runId);
  }

  /**
   * Forgets runs whose records are about to be deleted: takes them off the queue and kills a live one at once
   * (no checkpoint: there will be nothing to resume).
   */
  discard(runIds: readonly number[]): void {
    const doomed = new Set(runIds);
    for (let i = this.queue.length - 1; i >= 0; i--) if (doomed.has(this.queue[i]!.runId)) this.queue.splice(i, 1);
    if (this.active && doomed.has(this.active.runId)) {
      this.active.finished = true;
      this.active.discarded = true;
      this.active.process.kill();
    }
  }

  progressOf(runId: number): ProgressMessage | undefined {
    return this.progress.get(runId);
  }

  /** Resolves when nothing is running or queued (for the CLI and tests). */
  whenIdle(): Promise<void> {
    if (!this.active && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** On shutdown: stop the active run so that it checkpoints, and leave the queue as 'queued' → 'interrupted'. */
  async shutdown(): Promise<void> {
    for (const q of this.queue.splice(0)) this.setStatus(q.runId, { status: 'interrupted' });
    if (this.active) {
      this.stopActive(this.active);
      await this.whenIdle();
    }
  }

  private stopActive(active: Active): void {
    if (active.stopping) return;
    active.stopping = true;
    active.process.send({ type: 'stop' });
    const grace = setTimeout(() => {
      if (!active.finished) active.process.kill();
    }, this.options.stopGraceMs ?? 30_000);
    grace.unref?.();
  }

  private pump(): void {
    if (this.active) return;
    const next = this.queue.shift();
    if (!next) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const run = this.options.store.runs.get(next.runId);
    const experiment = run && this.options.store.experiments.get(run.experimentId);
    if (!run || !experiment) {
      this.pump();
      return;
    }
    const arm = typeof run.environment.arm === 'number' ? run.environment.arm : 0;
    let process: TrainingProcess;
    try {
      process = this.options.launch();
    } catch (error) {
      this.setStatus(run.id, {
        status: 'failed',
        error: `could not start a training process: ${message(error)}`,
        endedAt: Date.now(),
      });
      this.pump();
      return;
    }
    const active: Active = { runId: run.id, process, finished: false, stopping: false };
    this.active = active;
    process.onMessage((raw) => this.handle(active, raw));
    process.onExit((code, signal) => this.exited(active, code, signal));
    process.send({
      type: 'start',
      runId: run.id,
      spec: experiment.spec,
      arm,
      seed: run.seed,
      dataDir: this.options.dataDir,
      backend: next.backend,
      threads: this.options.threads ?? null,
      checkpoint: next.checkpoint,
    });
  }

  private handle(active: Active, raw: unknown): void {
    if (active.discarded) return;
    const parsed = WorkerMessage.safeParse(raw);
    const { store, bus } = this.options;
    const runId = active.runId;
    if (!parsed.success) {
      this.logEvent(
        runId,
        'warning',
        'protocol',
        `ignored a malformed message from the training process: ${parsed.error.message}`,
      );
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'started': {
        const run = this.requireRun(runId);
        this.setStatus(runId, {
          status: 'running',
          backend: message.backend,
          environment: { ...run.environment, ...message.environment },
          startedAt: run.startedAt ?? Date.now(),
        });
        this.logEvent(
          runId,
          'info',
          'started',
          `training on ${message.backend} (${message.device})` +
            (message.resumedFromStep !== null ? `, resumed at step ${message.resumedFromStep}` : ''),
        );
        return;
      }
      case 'metrics':
        store.metrics.insert(runId, message.points);
        bus.publish({ type: 'metrics.batch', runId, points: message.points });
        return;
      case 'progress':
        this.progress.set(runId, message);
        bus.publish({
          type: 'run.progress',
          runId,
          progress: {
            epoch: message.epoch,
            step: message.step,
            totalSteps: message.totalSteps,
            samplesPerSecond: message.samplesPerSecond,
            eta: message.eta,
          },
        });
        return;
      case 'checkpoint':
        store.checkpoints.save(runId, message.step, message.epoch, message.bytes);
        return;
      case 'paused':
        this.logEvent(runId, 'info', 'paused', `paused at step ${message.step}`);
        return;
      case 'resumed':
        return;
      case 'finished': {
        active.finished = true;
        const diverged = message.status === 'diverged';
        this.setStatus(runId, { status: message.status, endedAt: Date.now(), error: diverged ? message.reason : null });
        if (diverged)
          this.logEvent(
            runId,
            'error',
            'diverged',
            `${message.reason}${message.layer !== null ? ` (layer ${message.layer})` : ''}`,
          );
        else this.logEvent(runId, 'info', message.status, `${message.status} at step ${message.step}`);
        return;
      }
      case 'failed':
        active.finished = true;
        this.setStatus(runId, { status: 'failed', endedAt: Date.now(), error: message.message });
        this.logEvent(runId, 'error', 'failed', message.message);
        return;
    }
  }

  private exited(active: Active, code: number | null, signal: string | null): void {
    if (!active.finished && !active.discarded) {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      this.setStatus(active.runId, {
        status: 'interrupted',
        endedAt: Date.now(),
        error: `the training process ${how}; resume continues from the last checkpoint`,
      });
      this.logEvent(active.runId, 'error', 'interrupted', `the training process ${how}`);
    }
    this.progress.delete(active.runId);
    if (this.active === active) this.active = null;
    if (active.discarded) {
      this.pump();
      return;
    }
    this.pump();
  }

  private requireRun(runId: number): Run {
    const run = this.options.store.runs.get(runId);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}.`);
    return run;
  }

  /** The run's process, while the run is running or paused (a finished run's process may still be exiting). */
  private requireActive(runId: number, action: string): Active {
    const run = this.requireRun(runId);
    const live = run.status === 'running' || run.status === 'paused';
    if (this.active?.runId !== runId || this.active.finished || !live) {
      throw new ApiError('conflict', `Cannot ${action} run ${runId}: it is ${run.status}, not running.`);
    }
    return this.active;
  }

  private setStatus(runId: number, patch: Parameters<Store['runs']['update']>[1]): Run {
    const run = this.options.store.runs.update(runId, patch);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}.`);
    this.publishStatus(run);
    return run;
  }

  private publishStatus(run: Run): void {
    this.options.bus.publish({ type: 'run.status', run });
  }

  private logEvent(runId: number, level: 'info' | 'warning' | 'error', kind: string, text: string): void {
    const run = this.options.store.runs.get(runId);
    const event = this.options.store.events.add({
      runId,
      sessionId: run?.sessionId ?? null,
      level,
      kind,
      message: text,
    });
    this.options.bus.publish({ type: 'run.event', event });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
