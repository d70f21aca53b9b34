/**
 * Training speed on this machine: samples/s per rule for the MLP 784-1024-512-10 at batch 128, and how much of a
 * step is matrix products. "Products alone" runs the same matMuls (same shapes, same count) as one step of the
 * rule; the ratio products/step says what the rest of the step (element-wise ops, reductions, the optimiser,
 * per-op dispatch) costs. Targets: ratio ≥ 0.7; EBD and SBD ≤ 1.3× DFA's step with power normalisation.
 *
 *   npx tsx bench/speed.bench.ts [--backend wasm] [--batch 128] [--steps 30]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, readsSynchronously, type BackendName } from '../src-main/engine/backend';
import { Model } from '../src-main/engine/model';
import { DEFAULT_OPTIMIZER } from '../src-main/engine/optimizer';
import { Rng } from '../src-main/common/random';
import type { RuleConfig } from '../src-main/engine/rules';
import { trainStep } from '../src-main/engine/train-step';
import { NO_REGULARIZERS } from '../src-main/engine/regularizers';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '30' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);

const decorrelation = { lambda: 0.99, initScale: 1, g: 'identity', forwardBroadcast: 0, freeze: false } as const;
const cases: {
  label: string;
  rule: RuleConfig;
  power: number;
  loss: 'mse' | 'cross_entropy';
  extra: [number, number, number][];
  /** Coefficient of the layer-entropy term (its O(N²B) inverse update is part of the step). */
  entropy?: number;
}[] = [
  { label: 'BP', rule: { name: 'bp' }, power: 0, loss: 'mse', extra: bpProducts('bp') },
  { label: 'FA', rule: { name: 'fa', feedbackScale: 1 }, power: 0, loss: 'mse', extra: bpProducts('fa') },
  { label: 'DFA', rule: { name: 'dfa', feedbackScale: 1 }, power: 0, loss: 'mse', extra: broadcastProducts() },
  {
    label: 'DFA + power',
    rule: { name: 'dfa', feedbackScale: 1 },
    power: 0.01,
    loss: 'mse',
    extra: broadcastProducts(),
  },
  { label: 'DRTP', rule: { name: 'drtp', feedbackScale: 1 }, power: 0, loss: 'mse', extra: broadcastProducts() },
  {
    label: 'DKP',
    rule: { name: 'dkp', feedbackScale: 1, feedbackLr: 1e-4, feedbackDecay: 0 },
    power: 0,
    loss: 'mse',
    extra: [...broadcastProducts(), ...correlationProducts()],
  },
  {
    label: 'EBD + power',
    rule: { name: 'ebd', ...decorrelation, expansion: 'none' },
    power: 0.01,
    loss: 'mse',
    extra: [...broadcastProducts(), ...correlationProducts()],
  },
  {
    label: 'EBD + entropy',
    rule: { name: 'ebd', ...decorrelation, expansion: 'none' },
    power: 0.01,
    entropy: 1e-3,
    loss: 'mse',
    // The inverse update per hidden layer, U = [√c·H; s·E] being 2B × N: H·P, UP·Hᵀ, K = S⁻¹·UP and (UP)ᵀK
    // (the floor rows E are rows of the identity, so their share of U·P and of U P Uᵀ is gathered, not multiplied).
    extra: [
      ...broadcastProducts(),
      ...correlationProducts(),
      ...[1024, 512].flatMap((n): [number, number, number][] => [
        [batch, n, n],
        [2 * batch, n, batch],
        [2 * batch, 2 * batch, n],
        [n, 2 * batch, n],
      ]),
    ],
  },
  {
    label: 'SBD + power',
    rule: { name: 'sbd', ...decorrelation, expansion: 'none' },
    power: 0.01,
    loss: 'cross_entropy',
    extra: [...broadcastProducts(), ...correlationProducts()],
  },
  {
    label: 'SBD + s⊗[1;p]',
    rule: { name: 'sbd', ...decorrelation, expansion: 'outer_probs' },
    power: 0.01,
    loss: 'cross_entropy',
    extra: [...broadcastProducts(110), ...correlationProducts(110)],
  },
];

