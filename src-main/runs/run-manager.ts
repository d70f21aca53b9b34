import os from 'node:os';
import { ApiError } from '../../shared/api/errors';
import type { Run } from '../../shared/schemas/records';
import { ruleInfo } from '../../shared/rules/catalogue';
import type { EventBus } from '../api/event-bus';
import { StoreError, type Store } from '../store/types';
import { storageFailureText } from './storage-failure';
import { BackendChoice, WorkerMessage, type ProgressMessage } from './protocol';
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
  /** Checkpoints kept per run besides the best by validation metric (default 2); older ones are deleted. */
  keepCheckpoints?: number;
  /** Runs that train at once (default: defaultSlots(threads)); setSlots changes it later. */
  slots?: number;
}

export const DEFAULT_KEEP_CHECKPOINTS = 2;

interface Active {
  runId: number;
  process: TrainingProcess;
  finished: boolean;
  stopping: boolean;
  /** Its records are being deleted: ignore whatever it still sends. */
  discarded?: boolean;
  /** The store failed under it (a full disk): it was killed and failed; ignore whatever it still sends. */
  storageFailed?: boolean;
}

const RESUMABLE = new Set<Run['status']>(['interrupted', 'stopped', 'failed']);

/** How a start queues its runs: the backend they train on and their priority (higher first). */
export interface QueueOptions {
  backend?: BackendChoice;
  priority?: number;
}

/**
 * Runs experiments: queues their runs (arms × seeds), trains up to `slots` at a time, each in its own process, and
 * turns the processes' messages into stored records and API events. The store is written here only, on the host.
 * The queue lives in the store (highest priority first, then first queued, first trained), beside the runs'
 * statuses. Runs training side by side compute exactly what they would one by one: each has its own process and
 * seed-derived streams, and the thread count is the host's, whatever the slots.
 *
 * States: queued → running ⇄ paused → completed | stopped | failed | diverged; a training process that dies
 * makes its run interrupted; stop takes a queued run off the queue (stopped); resume puts an interrupted,
 * stopped or failed run back on the queue, to continue from its latest checkpoint. A host that dies leaves
 * its running and paused runs to the next host's start, which marks them interrupted, and its queue to the next
 * host that serves the stored queue (serveStoredQueue).
 */
export class RunManager {
  private readonly active = new Map<number, Active>();
  private readonly progress = new Map<number, ProgressMessage>();
  private readonly idleWaiters: (() => void)[] = [];
  private slotCount: number;
  /** Runs this manager put on the stored queue; unless it serves the whole queue, the only ones it trains. */
  private readonly queuedHere = new Set<number>();
  /** Whether it trains every run of the stored queue (the app, serve mode) or only its own (a CLI command). */
  private servesStoredQueue = false;

  constructor(private readonly options: RunManagerOptions) {
    this.slotCount = checkedSlots(options.slots ?? defaultSlots(options.threads));
  }

  /**
   * Trains the stored queue as a whole from now on, the runs an earlier host left queued included (recovery.ts keeps
   * them there): for the long-lived hosts. A short-lived CLI command trains only what it queued itself, so that it
   * never starts a stopped app's queue.
   */
  serveStoredQueue(): void {
    this.servesStoredQueue = true;
    this.pump();
  }

  private enqueue(runId: number, backend: BackendChoice, priority = 0): void {
    this.options.store.queue.enqueue(runId, backend, priority);
    this.queuedHere.add(runId);
  }

  /** The stored queue's runs this manager trains, in their order. */
  private servedQueue() {
    const queue = this.options.store.queue.list();
    return this.servesStoredQueue ? queue : queue.filter((q) => this.queuedHere.has(q.runId));
  }

  /** Takes the next run it serves off the stored queue. */
  private takeNext() {
    const { queue } = this.options.store;
    if (this.servesStoredQueue) return queue.take();
    const next = this.servedQueue()[0];
    if (next) queue.remove(next.runId);
    return next;
  }

  /** How many runs train at once. */
  get slots(): number {
    return this.slotCount;
  }

