import type * as Ort from 'onnxruntime-node';
import type { Model, StepInputValues } from '../model';
import type { ChunkResult, ExecutorReport, StateTensor, StepChunk, StepRunner } from '../runner';
import { buildModels } from './step-models';
import { loadOrt, ONNX_PROVIDERS, ortVersion, type OnnxBackend } from './runtime';

/** The step's graph could not be built from the run's model (a bug or an unsupported setting, not the device). */
export class GraphBuildError extends Error {
  constructor(message: string) {
    super(`could not build the training graph: ${message}`);
    this.name = 'GraphBuildError';
  }
}

export interface OnnxRunnerOptions {
  backend: OnnxBackend;
  threads: number;
  batchSize: number;
  evalBatch?: number;
}

/**
 * The compiled executor: a run's step built once as ONNX graphs (step-models.ts) and run by ONNX Runtime, K steps
 * per call. Inside a call the state is loop-carried by the runtime (on the device, with a GPU provider); between
 * calls it comes back to host memory once and is fed in again. Binding the outputs to GPU buffers instead would
 * save that copy, but reading such a tensor back (for a checkpoint) aborted the process with onnxruntime-node 1.30
 * on WebGPU, so the copy, amortised over K steps, is the price of a working checkpoint.
 */
export class OnnxRunner implements StepRunner {
  private state = new Map<string, Ort.Tensor>();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly model: Model,
    private readonly sessions: {
      train: Ort.InferenceSession;
      diagnose: Ort.InferenceSession;
      evaluate: Ort.InferenceSession;
    },
    readonly report: ExecutorReport,
    readonly evalBatch: number,
    private readonly batchSize: number,
  ) {
    for (const e of model.initialState)
      this.state.set(e.name, new ort.Tensor('float32', e.values.slice(), [...e.shape]));
  }

  /** Builds the graphs and starts ONNX Runtime on the provider; throws with the reason when it cannot start. */
  static async create(model: Model, options: OnnxRunnerOptions): Promise<OnnxRunner> {
    const ort = await loadOrt();
    const evalBatch = options.evalBatch ?? 1000;
    let built: ReturnType<typeof buildModels>;
    try {
      built = buildModels(model, options.batchSize, evalBatch);
    } catch (error) {
      throw new GraphBuildError(error instanceof Error ? error.message : String(error));
    }
    const provider = ONNX_PROVIDERS[options.backend];
    const base: Ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    };
    const create = (bytes: Uint8Array, extra: Ort.InferenceSession.SessionOptions = {}) =>
      ort.InferenceSession.create(bytes, { ...base, ...extra });
    const [train, diagnose, evaluate] = await Promise.all([
      create(built.train),
      create(built.diagnose),
      create(built.evaluate),
    ]);
    const report: ExecutorReport = {
      backend: options.backend,
      device: provider === 'cpu' ? `ONNX Runtime CPU, ${options.threads} threads` : `ONNX Runtime ${provider}`,
      threads: options.threads,
      versions: { 'onnxruntime-node': ortVersion() },
    };
    return new OnnxRunner(ort, model, { train, diagnose, evaluate }, report, evalBatch, options.batchSize);
  }

  private stepFeeds(inputs: StepInputValues, steps: number | null): Record<string, Ort.Tensor> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const spec of this.model.stepInputs(this.batchSize)) {
      const values = inputs[spec.name];
      if (!values) throw new Error(`step input ${spec.name} is missing`);
      const dims = steps === null ? [...spec.shape] : [steps, ...spec.shape];
      const name = steps === null ? spec.name : `steps.${spec.name}`;
      feeds[name] =
        spec.type === 'int'
          ? new this.ort.Tensor('int32', values as Int32Array, dims)
          : new this.ort.Tensor('float32', values as Float32Array, dims);
    }
    return feeds;
  }

  private stateFeeds(names: readonly string[]): Record<string, Ort.Tensor> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of names) {
      if (!this.state.has(name)) continue;
      feeds[name] = this.state.get(name)!;
    }
    return feeds;
  }

  async train(chunk: StepChunk): Promise<ChunkResult> {
    const session = this.sessions.train;
    const outputs = await session.run({
      ...this.stateFeeds(session.inputNames),
      ...this.stepFeeds(chunk.inputs, chunk.steps),
    });
    for (const e of this.model.initialState) {
      if (!e.learned) continue;
      const next = outputs[`next.${e.name}`]!;
      const previous = this.state.get(e.name);
      if (previous && previous !== next) previous.dispose();
      this.state.set(e.name, next);
    }
    return {
      loss: (await outputs.loss!.getData()) as Float32Array,
      correct: (await outputs.correct!.getData()) as Float32Array,
      power: (await outputs.power!.getData()) as Float32Array,
    };
  }

  async diagnose(inputs: StepInputValues): Promise<Record<string, number>> {
    const session = this.sessions.diagnose;
    const outputs = await session.run({ ...this.stateFeeds(session.inputNames), ...this.stepFeeds(inputs, null) });
    const out: Record<string, number> = {};
    for (const name of session.outputNames) out[name] = ((await outputs[name]!.getData()) as Float32Array)[0]!;
    return out;
  }

  async evaluate(x: Float32Array, target: Float32Array, count: number) {
    const session = this.sessions.evaluate;
    const features = this.model.config.network.inputSize;
    const outputs = await session.run({
      ...this.stateFeeds(session.inputNames),
      x: new this.ort.Tensor('float32', x, [this.model.evaluationViews * this.evalBatch, features]),
      target: new this.ort.Tensor('float32', target, [this.evalBatch, this.model.classes]),
    });
    const loss = (await outputs.loss!.getData()) as Float32Array;
    const hits = (await outputs.hits!.getData()) as Float32Array;
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < count; i++) {
      lossSum += loss[i]!;
      correct += hits[i]!;
    }
    return { lossSum, correct };
  }

  async readState(): Promise<Map<string, StateTensor>> {
    const out = new Map<string, StateTensor>();
    for (const e of this.model.initialState) {
      if (!e.saved) continue;
      const t = this.state.get(e.name)!;
      out.set(e.name, { shape: t.dims, values: ((await t.getData()) as Float32Array).slice() });
    }
    return out;
  }

  writeState(values: ReadonlyMap<string, StateTensor>): void {
    for (const [name, value] of values) {
      this.state.get(name)?.dispose();
      this.state.set(name, new this.ort.Tensor('float32', value.values.slice(), [...value.shape]));
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
    for (const t of this.state.values()) t.dispose();
    this.state.clear();
  }
}
