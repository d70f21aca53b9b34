import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_OPTIMIZER,
  optimizerScalars,
  scheduledRate,
  tensorGradient,
  updateParam,
  type OptimizerConfig,
} from '../../../src-main/engine/optim/optimizer';
import { Rng } from '../../../src-main/common/random';
import { denseLayer } from '../../../src-main/engine/layers/dense';
import { weightGradient } from '../../../src-main/engine/step';
import { maxRelativeError, useCpuBackend } from '../../support/engine-fixtures';
import { EXECUTORS } from '../../support/executors';
import { networkGeometry } from '../../../shared/network/geometry';

beforeAll(useCpuBackend);

/** The textbook update rules, written out in plain numbers, to check the implementation against. */
function reference(config: OptimizerConfig, grads: number[], start: number): number[] {
  let theta = start;
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    if (config.kind === 'sgd') theta -= config.learningRate * g;
    else if (config.kind === 'momentum') {
      m = config.momentum * m + g;
      theta -= config.learningRate * m;
    } else {
      m = config.beta1 * m + (1 - config.beta1) * g;
      v = config.beta2 * v + (1 - config.beta2) * g * g;
      const mHat = m / (1 - config.beta1 ** t);
      const vHat = v / (1 - config.beta2 ** t);
      theta -= (config.learningRate * mHat) / (Math.sqrt(vHat) + config.epsilon);
    }
    out.push(theta);
  });
  return out;
}

describe.each(EXECUTORS)('optimisers on the $name executor', (executor) => {
  const grads = [0.5, -0.2, 0.8, 0.1, -0.05, 0.3];
  it.each(['sgd', 'momentum', 'adam'] as const)('%s follows the textbook rule step by step', async (kind) => {
    const config = { ...DEFAULT_OPTIMIZER, kind, learningRate: 0.1, epsilon: 1e-3 };
    const expected = reference(config, grads, 1.5);
    let state = { value: 1.5, first: 0, second: 0 };
    for (const [i, g] of grads.entries()) {
      const scalars = optimizerScalars(config, i, 0);
      const inputs = {
        value: { values: [state.value], shape: [1] },
        grad: { values: [g], shape: [1] },
        first: { values: [state.first], shape: [1] },
        second: { values: [state.second], shape: [1] },
        ...Object.fromEntries(Object.entries(scalars).map(([n, v]) => [n, { values: [v], shape: [] }])),
      };
      const out = await executor.run(inputs, (ops, t) => {
        const u = updateParam(ops, config, t, 1, t.value!, tensorGradient(ops, t.grad!), t.first!, t.second!);
        return { value: u.value, first: u.first ?? t.first!, second: u.second ?? t.second! };
      });
      state = { value: out.value![0]!, first: out.first![0]!, second: out.second![0]! };
      expect(state.value).toBeCloseTo(expected[i]!, 5);
    }
  });

  it('scales the rate by the layer’s multiplier', async () => {
    const config = { ...DEFAULT_OPTIMIZER, kind: 'sgd' as const, learningRate: 0.1 };
    const out = await executor.run(
      { w: { values: [1], shape: [1] }, g: { values: [1], shape: [1] }, 'opt.rate': { values: [0.1], shape: [] } },
      (ops, t) => ({ w: updateParam(ops, config, t, 2, t.w!, tensorGradient(ops, t.g!), null, null).value }),
    );
    expect(out.w![0]).toBeCloseTo(0.8);
  });
});

describe('optimiser scalars', () => {
  it('follow step and exponential schedules', () => {
    const base = { ...DEFAULT_OPTIMIZER, learningRate: 1 };
    expect(scheduledRate({ ...base, schedule: { kind: 'step', every: 3, factor: 0.5 } }, 7)).toBe(0.25);
    expect(scheduledRate({ ...base, schedule: { kind: 'exponential', gamma: 0.9 } }, 2)).toBeCloseTo(0.81);
    expect(scheduledRate(base, 100)).toBe(1);
    // The EBD paper's α(m) = 1/(1.5⌊m/10⌋ + 1): full rate for epochs 0–9, 1/2.5 for 10–19, 1/4 for 20–29.
    const inverse = { ...base, schedule: { kind: 'inverse' as const, every: 10, slope: 1.5 } };
    expect([0, 9, 10, 19, 20].map((m) => scheduledRate(inverse, m))).toEqual([1, 1, 0.4, 0.4, 0.25]);
  });

  it('fold Adam’s bias correction into the step size and epsilon', () => {
    const config = { ...DEFAULT_OPTIMIZER, learningRate: 0.01 };
    const first = optimizerScalars(config, 0, 0);
    // t = 1: lr·√(1−β₂)/(1−β₁) and ε·√(1−β₂).
    expect(first['opt.rate']).toBeCloseTo((0.01 * Math.sqrt(0.001)) / 0.1, 12);
    expect(first['opt.epsilon']).toBeCloseTo(1e-8 * Math.sqrt(0.001), 18);
    expect(optimizerScalars({ ...config, kind: 'sgd' }, 5, 0)).toEqual({ 'opt.rate': 0.01 });
  });
});

describe.each(EXECUTORS)('a layer’s weight gradient folded into the update on the $name executor', (executor) => {
  // SGD and momentum fold their update into the product inputᵀΦ (one GEMM adding into the weights or the velocity);
  // the result must be what the materialised gradient gives.
  const layer = denseLayer(networkGeometry([4], { hidden: [] }, 3)[0]!, 'tanh');
  const rng = new Rng(12);
  const inputs = {
    input: { values: rng.fillNormal(new Float32Array(6 * 4), 1), shape: [6, 4] },
    phi: { values: rng.fillNormal(new Float32Array(6 * 3), 1), shape: [6, 3] },
    w: { values: rng.fillNormal(new Float32Array(12), 1), shape: [4, 3] },
    m: { values: rng.fillNormal(new Float32Array(12), 1), shape: [4, 3] },
    'opt.rate': { values: [0.05], shape: [] },
  };
  it.each([
    ['sgd', 0],
    ['sgd', 0.1],
    ['momentum', 0],
    ['momentum', 0.1],
  ] as const)('%s with weight decay %s', async (kind, decay) => {
    const config = { ...DEFAULT_OPTIMIZER, kind, momentum: 0.8 };
    const out = await executor.run(inputs, (ops, t) => {
      const dense = decay > 0 ? ops.mul(decay, t.w!) : null;
      const folded = weightGradient(ops, layer, t.input!, t.phi!, dense);
      const product = ops.matmul(t.input!, t.phi!, true, false);
      const plain = tensorGradient(ops, dense === null ? product : ops.add(product, dense));
      const a = updateParam(ops, config, t, 0.5, t.w!, folded, t.m!, null);
      const b = updateParam(ops, config, t, 0.5, t.w!, plain, t.m!, null);
      return { a: a.value, b: b.value, va: a.first ?? t.w!, vb: b.first ?? t.w! };
    });
    expect(maxRelativeError(out.a!, out.b!)).toBeLessThan(1e-6);
    expect(maxRelativeError(out.va!, out.vb!)).toBeLessThan(1e-6);
    expect(maxRelativeError(out.a!, inputs.w.values)).toBeGreaterThan(1e-3);
  });
});
