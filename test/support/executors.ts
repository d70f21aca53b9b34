import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { tfOps } from '../../src-main/engine/eager/tf-ops';
import type { Model } from '../../src-main/engine/model';
import type { StepRunner } from '../../src-main/engine/runner';
import { GraphBuilder, type Sym } from '../../src-main/engine/onnx/graph';
import type { Ops } from '../../src-main/engine/ops';

/** A named input of a test computation: float32 unless it is `int` (indices). */
export interface TestInput {
  values: ArrayLike<number>;
  shape: readonly number[];
  type?: 'float' | 'int';
}

/** A computation written against Ops, as the engine's own code is: the same function runs on either executor. */
export type Computation = <T>(ops: Ops<T>, inputs: Record<string, T>) => Record<string, T>;

/**
 * The two executors of the engine, for tests that must hold on both: `eager` runs the computation on TF.js as it
 * is called, `onnx` records it into an ONNX graph and runs that in ONNX Runtime on the CPU (one thread).
 */
export interface TestExecutor {
  name: 'eager' | 'onnx';
  run(inputs: Record<string, TestInput>, computation: Computation): Promise<Record<string, Float32Array>>;
}

export const eager: TestExecutor = {
  name: 'eager',
  async run(inputs, computation) {
    const outputs = tf.tidy(() => {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, input] of Object.entries(inputs)) {
        tensors[name] =
          input.type === 'int'
            ? tf.tensor(Int32Array.from(input.values), [...input.shape], 'int32')
            : tf.tensor(Float32Array.from(input.values), [...input.shape]);
      }
      return computation(tfOps, tensors);
    });
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(outputs)) out[name] = Float32Array.from(await t.data());
    tf.dispose(Object.values(outputs));
    return out;
  },
};

export const onnx: TestExecutor = {
  name: 'onnx',
  async run(inputs, computation) {
    const g = new GraphBuilder('test');
    const syms: Record<string, Sym> = {};
    for (const [name, input] of Object.entries(inputs)) {
      syms[name] = g.input(name, input.shape, input.type === 'int' ? 'int32' : 'float');
    }
    const outputs = computation(g, syms);
    for (const [name, sym] of Object.entries(outputs)) g.output(sym, `out.${name}`);
    const session = await ort.InferenceSession.create(g.model(), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, input] of Object.entries(inputs)) {
        feeds[name] =
          input.type === 'int'
            ? new ort.Tensor('int32', Int32Array.from(input.values), [...input.shape])
            : new ort.Tensor('float32', Float32Array.from(input.values), [...input.shape]);
      }
      const results = await session.run(feeds);
      const out: Record<string, Float32Array> = {};
      for (const name of Object.keys(outputs))
        out[name] = Float32Array.from((await results[`out.${name}`]!.getData()) as Float32Array);
      return out;
    } finally {
      await session.release();
    }
  },
};

export const EXECUTORS: readonly TestExecutor[] = [eager, onnx];

/** A model's initial state as test inputs, by state name. */
export function stateInputs(model: Model): Record<string, TestInput> {
  return Object.fromEntries(model.initialState.map((e) => [e.name, { values: e.values, shape: e.shape }]));
}

/** The step inputs of step 0 for a batch (x, target, the optimiser's scalars, the entropy floor's rows). */
export function stepInputs(model: Model, x: TestBatch, step = 0): Record<string, TestInput> {
  const batch = x.rows;
  const out: Record<string, TestInput> = {
    x: { values: x.x, shape: [batch, model.config.network.inputSize] },
    target: { values: x.y, shape: [batch, model.classes] },
  };
  const specs = new Map(model.stepInputs(batch).map((s) => [s.name, s]));
  for (const [name, values] of Object.entries(model.stepScalars(step, 0, batch))) {
    const spec = specs.get(name)!;
    out[name] = { values, shape: spec.shape, type: spec.type };
  }
  return out;
}

export interface TestBatch {
  rows: number;
  x: Float32Array;
  y: Float32Array;
}

/** ‖a − b‖ / ‖b‖ as flat vectors. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  if (a.length !== b.length) return Infinity;
  return Math.sqrt(diff / Math.max(norm, 1e-30));
}

/**
 * The batches as one chunk of training steps, as the trainer feeds them (inputs stacked step-major), on a runner
 * that is disposed afterwards: each step's loss and the state after the last.
 */
export async function trainChunk(runner: StepRunner, model: Model, batches: readonly TestBatch[]) {
  try {
    const stack = (part: (b: TestBatch) => Float32Array) => {
      const out = new Float32Array(batches.reduce((n, b) => n + part(b).length, 0));
      batches.reduce((at, b) => (out.set(part(b), at), at + part(b).length), 0);
      return out;
    };
    const inputs = { x: stack((b) => b.x), target: stack((b) => b.y), ...model.stackedScalars(0, batches.length, 0) };
    const { loss } = await runner.train({ steps: batches.length, inputs });
    return { loss, state: await runner.readState() };
  } finally {
    await runner.dispose();
  }
}
