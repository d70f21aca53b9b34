/**
 * Training speed on this machine, one table per batch size: samples/s of every rule's step on the MLP
 * 784-1024-512-10 for the compiled engine (onnx-cpu) with 1 and 2 threads, the eager TF.js wasm engine, and
 * numpy/OpenBLAS doing the same step (bench/numpy_step.py), against the GEMM limit: the step's multiply–adds
 * (counted from its graph) at the best sgemm rate measured in this run, numpy's or ONNX Runtime's own MatMul.
 * Ratios, not times: machines of this kind differ fourfold in per-core GEMM speed. Targets (ENGINE.md, issue 9):
 *   onnx-cpu 1 thread ≥ 0.8 of the GEMM limit for every rule; onnx-cpu on the default threads ≥ 4× wasm;
 *   EBD/SBD + power ≤ 1.15× DFA; EBD + entropy ≤ 1.5× DFA; 2 threads ≥ 1.7× 1 thread at batch 1024.
 *
 * The optimiser is Adam (as the presets) unless --optimizer says sgd or momentum: Adam's element-wise passes over every
 * weight are memory-bound and weigh on the GEMM-limit ratio, which counts products only.
 *
 *   npx tsx bench/speed.bench.ts [--batches 128,1024] [--calls 5] [--rules bp,dfa,…] [--optimizer adam|sgd|momentum]
 *                                [--no-wasm] [--no-numpy]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { median } from '../shared/analysis/stats';
import { withDefaults, type RuleName } from '../shared/rules/catalogue';
import { Rng } from '../src-main/common/random';
import { EagerRunner } from '../src-main/engine/eager/runner';
import { startTfBackend } from '../src-main/engine/eager/tf-backend';
import { Model, type ModelConfig, type StepInputValues } from '../src-main/engine/model';
import { GraphBuilder } from '../src-main/engine/onnx/graph';
import { OnnxRunner } from '../src-main/engine/onnx/runner';
import { defaultThreads } from '../src-main/engine/onnx/runtime';
import { stepMacs } from '../src-main/engine/onnx/step-models';
import { DEFAULT_OPTIMIZER } from '../src-main/engine/optim/optimizer';
import { NO_REGULARIZERS } from '../src-main/engine/regularizers/config';
import type { StepRunner } from '../src-main/engine/runner';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '128,1024' },
    calls: { type: 'string', default: '5' },
    rules: { type: 'string' },
    optimizer: { type: 'string', default: 'adam' },
    'no-wasm': { type: 'boolean', default: false },
    'no-numpy': { type: 'boolean', default: false },
  },
});
const batches = values.batches.split(',').map(Number);
const calls = Number(values.calls);
const optimizerKind = values.optimizer as 'adam' | 'sgd' | 'momentum';
if (!['adam', 'sgd', 'momentum'].includes(optimizerKind)) throw new Error(`--optimizer must be adam, sgd or momentum`);

interface Case {
  /** The name numpy_step.py uses for the same step. */
  key: string;
  label: string;
  rule: RuleName;
  loss: 'mse' | 'cross_entropy';
  power?: number;
  entropy?: number;
  params?: Record<string, string | number>;
}

const CASES: Case[] = [
  { key: 'bp', label: 'BP', rule: 'bp', loss: 'cross_entropy' },
  { key: 'fa', label: 'FA', rule: 'fa', loss: 'cross_entropy' },
  { key: 'dfa', label: 'DFA', rule: 'dfa', loss: 'cross_entropy' },
  { key: 'drtp', label: 'DRTP', rule: 'drtp', loss: 'cross_entropy' },
  { key: 'dkp', label: 'DKP', rule: 'dkp', loss: 'cross_entropy' },
  { key: 'ebd+power', label: 'EBD + power', rule: 'ebd', loss: 'mse', power: 1e-3 },
  { key: 'ebd+entropy', label: 'EBD + entropy', rule: 'ebd', loss: 'mse', power: 1e-3, entropy: 1e-3 },
  { key: 'sbd+power', label: 'SBD + power', rule: 'sbd', loss: 'cross_entropy', power: 1e-3 },
  {
    key: 'sbd+expansion',
    label: 'SBD + s⊗[1;p]',
    rule: 'sbd',
    loss: 'cross_entropy',
    power: 1e-3,
    params: { expansion: 'outer_probs' },
  },
];
const cases = values.rules ? CASES.filter((c) => values.rules!.split(',').includes(c.key)) : CASES;