/**
 * The backward products δₖ = Φ_{k+1}W_{k+1}, as (m, k, n) of an m×k by k×n product. BP's δ₁ runs as (W₂ᵀΦ₂ᵀ)ᵀ
 * (see matMulBT); FA's fixed matrices are stored the other way round and need no transpose.
 */
function bpProducts(rule: 'bp' | 'fa'): [number, number, number][] {
  return [[batch, 10, 512], rule === 'bp' ? [1024, 512, batch] : [batch, 512, 1024]];
}
function broadcastProducts(rows = 10): [number, number, number][] {
  return [
    [batch, rows, 1024],
    [batch, rows, 512],
  ];
}
function correlationProducts(rows = 10): [number, number, number][] {
  return [
    [rows, batch, 1024],
    [rows, batch, 512],
  ];
}
/** Every step: the forward products and the weight gradients Hᵀ Φ. */
const common: [number, number, number][] = [
  [batch, 784, 1024],
  [batch, 1024, 512],
  [batch, 512, 10],
  [784, batch, 1024],
  [1024, batch, 512],
  [512, batch, 10],
];

/** Mean ms per call; each call awaits a read of its result, so queued GPU work is counted where it belongs. */
async function timeIt(fn: () => Promise<void>, repeats: number): Promise<number> {
  await fn(); // warm-up: kernels compiled, buffers allocated
  await fn();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / repeats;
}

const report = await initBackend(values.backend as BackendName);
console.log(`backend ${report.name} (${report.device}), batch ${batch}, ${steps} timed steps per rule`);
const rng = new Rng(1);
const x = tf.tensor2d(rng.fillUniform(new Float32Array(batch * 784), 0, 1), [batch, 784]);
const labels = new Float32Array(batch * 10);
for (let b = 0; b < batch; b++) labels[b * 10 + rng.int(10)] = 1;
const y = tf.tensor2d(labels, [batch, 10]);

const rows: string[][] = [['rule', 'step ms', 'samples/s', 'products ms', 'products/step', 'vs DFA']];
let dfaMs = 0;
for (const c of cases) {
  if (c.entropy && !readsSynchronously()) {
    console.log(`${c.label}: skipped (the entropy term needs synchronous reads, which ${report.name} lacks)`);
    continue;
  }
  const model = new Model(
    {
      network: {
        inputSize: 784,
        hidden: [
          { units: 1024, activation: 'relu' },
          { units: 512, activation: 'relu' },
        ],
        outputSize: 10,
        init: { scheme: 'kaiming_uniform', gain: Math.SQRT2 },
        weightSparsity: 0,
      },
      rule: c.rule,
      loss: c.loss,
      optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-4 },
      regularizers: {
        ...NO_REGULARIZERS,
        power: { coefficient: c.power, target: 1 },
        entropy: { coefficient: c.entropy ?? 0, lambda: 0.99, epsilon: 0.01 },
      },
    },
    1,
  );
  const stepMs = await timeIt(async () => {
    const out = trainStep(model, x, y, 0, false);
    // Reading the loss is what a real run does every few steps; here it also waits for the step to finish.
    await out.loss.data();
    tf.dispose([out.loss, out.correct]);
  }, steps);
  const operands = [...common, ...c.extra].map(
    ([m, k, n]) => [tf.randomNormal([m, k]), tf.randomNormal([k, n])] as const,
  );
  const productMs = await timeIt(async () => {
    const results = operands.map(([a, b]) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
    await results.at(-1)!.data();
    tf.dispose(results);
  }, steps);
  tf.dispose(operands.flat());
  model.dispose();
  if (c.label === 'DFA + power') dfaMs = stepMs;
  rows.push([
    c.label,
    stepMs.toFixed(1),
    Math.round((batch * 1000) / stepMs).toString(),
    productMs.toFixed(1),
    (productMs / stepMs).toFixed(2),
    dfaMs ? (stepMs / dfaMs).toFixed(2) + '×' : '—',
  ]);
  // As each case ends, so that a run stopped by a time limit still shows what it measured.
  console.log(`  done: ${rows.at(-1)!.join('  ')}`);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
console.log('targets: products/step ≥ 0.7; EBD/SBD + power ≤ 1.3× DFA + power; EBD + entropy ≤ 2× DFA + power');
