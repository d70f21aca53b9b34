import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { DatasetManager } from '../../src-main/data/manager';
import type { LoadedDataset } from '../../src-main/data/types';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import { OnnxRunner } from '../../src-main/engine/onnx/runner';
import { defaultThreads } from '../../src-main/engine/onnx/runtime';
import { PRESETS, RULE_PRESETS, frozenHidden, type Preset } from '../../src-main/engine/presets';
import { planRuns, type RunPlan } from '../../src-main/engine/run-plan';
import { evaluate, train, type TrainOutcome } from '../../src-main/engine/trainer';

/**
 * Every rule's preset learns: one epoch on a stratified 10,000-sample subset of Fashion-MNIST (seed 0), run through
 * the same spec → run-plan → model mapping as the app, reaches ≥ 65% test accuracy and beats the same network trained
 * with its hidden layers frozen (readout only; same seed, loss and optimiser), with the activation power bounded.
 * About ten one-epoch runs of the 784-1024-512-10 MLP on the compiled engine (onnx-cpu, every core).
 */

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const haveFashion = fs.existsSync(path.join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));

const SUBSET = 10_000;
const MIN_ACCURACY = 0.65;
/** Activation power (mean h²) the presets must stay under; they settle near 0.1, runaway runs pass 10 in an epoch. */
const MAX_POWER = 5;
const RUN_TIMEOUT = 180_000;

interface RunResult {
  outcome: TrainOutcome;
  accuracy: number;
  /** Largest layerK.activation_power seen over the run (diagnostics every 50 steps). */
  maxPower: number;
  seconds: number;
}

let dataDir: string;
let data: LoadedDataset;
const baselines = new Map<string, Promise<RunResult>>();
const summary: string[] = [];

/** The preset as the test runs it: its own spec with the data, length and seed of this check. */
function oneEpochPlan(preset: Preset): RunPlan {
  const spec = ExperimentSpec.parse({
    ...preset.spec,
    dataset: { ...preset.spec.dataset, trainSubset: SUBSET, validationFraction: 0 },
    epochs: 1,
    seeds: [0],
  });
  const plans = planRuns(spec, { inputSize: data.train.featureSize, outputSize: data.outputSize });
  expect(plans).toHaveLength(1);
  expect(spec.dataset.standardise).toBe(data.split.standardise);
  return plans[0]!;
}

async function run(config: ModelConfig, plan: RunPlan): Promise<RunResult> {
  const started = performance.now();
  const model = new Model(config, plan.seed);
  const runner = await OnnxRunner.create(model, {
    backend: 'onnx-cpu',
    threads: defaultThreads(),
    batchSize: plan.train.batchSize,
  });
  try {
    let maxPower = 0;
    const outcome = await train(
      runner,
      model,
      { train: data.train, validation: null, test: null },
      { ...plan.train, diagnosticsEvery: 50, checkpointEvery: 0 },
      {
        metrics: (points) => {
          for (const p of points)
            if (/^layer\d+\.activation_power$/.test(p.name)) maxPower = Math.max(maxPower, p.value);
        },
        progress: () => undefined,
        checkpoint: () => undefined,
      },
      { stopRequested: false, waitWhilePaused: async () => undefined },
    );
    const { accuracy } = await evaluate(runner, model, data.test);
    return { outcome, accuracy, maxPower, seconds: (performance.now() - started) / 1000 };
  } finally {
    await runner.dispose();
  }
}

/** The frozen-hidden control, trained once per network, loss and optimiser (the rule and regularisers are inert). */
function baseline(plan: RunPlan): Promise<RunResult> {
  const config = frozenHidden(plan.model);
  const key = JSON.stringify([config.network, config.loss, config.optimizer, plan.seed, plan.train.batchSize]);
  let result = baselines.get(key);
  if (!result) {
    result = run(config, plan).then((r) => {
      summary.push(`frozen hidden (${config.loss}): ${(r.accuracy * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`);
      return r;
    });
    baselines.set(key, result);
  }
  return result;
}

describe('presets', () => {
  it('are valid experiment specs with unique ids, one per rule plus comparisons', () => {
    for (const p of PRESETS) expect(() => ExperimentSpec.parse(p.spec), p.id).not.toThrow();
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(RULE_PRESETS.map((p) => p.rule)).toEqual(['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd', 'sbd', 'sbd_expansion']);
    for (const p of RULE_PRESETS) expect(ExperimentSpec.parse(p.spec).description.length).toBeGreaterThan(200);
  });

  it('freeze only the hidden layers in the control, keeping the readout rate', () => {
    const spec = ExperimentSpec.parse(RULE_PRESETS.find((p) => p.rule === 'dfa')!.spec);
    const plan = planRuns(spec, { inputSize: 784, outputSize: 10 })[0]!;
    expect(plan.model.optimizer.layerRates).toEqual([0.3, 0.3, 1]);
    const frozen = frozenHidden(plan.model);
    expect(frozen.optimizer).toEqual({ ...plan.model.optimizer, layerRates: [0, 0, 1] });
    expect(frozen.loss).toBe(plan.model.loss);
    expect(frozen.network).toEqual(plan.model.network);
  });
});

describe.skipIf(!haveFashion)('presets learn (Fashion-MNIST, 10,000 samples, one epoch)', () => {
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-presets-'));
    const dataset = RULE_PRESETS[0]!.spec.dataset;
    data = await new DatasetManager({ dataDir }).load(dataset.name, {
      trainSubset: SUBSET,
      validationFraction: 0,
      standardise: dataset.standardise ?? false,
    });
  }, 120_000);

  afterAll(() => {
    if (summary.length)
      console.log(`presets, 1 epoch on ${SUBSET} samples (test accuracy):\n  ${summary.join('\n  ')}`);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every rule’s preset on one shared dataset definition', () => {
    const datasets = new Set(RULE_PRESETS.map((p) => JSON.stringify(p.spec.dataset)));
    expect(datasets.size).toBe(1);
    expect(data.train.size).toBe(SUBSET);
    expect(data.test.size).toBe(10_000);
  });

  for (const preset of RULE_PRESETS) {
    it(
      `${preset.title}: ≥ 65% and above the frozen-hidden control`,
      async () => {
        const plan = oneEpochPlan(preset);
        const control = await baseline(plan);
        const result = await run(plan.model, plan);
        summary.push(
          `${preset.title}: ${(result.accuracy * 100).toFixed(1)}% vs frozen ${(control.accuracy * 100).toFixed(1)}%, ` +
            `max power ${result.maxPower.toPrecision(3)} (${result.seconds.toFixed(0)} s)`,
        );
        expect(control.outcome.status).toBe('completed');
        expect(result.outcome).toEqual({ status: 'completed', step: Math.floor(SUBSET / plan.train.batchSize) });
        expect(result.maxPower).toBeGreaterThan(0);
        expect(result.maxPower).toBeLessThan(MAX_POWER);
        expect(result.accuracy).toBeGreaterThanOrEqual(MIN_ACCURACY);
        expect(result.accuracy).toBeGreaterThan(control.accuracy);
      },
      RUN_TIMEOUT,
    );
  }
});