function config(c: Case): ModelConfig {
  return {
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
    rule: { name: c.rule, params: withDefaults(c.rule, { lambda: 0.9999, ...c.params }) },
    loss: c.loss,
    optimizer: { ...DEFAULT_OPTIMIZER, kind: optimizerKind, learningRate: 1e-4 },
    regularizers: {
      ...NO_REGULARIZERS,
      power: { coefficient: c.power ?? 0, target: 1 },
      // The paper's λ_E (the default): a shorter memory adds identity rows to every step's update (entropy.ts).
      entropy: { ...NO_REGULARIZERS.entropy, coefficient: c.entropy ?? 0 },
    },
  };
}

/** K steps of random data with each step's scalars, as the trainer stages them. */
function chunk(model: Model, batch: number, steps: number): StepInputValues {
  const rng = new Rng(1);
  const target = new Float32Array(steps * batch * 10);
  for (let i = 0; i < steps * batch; i++) target[i * 10 + rng.int(10)] = 1;
  const inputs: StepInputValues = { x: rng.fillUniform(new Float32Array(steps * batch * 784), 0, 1), target };
  return { ...inputs, ...model.stackedScalars(0, steps, 0) };
}

/** Median ms per step over `calls` calls of `steps` steps, after one untimed call. */
async function msPerStep(runner: StepRunner, model: Model, batch: number, steps: number): Promise<number> {
  const inputs = chunk(model, batch, steps);
  await runner.train({ steps, inputs });
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await runner.train({ steps, inputs });
    times.push((performance.now() - t0) / steps);
  }
  return median(times);
}

