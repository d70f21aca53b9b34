import * as tf from '@tensorflow/tfjs-core';
import type { Model, StepInputSpec, StepInputValues } from '../model';
import type { ChunkResult, ExecutorReport, StateTensor, StepChunk, StepRunner } from '../runner';
import { diagnosticStep, evaluationStep, trainingStep } from '../step';
import { tfOps } from './tf-ops';

/**
 * The reference executor: the shared step run op by op on the active TF.js backend, one step at a time. Slower than
 * the compiled graph, but every intermediate can be inspected, autodiff is at hand, and it is what the compiled
 * engine is tested against.
 */
export class EagerRunner implements StepRunner {
  private state = new Map<string, tf.Tensor>();
  private readonly specs: StepInputSpec[];

  constructor(
    private readonly model: Model,
    private readonly batchSize: number,
    readonly report: ExecutorReport,
    readonly evalBatch = 1000,
  ) {
    this.specs = model.stepInputs(batchSize);
    for (const e of model.initialState) this.state.set(e.name, tf.keep(tf.tensor(e.values, [...e.shape])));
  }

  private tensors(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.state);
  }

  private stepInputs(inputs: StepInputValues, step: number): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const spec of this.specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = inputs[spec.name];
      if (!values) throw new Error(`step input ${spec.name} is missing`);
      const part = values.subarray(step * size, (step + 1) * size);
      out[spec.name] =
        spec.type === 'int' ? tf.tensor(part, [...spec.shape], 'int32') : tf.tensor(part, [...spec.shape]);
    }
    return out;
  }

  async train(chunk: StepChunk): Promise<ChunkResult> {
    const scalars: tf.Tensor[] = [];
    for (let i = 0; i < chunk.steps; i++) {
      const kept = tf.tidy(() => {
        const result = trainingStep(tfOps, this.model, this.tensors(), this.stepInputs(chunk.inputs, i));
        const next = Object.entries(result.next);
        return { next, out: [result.loss, result.correct, result.power] };
      });
      for (const [name, value] of kept.next) {
        this.state.get(name)?.dispose();
        this.state.set(name, value);
      }
      scalars.push(...kept.out);
    }
    const values = await Promise.all(scalars.map((s) => s.data() as Promise<Float32Array>));
    tf.dispose(scalars);
    const hidden = values[2]?.length ?? 0;
    const result: ChunkResult = {
      loss: new Float32Array(chunk.steps),
      correct: new Float32Array(chunk.steps),
      power: new Float32Array(chunk.steps * hidden),
    };
    for (let i = 0; i < chunk.steps; i++) {
      result.loss[i] = values[3 * i]![0]!;
      result.correct[i] = values[3 * i + 1]![0]!;
      result.power.set(values[3 * i + 2]!, i * hidden);
    }
    return result;
  }

  async diagnose(inputs: StepInputValues): Promise<Record<string, number>> {
    const diagnostics = tf.tidy(() => diagnosticStep(tfOps, this.model, this.tensors(), this.stepInputs(inputs, 0)));
    const names = Object.keys(diagnostics);
    const stacked = tf.tidy(() => tf.stack(names.map((n) => tf.reshape(diagnostics[n]!, []))));
    const values = await stacked.data();
    tf.dispose([stacked, ...Object.values(diagnostics)]);
    return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  }

  async evaluate(x: Float32Array, target: Float32Array, count: number) {
    const features = this.model.config.network.inputSize;
    // x holds every test-time view of the batch (view-major), the targets each sample once.
    const rows = target.length / this.model.classes;
    const summed = tf.tidy(() => {
      const { loss, hits } = evaluationStep(
        tfOps,
        this.model,
        this.tensors(),
        tf.tensor2d(x, [rows * this.model.evaluationViews, features]),
        tf.tensor2d(target, [rows, this.model.classes]),
      );
      return tf.stack([tf.sum(tf.slice(loss, [0], [count])), tf.sum(tf.slice(hits, [0], [count]))]);
    });
    const [lossSum, correct] = await summed.data();
    summed.dispose();
    return { lossSum: lossSum!, correct: correct! };
  }

  async readState(): Promise<Map<string, StateTensor>> {
    const out = new Map<string, StateTensor>();
    for (const e of this.model.initialState) {
      if (!e.saved) continue;
      const t = this.state.get(e.name)!;
      out.set(e.name, { shape: t.shape, values: (await t.data()) as Float32Array });
    }
    return out;
  }

  writeState(values: ReadonlyMap<string, StateTensor>): void {
    for (const [name, value] of values) {
      this.state.get(name)?.dispose();
      this.state.set(name, tf.keep(tf.tensor(value.values, [...value.shape])));
    }
  }

  async dispose(): Promise<void> {
    for (const t of this.state.values()) t.dispose();
    this.state.clear();
  }
}
