import { DatasetManager } from '../data/manager';
import { datasetAugmentation, datasetLoadOptions } from '../data/spec-options';
import { readCheckpoint } from '../engine/checkpoint';
import { startExecutor } from '../engine/executor';
import { assertRunFits, estimateRunMemory, memoryLimit } from '../engine/memory-estimate';
import type { ExecutorReport } from '../engine/runner';
import { Model, type ModelConfig } from '../engine/model';
import { modelConfig, trainOptions } from '../engine/run-plan';
import { timeTrainingStep } from '../engine/step-timing';
import { train, type TrainControl } from '../engine/trainer';
import { HostMessage, type WorkerMessage } from './protocol';
import type { HostPort } from './training-channel';

/**
 * The training process's side: waits for one 'start', trains that run, streams metrics, progress and
 * checkpoints back, and obeys pause / resume / stop between steps. Any error is reported as 'failed' with its
 * message; the process then exits.
 */
export function serveTrainingRequests(port: HostPort, exit: (code: number) => void): void {
  let paused = false;
  /** The step training is held at, once it holds: told back with 'resumed'. */
  let heldAt: number | null = null;
  let stopRequested = false;
  let wake: (() => void) | null = null;
  const control: TrainControl = {
    get stopRequested() {
      return stopRequested;
    },
    waitWhilePaused: (step, beforeHolding) => {
      if (!paused || stopRequested) return Promise.resolve();
      beforeHolding?.();
      // Acknowledged here, where training holds, rather than when the message arrives: steps already under way
      // finish first, and the host learns the exact step the run stopped at.
      port.send({ type: 'paused', step });
      heldAt = step;
      return new Promise<void>((resolve) => (wake = resolve));
    },
  };
  let started = false;

  port.onMessage((raw) => {
    const parsed = HostMessage.safeParse(raw);
    if (!parsed.success) {
      port.send({ type: 'failed', message: `training process got a malformed message: ${parsed.error.message}` });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'start':
        if (started) return;
        started = true;
        run(message, port, control).then(
          () => exit(0),
          (error: unknown) => {
            port.send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
            exit(1);
          },
        );
        return;
      case 'estimate':
        if (started) return;
        started = true;
        measureArms(message).then(
          (estimate) => {
            port.send(estimate);
            exit(0);
          },
          (error: unknown) => {
            port.send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
            exit(1);
          },
        );
        return;
      case 'pause':
        paused = true;
        return;
      case 'resume':
      case 'stop':
        if (message.type === 'stop') stopRequested = true;
        paused = false;
        wake?.();
        wake = null;
        if (message.type === 'resume') port.send({ type: 'resumed', step: heldAt });
        heldAt = null;
        return;
    }
  });
}

async function run(message: Extract<HostMessage, { type: 'start' }>, port: HostPort, control: TrainControl) {
  const send = (m: WorkerMessage) => port.send(m);
  const arm = message.spec.rules[message.arm];
  if (!arm) throw new Error(`the experiment has no rule at position ${message.arm}`);
  const manager = new DatasetManager({ dataDir: message.dataDir });
  const { spec } = message;
  const data = await manager.load(spec.dataset.name, datasetLoadOptions(spec.dataset));
  const augmentation = datasetAugmentation(spec.dataset, data);
  const config = modelConfig(spec, arm, {
    inputSize: data.train.featureSize,
    inputShape: data.train.inputShape,
    outputSize: data.outputSize,
  });
  refuseIfTooBig(config, spec.batchSize, message.backend);
  const model = new Model(config, message.seed);
  // The checkpoint is read before anything starts, so that a damaged one is reported as what it is.
  const resumed = message.checkpoint ? readCheckpoint(model, message.checkpoint) : null;
  const { runner, skipped, choiceLine } = await startExecutor(model, {
    backend: message.backend,
    threads: message.threads ?? undefined,
    batchSize: spec.batchSize,
  });
  try {
    if (resumed) runner.writeState(resumed.state);
    const { report } = runner;
    send({
      type: 'started',
      backend: report.backend,
      device: report.device,
      environment: {
        backend: report.backend,
        device: report.device,
        threads: report.threads,
        skippedBackends: skipped.map((s) => `${s.name}: ${s.reason}`).join('; ') || null,
        backendChoice: choiceLine,
        ...report.versions,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
        dataset: data.name,
        datasetHash: data.contentHash,
        trainSize: data.train.size,
        validationSize: data.validation.size,
        testSize: data.test.size,
      },
      resumedFromStep: resumed?.position.step ?? null,
    });
    const outcome = await train(
      runner,
      model,
      { train: data.train, validation: data.validation, test: data.test },
      { ...trainOptions(spec, message.seed), augmentation },
      {
        metrics: (points) => send({ type: 'metrics', points }),
        progress: (p) => send({ type: 'progress', ...p }),
        checkpoint: (at, bytes) => send({ type: 'checkpoint', step: at.step, epoch: at.epoch, bytes }),
      },
      control,
      resumed?.position,
    );
    send({
      type: 'finished',
      status: outcome.status,
      step: outcome.step,
      layer: outcome.status === 'diverged' ? outcome.layer : null,
      quantity: outcome.status === 'diverged' ? outcome.quantity : null,
      reason: outcome.status === 'diverged' ? outcome.reason : null,
    });
  } finally {
    await runner.dispose();
  }
}

async function measureArms(
  message: Extract<HostMessage, { type: 'estimate' }>,
): Promise<Extract<WorkerMessage, { type: 'estimated' }>> {
  const shape = { inputSize: message.inputSize, inputShape: message.inputShape, outputSize: message.outputSize };
  const arms = [];
  let report: ExecutorReport | null = null;
  for (const arm of message.spec.rules) {
    const config = modelConfig(message.spec, arm, shape);
    refuseIfTooBig(config, message.spec.batchSize, message.backend);
    const model = new Model(config, 0);
    const { runner } = await startExecutor(model, {
      backend: message.backend,
      threads: message.threads ?? undefined,
      batchSize: message.spec.batchSize,
    });
    try {
      report = runner.report;
      arms.push(await timeTrainingStep(runner, model, { batchSize: message.spec.batchSize }));
    } finally {
      await runner.dispose();
    }
  }
  return { type: 'estimated', backend: report?.backend ?? '?', device: report?.device ?? '?', arms };
}

/** The runners' evaluation batch when none is asked for. */
const EVAL_BATCH = 1000;

/** Before the model draws a single weight: a run that cannot fit fails here, naming its size and the limit. */
function refuseIfTooBig(config: ModelConfig, batchSize: number, backend: string): void {
  assertRunFits(estimateRunMemory(config, { batchSize, evalBatch: EVAL_BATCH }), memoryLimit(backend));
}