/** ONNX Runtime's own MatMul rate (GFLOP/s) on the step's largest product shapes, best of several runs. */
async function ortSgemm(threads: number, batch: number): Promise<number> {
  let best = 0;
  for (const [m, k, n] of [
    [batch, 784, 1024],
    [784, batch, 1024],
    [1024, 1024, 1024],
  ] as const) {
    const g = new GraphBuilder('sgemm');
    const a = g.input('a', [m, k]);
    const b = g.input('b', [k, n]);
    g.output(g.matmul(a, b), 'c');
    const session = await ort.InferenceSession.create(g.model(), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    const feeds = {
      a: new ort.Tensor('float32', new Float32Array(m * k).fill(0.5), [m, k]),
      b: new ort.Tensor('float32', new Float32Array(k * n).fill(0.25), [k, n]),
    };
    await session.run(feeds);
    for (let r = 0; r < 10; r++) {
      const t0 = performance.now();
      await session.run(feeds);
      best = Math.max(best, (2 * m * n * k) / ((performance.now() - t0) * 1e6));
    }
    await session.release();
  }
  return best;
}

interface NumpyReport {
  sgemm_gflops: number;
  results: { rule: string; batch: number; ms_per_step: number; macs: number }[];
}

function numpyReport(threads: number, batch: number): NumpyReport | null {
  if (values['no-numpy']) return null;
  const script = path.join(import.meta.dirname, 'numpy_step.py');
  const run = spawnSync(
    'python3',
    [
      script,
      '--json',
      '--threads',
      String(threads),
      '--batch',
      String(batch),
      '--rules',
      cases.map((c) => c.key).join(','),
    ],
    { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 },
  );
  if (run.status !== 0) {
    console.log(`numpy reference unavailable (${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)})`);
    return null;
  }
  return JSON.parse(run.stdout) as NumpyReport;
}

const rate = (batch: number, ms: number | undefined) =>
  ms === undefined ? '—' : Math.round((batch * 1000) / ms).toString();
const ratio = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

const threadsDefault = defaultThreads();
console.log(
  `speed bench: MLP 784-1024-512-10, ${optimizerKind}, ${calls} timed calls per case, onnxruntime-node ` +
    `${ort.env.versions.common}, ` +
    `default threads here ${threadsDefault}`,
);
const verdicts: string[] = [];
for (const batch of batches) {
  const stepsPerCall = batch >= 1024 ? 3 : 10;
  const numpy = [numpyReport(1, batch), numpyReport(2, batch)];
  const ortRates = [await ortSgemm(1, batch), await ortSgemm(2, batch)];
  const best = [1, 2].map((t, i) => Math.max(ortRates[i]!, numpy[i]?.sgemm_gflops ?? 0));
  console.log(
    `\nbatch ${batch}: best sgemm 1 thread ${best[0]!.toFixed(0)} GFLOP/s (ORT ${ortRates[0]!.toFixed(0)}, numpy ` +
      `${numpy[0]?.sgemm_gflops.toFixed(0) ?? '—'}), 2 threads ${best[1]!.toFixed(0)} (ORT ${ortRates[1]!.toFixed(0)}, ` +
      `numpy ${numpy[1]?.sgemm_gflops.toFixed(0) ?? '—'})`,
  );
  const rows: string[][] = [
    [
      'rule',
      'MMAC',
      'onnx 1t /s',
      'of limit',
      'onnx 2t /s',
      'of limit',
      '2t/1t',
      'wasm /s',
      'onnx/wasm',
      'numpy 1t /s',
      'numpy 2t /s',
      'vs DFA',
    ],
  ];
  let dfa: number | null = null;
  for (const c of cases) {
    const model = new Model(config(c), 1);
    const macs = stepMacs(model, batch);
    const onnx: number[] = [];
    for (const threads of [1, 2]) {
      const runner = await OnnxRunner.create(model, { backend: 'onnx-cpu', threads, batchSize: batch });
      onnx.push(await msPerStep(runner, model, batch, stepsPerCall));
      await runner.dispose();
    }
    let wasm: number | undefined;
    if (!values['no-wasm']) {
      await startTfBackend('wasm');
      const runner = new EagerRunner(model, batch, { backend: 'wasm', device: 'wasm', threads: null, versions: {} });
      wasm = await msPerStep(runner, model, batch, batch >= 1024 ? 1 : 3);
      await runner.dispose();
    }
    const limit = [1, 2].map((_, i) => (2 * macs) / (best[i]! * 1e6));
    const fraction = onnx.map((ms, i) => limit[i]! / ms);
    const fast = onnx[threadsDefault >= 2 ? 1 : 0]!;
    if (c.key === 'dfa') dfa = onnx[1]!;
    const np = numpy.map((r) => r?.results.find((x) => x.rule === c.key && x.batch === batch)?.ms_per_step);
    rows.push([
      c.label,
      (macs / 1e6).toFixed(0),
      rate(batch, onnx[0]),
      ratio(fraction[0]),
      rate(batch, onnx[1]),
      ratio(fraction[1]),
      ratio(onnx[0]! / onnx[1]!),
      rate(batch, wasm),
      wasm === undefined ? '—' : ratio(wasm / fast, 1) + '×',
      rate(batch, np[0]),
      rate(batch, np[1]),
      dfa ? ratio(onnx[1]! / dfa) + '×' : '—',
    ]);
    console.log(`  done: ${rows.at(-1)!.join('  ')}`);
    verdicts.push(
      `batch ${batch} ${c.label}: 1 thread at ${ratio(fraction[0])} of the GEMM limit — ${verdict(fraction[0]! >= 0.8)}`,
    );
    if (wasm !== undefined)
      verdicts.push(`batch ${batch} ${c.label}: ${ratio(wasm / fast, 1)}× wasm — ${verdict(wasm / fast >= 4)}`);
    if (batch >= 1024)
      verdicts.push(
        `batch ${batch} ${c.label}: 2 threads ${ratio(onnx[0]! / onnx[1]!)}× 1 thread — ${verdict(onnx[0]! / onnx[1]! >= 1.7)}`,
      );
    if (dfa && (c.key === 'ebd+power' || c.key === 'sbd+power'))
      verdicts.push(`batch ${batch} ${c.label}: ${ratio(onnx[1]! / dfa)}× DFA — ${verdict(onnx[1]! / dfa <= 1.15)}`);
    if (dfa && c.key === 'ebd+entropy')
      verdicts.push(`batch ${batch} ${c.label}: ${ratio(onnx[1]! / dfa)}× DFA — ${verdict(onnx[1]! / dfa <= 1.5)}`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}
console.log(`\n${verdicts.join('\n')}`);
