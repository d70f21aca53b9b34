import * as ort from 'onnxruntime-node';
import { Rng } from '../../src-main/common/random';
import { invertSpd } from '../../src-main/engine/eager/small-linalg';
import { GraphBuilder } from '../../src-main/engine/onnx/graph';
import type { EntropyConfig } from '../../src-main/engine/regularizers/config';
import { entropyStep, floorRows, floorRowsPerStep, initialInverse } from '../../src-main/engine/regularizers/entropy';

/**
 * ALGORITHMS.md §7, "entropy inverse floor": the inverse the entropy term tracks must be (R_h + εI)⁻¹ of the layer's
 * real correlation EMA, not of a matrix whose floor drifts. A ReLU layer fed by fewer inputs than it has units (so
 * R_h is rank-deficient and many directions are floor only, the hard case), a third of its units mostly dead, run on
 * the compiled executor; R_h is accumulated beside the tracker in the same graph and inverted directly at the end.
 */
export interface TrackerCase {
  units: number;
  /** Inputs of the ReLU layer: R_h has rank at most this, the rest of its directions are floor only. */
  inputs: number;
  batch: number;
  lambda: number;
  steps: number;
}

/** ‖P − (R_h + εI)⁻¹‖_F / ‖(R_h + εI)⁻¹‖_F after `steps` entropy steps. */
export async function trackerError({
  units: UNITS,
  inputs: INPUTS,
  batch,
  lambda,
  steps,
}: TrackerCase): Promise<number> {
  const config: EntropyConfig = { coefficient: 1, lambda, epsilon: 0.01 };
  const rowsPerStep = floorRowsPerStep(UNITS, lambda);
  const g = new GraphBuilder('entropy-accuracy');
  const inverse = g.input('inverse', [UNITS, UNITS]);
  const correlation = g.input('correlation', [UNITS, UNITS]);
  const x = g.input('x', [batch, INPUTS]);
  const weight = g.input('weight', [INPUTS, UNITS]);
  const bias = g.input('bias', [UNITS]);
  const rows = g.input('rows', [rowsPerStep], 'int32');
  const h = g.relu(g.add(g.matmul(x, weight), bias));
  const step = entropyStep(g, config, inverse, h, g.add(g.mul(h, 0), 1), rows);
  g.output(step.inverse, 'inverse.next');
  const fresh = g.mul(g.matmul(h, h, true, false), (1 - lambda) / batch);
  g.output(g.add(g.mul(correlation, lambda), fresh), 'correlation.next');
  const session = await ort.InferenceSession.create(g.model(), { intraOpNumThreads: 1, logSeverityLevel: 3 });

  const rng = new Rng(batch * 7 + Math.round(lambda * 1e5));
  const weights = rng.fillNormal(new Float32Array(INPUTS * UNITS), Math.sqrt(2 / INPUTS));
  // A third of the units sit mostly below zero: dead or rarely active, as in a trained ReLU layer.
  const biases = Float32Array.from({ length: UNITS }, (_, i) => (i % 3 === 0 ? -1.5 : 0));
  let p: ort.Tensor = new ort.Tensor('float32', initialInverse(UNITS, config), [UNITS, UNITS]);
  let r: ort.Tensor = new ort.Tensor('float32', new Float32Array(UNITS * UNITS), [UNITS, UNITS]);
  const fixed = {
    weight: new ort.Tensor('float32', weights, [INPUTS, UNITS]),
    bias: new ort.Tensor('float32', biases, [UNITS]),
  };
  try {
    for (let t = 0; t < steps; t++) {
      const out = await session.run({
        ...fixed,
        inverse: p,
        correlation: r,
        x: new ort.Tensor('float32', rng.fillNormal(new Float32Array(batch * INPUTS), 1), [batch, INPUTS]),
        rows: new ort.Tensor('int32', floorRows(t, UNITS, lambda), [rowsPerStep]),
      });
      p = out['inverse.next'] as ort.Tensor;
      r = out['correlation.next'] as ort.Tensor;
    }
    const m = Float64Array.from(r.data as Float32Array);
    for (let i = 0; i < UNITS; i++) m[i * UNITS + i]! += config.epsilon;
    const exact = invertSpd(m, UNITS);
    const tracked = p.data as Float32Array;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < exact.length; i++) {
      diff += (tracked[i]! - exact[i]!) ** 2;
      norm += exact[i]! ** 2;
    }
    return Math.sqrt(diff / norm);
  } finally {
    await session.release();
  }
}
