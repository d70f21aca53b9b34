/**
 * Memory over a long run: resident set size after 20,000 training steps must stay within 5% of the size after
 * 1,000 (no tensors, sessions, buffers or listeners accumulating). EBD with power normalisation, K steps per call and
 * a diagnostics call every 100 steps, as the trainer runs it.
 *
 *   npx tsx bench/memory.bench.ts [--backend onnx-cpu|wasm|cpu] [--steps 20000]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { withDefaults } from '../shared/rules/catalogue';
import { Rng } from '../src-main/common/random';
import { startExecutor, type BackendChoice } from '../src-main/engine/executor';
import { Model, type StepInputValues } from '../src-main/engine/model';
import { DEFAULT_OPTIMIZER } from '../src-main/engine/optim/optimizer';
import { NO_REGULARIZERS } from '../src-main/engine/regularizers/config';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'onnx-cpu' }, steps: { type: 'string', default: '20000' } },
});
const total = Number(values.steps);
const batch = 32;
const perCall = 20;
const model = new Model(
  {
    network: {
      inputSize: 784,
      hidden: [
        { units: 256, activation: 'relu' },
        { units: 128, activation: 'relu' },
      ],
      outputSize: 10,
      init: { scheme: 'kaiming_uniform', gain: Math.SQRT2 },
      weightSparsity: 0,
    },
    rule: { name: 'ebd', params: withDefaults('ebd', { lambda: 0.99 }) },
    loss: 'mse',
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-4 },
    regularizers: { ...NO_REGULARIZERS, power: { coefficient: 0.01, target: 1 } },
  },
  1,
);
const { runner } = await startExecutor(model, { backend: values.backend as BackendChoice, batchSize: batch });
console.log(`memory bench on ${runner.report.backend} (${runner.report.device}), ${total} steps`);
const rng = new Rng(2);
const inputsAt = (first: number, steps: number): StepInputValues => {
  const target = new Float32Array(steps * batch * 10);
  for (let i = 0; i < steps * batch; i++) target[i * 10 + rng.int(10)] = 1;
  const inputs: StepInputValues = { x: rng.fillUniform(new Float32Array(steps * batch * 784), 0, 1), target };
  return { ...inputs, ...model.stackedScalars(first, steps, 0) };
};

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
let at1k = 0;
const start = performance.now();
for (let step = 0; step < total; step += perCall) {
  if (step % 100 === 0) await runner.diagnose(inputsAt(step, 1));
  await runner.train({ steps: perCall, inputs: inputsAt(step, perCall) });
  const done = step + perCall;
  if (done === 1000 || done >= total) {
    global.gc?.();
    const rss = process.memoryUsage().rss;
    if (done === 1000) at1k = rss;
    console.log(
      `step ${done}: RSS ${mib(rss)} MiB, tf tensors ${tf.memory().numTensors}, ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
  }
}
await runner.dispose();
const growth = (process.memoryUsage().rss - at1k) / at1k;
console.log(
  `RSS growth from step 1,000 to ${total}: ${(100 * growth).toFixed(2)}% — ${growth <= 0.05 ? 'PASS' : 'MISS'} (target ≤ 5%)`,
);
