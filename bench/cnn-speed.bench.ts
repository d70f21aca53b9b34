// Samples per second of every rule on a paper CNN/LC preset's network (default the EBD paper's CIFAR-10 CNN) on the
// compiled engine, and each rule's cost relative to BP and DFA (the paper reports EBD at 4.1× BP on this CNN; the
// target is ≤ 1.5×). `npx tsx bench/cnn-speed.bench.ts` (or `npm run bench cnn-speed`). Options (argv or env):
// --preset ID (PRESET, default ebd-paper-cifar10-cnn), --batch N (BATCH, default the preset's), --threads N
// (THREADS, default 1), --steps N (STEPS per call, default 10), --calls N (CALLS, timed calls, default 3). Random
// inputs: a dense step costs the same whatever the pixels are.
import { median } from '../shared/analysis/stats';
import { Rng } from '../src-main/common/random';
import { Model, type StepInputValues } from '../src-main/engine/model';
import { OnnxRunner } from '../src-main/engine/onnx/runner';
import { stepMacs } from '../src-main/engine/onnx/step-models';
import { presetSpec } from '../src-main/engine/presets';
import { modelConfig } from '../src-main/engine/run-plan';
import { option, positiveInt } from './lib/options';

const spec = presetSpec(option('preset', 'PRESET') ?? 'ebd-paper-cifar10-cnn');
const batch = positiveInt(option('batch', 'BATCH'), spec.batchSize, 'batch');
const threads = positiveInt(option('threads', 'THREADS'), 1, 'threads');
const steps = positiveInt(option('steps', 'STEPS'), 10, 'steps');
const calls = positiveInt(option('calls', 'CALLS'), 3, 'calls');
const imageShape = spec.dataset.name.includes('mnist') ? [28, 28, 1] : [32, 32, 3];
const classes = spec.dataset.name === 'cifar-100' ? 100 : 10;
const inputSize = imageShape.reduce((a, b) => a * b, 1);

console.log(
  `${spec.name}: batch ${batch}, onnx-cpu, ${threads} thread(s), ${steps} steps per call, median of ${calls}`,
);
const rows: { label: string; ms: number; macs: number }[] = [];
for (const arm of spec.rules) {
  const config = modelConfig(spec, arm, { inputSize, inputShape: imageShape, outputSize: classes });
  const model = new Model(config, 0);
  const runner = await OnnxRunner.create(model, { backend: 'onnx-cpu', threads, batchSize: batch, evalBatch: batch });
  try {
    const rng = new Rng(1);
    const target = new Float32Array(steps * batch * classes);
    for (let i = 0; i < steps * batch; i++) target[i * classes + rng.int(classes)] = 1;
    const inputs: StepInputValues = {
      x: rng.fillNormal(new Float32Array(steps * batch * inputSize), 1),
      target,
      ...model.stackedScalars(0, steps, 0, batch),
    };
    await runner.train({ steps, inputs });
    const times: number[] = [];
    for (let c = 0; c < calls; c++) {
      const started = performance.now();
      await runner.train({ steps, inputs });
      times.push((performance.now() - started) / steps);
    }
    const ms = median(times);
    rows.push({ label: arm.label ?? arm.rule, ms, macs: stepMacs(model, batch) });
    console.log(`  ${(arm.label ?? arm.rule).padEnd(24)} ${ms.toFixed(1)} ms/step`);
  } finally {
    await runner.dispose();
  }
}
const bp = rows.find((r) => r.label === 'BP');
const dfa = rows.find((r) => r.label === 'DFA');
console.log('\nrule                      samples/s   × BP    × DFA   GMAC/step  GMAC/s');
for (const r of rows) {
  const ratio = (base: typeof bp) => (base ? (r.ms / base.ms).toFixed(2) : '—');
  console.log(
    `${r.label.padEnd(24)}  ${((batch * 1000) / r.ms).toFixed(0).padStart(9)}   ${ratio(bp).padStart(5)}   ` +
      `${ratio(dfa).padStart(5)}   ${(r.macs / 1e9).toFixed(2).padStart(9)}  ${(r.macs / 1e6 / r.ms).toFixed(1).padStart(6)}`,
  );
}
