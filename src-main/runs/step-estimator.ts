import type { ExperimentSpec } from '../../shared/schemas/experiment';
import { WorkerMessage, type BackendChoice } from './protocol';
import type { TrainingProcessLauncher } from './training-channel';

export type MeasuredArms = Extract<WorkerMessage, { type: 'estimated' }>;

export interface EstimateRequest {
  spec: ExperimentSpec;
  backend: BackendChoice;
  inputSize: number;
  inputShape?: readonly number[];
  outputSize: number;
}

const TIMEOUT_MS = 90_000;
const CACHE_LIMIT = 32;

/**
 * Measures the training step of a spec's arms in a training process of its own (timing on the host's thread would
 * block it, and only the training process has the backend a run will use). One measurement at a time: two at once
 * would time each other. Results are cached by everything that changes a step's cost, so a designer that asks again
 * for the same network gets its answer at once.
 */
export class StepEstimator {
  readonly #launch: TrainingProcessLauncher;
  readonly #cache = new Map<string, Promise<MeasuredArms>>();
  #queue: Promise<unknown> = Promise.resolve();

  readonly #threads: number | undefined;

  constructor(launch: TrainingProcessLauncher, threads?: number) {
    this.#launch = launch;
    this.#threads = threads;
  }

  measure(request: EstimateRequest): Promise<MeasuredArms> {
    const key = costKey(request);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const measured = this.#queue.then(() => this.#run(request));
    this.#queue = measured.catch(() => undefined);
    this.#cache.set(key, measured);
    // A failure is not remembered: the next request measures again.
    measured.catch(() => this.#cache.delete(key));
    while (this.#cache.size > CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    return measured;
  }

  #run(request: EstimateRequest): Promise<MeasuredArms> {
    return new Promise<MeasuredArms>((resolve, reject) => {
      const child = this.#launch();
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const timer = setTimeout(() => {
        settle(() => reject(new Error(`timing the training step took longer than ${TIMEOUT_MS / 1000} s`)));
        child.kill();
      }, TIMEOUT_MS);
      child.onMessage((raw) => {
        const parsed = WorkerMessage.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'estimated') settle(() => resolve(message));
        else if (message.type === 'failed') settle(() => reject(new Error(message.message)));
      });
      child.onExit((code, signal) =>
        settle(() => reject(new Error(`the timing process ended before it answered (exit ${signal ?? String(code)})`))),
      );
      child.send({
        type: 'estimate',
        spec: request.spec,
        backend: request.backend,
        threads: this.#threads ?? null,
        inputSize: request.inputSize,
        inputShape: request.inputShape ? [...request.inputShape] : undefined,
        outputSize: request.outputSize,
      });
    });
  }
}

/** What a step's cost depends on; names, seeds, epochs and data subset do not change it. */
function costKey({ spec, backend, inputSize, inputShape, outputSize }: EstimateRequest): string {
  return JSON.stringify([
    backend,
    inputSize,
    inputShape,
    outputSize,
    spec.network,
    spec.loss,
    spec.batchSize,
    spec.optimizer,
    spec.regularizers,
    spec.rules.map((r) => [r.rule, r.params, r.optimizer, r.regularizers]),
  ]);
}
