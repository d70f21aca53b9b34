/**
 * Memory over a long run: resident set size after 10,000 training steps must stay within 5% of the size after
 * 1,000 (no tensors, buffers or listeners accumulating). EBD with diagnostics on, as the app runs it.
 *
 *   npx tsx bench/memory.bench.ts [--backend wasm] [--steps 10000]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../src-main/engine/backend';
import { Model } from '../src-main/engine/model';
import { DEFAULT_OPTIMIZER } from '../src-main/engine/optimizer';
import { Rng } from '../src-main/common/random';
import { trainStep } from '../src-main/engine/train-step';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'wasm' }, steps: { type: 'string', default: '10000' } },
});
const total = Number(values.steps);
const batch = 32;
await initBackend(values.backend as BackendName);
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
    rule: {
      name: 'ebd',
      lambda: 0.99,
      initScale: 1,
      g: 'identity',
      forwardBroadcast: 0,
      freeze: false,
      expansion: 'none',
    },
    loss: 'mse',
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-4 },
    regularizers: { power: { coefficient: 0.01, target: 1 }, activationL1: 0, weightDecay: 0 },
  },
  1,
);
const rng = new Rng(2);
const xs = rng.fillUniform(new Float32Array(batch * 784), 0, 1);
const ys = new Float32Array(batch * 10);
for (let b = 0; b < batch; b++) ys[b * 10 + rng.int(10)] = 1;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
let at1k = 0;
const start = performance.now();
for (let step = 1; step <= total; step++) {
  const x = tf.tensor2d(xs, [batch, 784]);
  const y = tf.tensor2d(ys, [batch, 10]);
  const out = trainStep(model, x, y, 0, step % 100 === 0);
  if (step % 20 === 0) out.loss.dataSync();
  tf.dispose([x, y, out.loss, out.correct, ...Object.values(out.diagnostics)]);
  if (step === 1000 || step === total) {
    global.gc?.();
    const rss = process.memoryUsage().rss;
    if (step === 1000) at1k = rss;
    console.log(
      `step ${step}: RSS ${mib(rss)} MiB, tensors ${tf.memory().numTensors}, ${((performance.now() - start) / 1000).toFixed(0)} s`,
    );
  }
}
const growth = (process.memoryUsage().rss - at1k) / at1k;
console.log(
  `RSS growth from step 1,000 to ${total}: ${(100 * growth).toFixed(2)}% — ${growth <= 0.05 ? 'PASS' : 'MISS'} (target ≤ 5%)`,
);