  /** Changes how many runs train at once: more start queued runs now; fewer let the running ones finish. */
  setSlots(slots: number): number {
    this.slotCount = checkedSlots(slots);
    this.pump();
    return this.slotCount;
  }

  /** Runs training or paused now (each holds a slot). */
  get activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /** The backend runs get when a request names none (the host's --backend, else automatic). */
  get defaultBackend(): BackendChoice {
    return this.options.backend ?? 'auto';
  }

  /**
   * Creates the experiment's runs (seed-major: the first results cover every rule) and queues them. A sweep's
   * point passes the values it gave the experiment, stored with each run.
   */
  startExperiment(
    experimentId: number,
    queue: BackendChoice | QueueOptions = {},
    sweepValues?: Record<string, number | string | boolean>,
  ): Run[] {
    const { backend, priority } = typeof queue === 'string' ? { backend: queue, priority: 0 } : queue;
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
          sweepValues,
        });
        runs.push(run);
        this.enqueue(run.id, backend ?? this.defaultBackend, priority ?? 0);
        this.publishStatus(run);
      });
    }
    this.pump();
    return runs;
  }

  /**
   * Creates and queues one run of an experiment: one arm with one seed, under a uid given by whoever planned it (a
   * cluster task trains one planned run into its own database, which is later imported under that uid).
   */
  startRun(
    experimentId: number,
    run: { arm: number; seed: number; uid?: string; sweepValues?: Record<string, number | string | boolean> },
    queue: QueueOptions = {},
  ): Run {
    const { store } = this.options;
    const experiment = store.experiments.get(experimentId);
    if (!experiment) throw new ApiError('not_found', `No experiment with id ${experimentId}.`);
    const arm = experiment.spec.rules[run.arm];
    if (!arm) throw new ApiError('invalid_request', `Experiment ${experimentId} has no arm ${run.arm}.`);
    const created = store.runs.create({
      experimentId,
      rule: arm.rule,
      seed: run.seed,
      status: 'queued',
      environment: { arm: run.arm, label: arm.label ?? ruleInfo(arm.rule).label },
      uid: run.uid,
      sweepValues: run.sweepValues,
    });
    this.enqueue(created.id, queue.backend ?? this.defaultBackend, queue.priority ?? 0);
    this.publishStatus(created);
    this.pump();
    return created;
  }

  /** Moves a queued run ahead of (higher) or behind (lower) the others. */
  setPriority(runId: number, priority: number): Run {
    const run = this.requireRun(runId);
    if (!this.options.store.queue.setPriority(runId, priority)) {
      throw new ApiError('conflict', `Run ${runId} is ${run.status}, not queued: only a queued run has a priority.`);
    }
    return run;
  }

  pause(runId: number): Run {
    const active = this.requireActive(runId, 'pause');
    active.process.send({ type: 'pause' });
    return this.setStatus(runId, { status: 'paused' });
  }

  /** Continues a paused run, or restarts an interrupted, stopped or failed one from its latest checkpoint. */
  resume(runId: number, backend?: BackendChoice): Run {
    const run = this.requireRun(runId);
    const live = this.active.get(runId);
    if (run.status === 'paused' && live) {
      live.process.send({ type: 'resume' });
      return this.setStatus(runId, { status: 'running' });
    }
    if (!RESUMABLE.has(run.status)) {
      throw new ApiError(
        'conflict',
        `Run ${runId} is ${run.status}; only paused, interrupted, stopped or failed runs can be resumed.`,
      );
    }
    const { store } = this.options;
    // After a full disk, space has been freed (or the run will meet the same wall): keep some back again.
    store.diskReserve.restore();
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
    this.enqueue(runId, backend ?? this.defaultBackend);
    let queued: Run;
    try {
      queued = this.setStatus(runId, { status: 'queued', error: null, endedAt: null });
    } catch (error) {
      store.queue.remove(runId);
      throw error;
    }
    this.pump();
    return queued;
  }

  /** Stops a running or paused run (it checkpoints first), or takes a queued one off the queue. */
  stop(runId: number): Run {
    if (this.options.store.queue.remove(runId)) {
      return this.setStatus(runId, { status: 'stopped', endedAt: Date.now() });
    }
    // Just taken off the queue, its process still starting (the run reads 'queued' until it reports): stop it too.
    const starting = this.active.get(runId);
    if (starting && !starting.finished && this.requireRun(runId).status === 'queued') {
      this.stopActive(starting);
      return this.requireRun(runId);
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
    for (const runId of doomed) this.options.store.queue.remove(runId);
    for (const active of this.active.values()) {
      if (!doomed.has(active.runId)) continue;
      active.finished = true;
      active.discarded = true;
      active.process.kill();
    }
  }

  progressOf(runId: number): ProgressMessage | undefined {
    return this.progress.get(runId);
  }

  /** Resolves when nothing is running or queued (for the CLI and tests). */
  whenIdle(): Promise<void> {
    if (this.active.size === 0 && this.servedQueue().length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * On shutdown: stop the active runs so that they checkpoint. A host serving the stored queue leaves it as it is,
   * for its next start (as after a crash); a CLI command marks the runs it queued 'interrupted' (a Ctrl-C ends its
   * work; a resume picks them up).
   */
  async shutdown(): Promise<void> {
    if (!this.servesStoredQueue)
      for (let next = this.takeNext(); next; next = this.takeNext())
        this.setStatus(next.runId, { status: 'interrupted' });
    if (this.active.size > 0) {
      for (const active of this.active.values()) this.stopActive(active);
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

  /** Starts queued runs while a slot is free; resolves the idle waiters when nothing runs and the queue is empty. */
  private pump(): void {
    while (this.active.size < this.slotCount) {
      let next;
      try {
        next = this.takeNext();
      } catch (error) {
        // A full disk cannot even take a run off the queue: it stays queued, for this host's next try or the next start.
        if (!(error instanceof StoreError)) throw error;
        console.error(`broadcast-lab: the run queue cannot be served: ${error.message}`);
        next = undefined;
      }
      if (!next) {
        if (this.active.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        return;
      }
      try {
        this.launch(next.runId, next.backend);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        console.error(`broadcast-lab: run ${next.runId} could not be started: ${error.message}`);
      }
    }
  }

  private launch(runId: number, backend: string): void {
    const { store } = this.options;
    const run = store.runs.get(runId);
    const experiment = run && store.experiments.get(run.experimentId);
    if (!run || !experiment) return;
    const arm = typeof run.environment.arm === 'number' ? run.environment.arm : 0;
    const chosen = BackendChoice.safeParse(backend);
    // A fresh run has no checkpoint; a resumed one continues from its latest (resume truncated the metrics after it).
    const checkpoint = store.checkpoints.latest(runId)?.data ?? null;
    let process: TrainingProcess;
    try {
      process = this.options.launch();
    } catch (error) {
      this.setStatus(run.id, {
        status: 'failed',
        error: `could not start a training process: ${message(error)}`,
        endedAt: Date.now(),
      });
      return;
    }
    const active: Active = { runId: run.id, process, finished: false, stopping: false };
    this.active.set(run.id, active);
    process.onMessage((raw) => this.guarded(active, () => this.handle(active, raw)));
    process.onExit((code, signal) => this.exited(active, code, signal));
    process.send({
      type: 'start',
      runId: run.id,
      spec: experiment.spec,
      arm,
      seed: run.seed,
      dataDir: this.options.dataDir,
      backend: chosen.success ? chosen.data : this.defaultBackend,
      threads: this.options.threads ?? null,
      checkpoint,
    });
  }

  /**
   * Runs the handling of a training process's message or exit. A store that fails under it (a full disk, a
   * damaged page) fails that run, not the host: the host keeps serving, and what was committed stays.
   */
  private guarded(active: Active, work: () => void): void {
    try {
      work();
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.storageFailed(active, error);
    }
  }

  private storageFailed(active: Active, error: StoreError): void {
    if (active.storageFailed) return;
    active.storageFailed = true;
    // Its next messages would meet the same disk; a stop would try to write one more checkpoint.
    active.finished = true;
    active.process.kill();
    const text = storageFailureText(error, this.options.dataDir);
    // On a full disk not even the failure fits: give up the space kept back for it (resume takes it again).
    if (error.kind === 'disk_full') this.options.store.diskReserve.release();
    try {
      this.setStatus(active.runId, { status: 'failed', endedAt: Date.now(), error: text });
    } catch (again) {
      // Not even the status fits: tell the clients; the next start marks the stored 'running' run interrupted.
      const run = this.options.store.runs.get(active.runId);
      if (run) this.publishStatus({ ...run, status: 'failed', endedAt: Date.now(), error: text });
      console.error(`broadcast-lab: run ${active.runId}: ${text} (its status could not be stored: ${message(again)})`);
      return;
    }
    try {
      this.logEvent(active.runId, 'error', 'failed', text);
    } catch {
      // The status says it; the event log is a nicety on a full disk.
    }
  }

  private handle(active: Active, raw: unknown): void {
    if (active.discarded || active.storageFailed) return;
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
        // Its own event, so that a run's history shows each resume and the step it went on from.
        if (message.resumedFromStep !== null) {
          this.logEvent(runId, 'info', 'resumed', `resumed from the checkpoint at step ${message.resumedFromStep}`);
        }
        return;
      }
      case 'metrics':
        // Stamped with the time the batch reached the host: the tidy CSV's wall_time.
        store.metrics.insert(runId, message.points, Date.now());
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
        // A wide net's checkpoints are large, and only the latest (to resume) and the best are worth keeping.
        store.checkpoints.prune(runId, this.options.keepCheckpoints ?? DEFAULT_KEEP_CHECKPOINTS);
        return;
      case 'paused':
        this.logEvent(runId, 'info', 'paused', `paused at step ${message.step}`);
        return;
      case 'resumed':
        this.logEvent(
          runId,
          'info',
          'resumed',
          message.step === null ? 'went on before it had paused' : `went on from the pause at step ${message.step}`,
        );
        return;
      case 'finished': {
        active.finished = true;
        const diverged = message.status === 'diverged';
        this.setStatus(runId, { status: message.status, endedAt: Date.now(), error: diverged ? message.reason : null });
        // The reason names the step, the layer and the quantity (engine/divergence.ts).
        if (diverged) this.logEvent(runId, 'error', 'diverged', message.reason ?? `diverged at step ${message.step}`);
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
    this.progress.delete(active.runId);
    if (this.active.get(active.runId) === active) this.active.delete(active.runId);
    if (!active.finished && !active.discarded) {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      this.guarded(active, () => {
        this.setStatus(active.runId, {
          status: 'interrupted',
          endedAt: Date.now(),
          error: `the training process ${how}; resume continues from the last checkpoint`,
        });
        this.logEvent(active.runId, 'error', 'interrupted', `the training process ${how}`);
      });
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
    const active = this.active.get(runId);
    if (!active || active.finished || !live) {
      throw new ApiError('conflict', `Cannot ${action} run ${runId}: it is ${run.status}, not running.`);
    }
    return active;
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

/** The most runs a host trains at once, whatever it is asked: each is a process with its own runtime. */
export const MAX_SLOTS = 64;

/**
 * Runs at once when the user sets none: as many as the machine's logical cores hold at the threads each run
 * uses, at least one. Without --threads a run uses every physical core, so one at a time.
 */
export function defaultSlots(threadsPerRun: number | undefined, logicalCores = os.availableParallelism()): number {
  if (threadsPerRun === undefined) return 1;
  return Math.max(1, Math.min(MAX_SLOTS, Math.floor(logicalCores / threadsPerRun)));
}

function checkedSlots(slots: number): number {
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS) {
    throw new ApiError('invalid_request', `slots must be a whole number from 1 to ${MAX_SLOTS}, got ${slots}`);
  }
  return slots;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
