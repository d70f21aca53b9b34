import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults, type RuleName } from '../../shared/rules/catalogue';
import { readImageFolder } from '../../src-main/data/image-folder';
import { prepareSplits } from '../../src-main/data/prepare';
import type { LoadedDataset } from '../../src-main/data/types';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import { OnnxRunner } from '../../src-main/engine/onnx/runner';
import { DEFAULT_OPTIMIZER } from '../../src-main/engine/optim/optimizer';
import { frozenHidden } from '../../src-main/engine/presets';
import { NO_REGULARIZERS } from '../../src-main/engine/regularizers/config';
import { evaluate, train } from '../../src-main/engine/trainer';

/**
 * Real data through the conv layers: a small CNN (conv 16@5×5 + avg pool, twice, then the readout) trained for one
 * epoch on 10,000 CIFAR-10 photographs (../shared/data) on the compiled engine, against the same CNN with its hidden
 * layers frozen (the readout on random conv features, the floor a learning rule has to clear). Test accuracy on
 * 2,000 test images.
 *  - BP beats the control.
 *  - DFA learns (far above chance, activations bounded) but does not beat the control in one epoch here: measured
 *    36.0–37.2% against 37.5% over hidden rates 0.03–1, power normalisation, cross-entropy (34.1 vs 32.6), a smaller
 *    init, stride instead of pooling and 4–16 channels — the known weakness of DFA on conv layers (its bp_cosine
 *    stays near 0 there). The test says so by requiring it to stay within a few points of the control, not above it.
 *  - EBD records its regime per layer: the learned share and the feedback alignment, finite and in range.
 */

const CIFAR_JPG = path.resolve(import.meta.dirname, '../../../shared/data/cifar10-jpg.tar.gz');
const RUN_TIMEOUT = 240_000;
/** Points above the frozen-hidden control a learning rule must reach in its one epoch. */
const MARGIN = 0.02;
/** Points below the control DFA may end its epoch (measured 1.5 at hidden rate 0.3); a collapse falls far further. */
const DFA_SHORTFALL = 0.05;

let dir: string;
let data: LoadedDataset;

function config(rule: RuleName, params: Record<string, number> = {}): ModelConfig {
  const broadcast = rule !== 'bp';
  return {
    network: {
      inputSize: 3072,
      inputShape: [32, 32, 3],
      hidden: [
        {
          kind: 'conv',
          channels: 16,
          kernel: 5,
          stride: 1,
          padding: 2,
          activation: 'relu',
          pool: { kind: 'avg', size: 2 },
        },
        {
          kind: 'conv',
          channels: 16,
          kernel: 5,
          stride: 1,
          padding: 2,
          activation: 'relu',
          pool: { kind: 'avg', size: 2 },
        },
      ],
      outputSize: 10,
      init: { scheme: 'kaiming_uniform', gain: 1 / Math.sqrt(3) },
      weightSparsity: 0,
    },
    rule: { name: rule, params: withDefaults(rule, params) },
    loss: 'mse',
    // The Fashion-MNIST presets' settings: Adam 1e-3, the broadcast rules' hidden layers at 0.3×.
    optimizer: { ...DEFAULT_OPTIMIZER, kind: 'adam', learningRate: 1e-3, layerRates: broadcast ? [0.3, 0.3, 1] : [] },
    regularizers: NO_REGULARIZERS,
  };
}

async function oneEpoch(model: ModelConfig) {
  const m = new Model(model, 0);
  const runner = await OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: 32, evalBatch: 500 });
  const diagnostics = new Map<string, number>();
  try {
    await train(
      runner,
      m,
      { train: data.train, validation: null, test: null },
      { seed: 0, epochs: 1, batchSize: 32, readEvery: 50, diagnosticsEvery: 100, checkpointEvery: 0, powerLimit: 1e4 },
      {
        metrics: (points) => {
          for (const p of points) if (p.split === 'diagnostic') diagnostics.set(p.name, p.value);
        },
        progress: () => undefined,
        checkpoint: () => undefined,
      },
      { stopRequested: false, waitWhilePaused: async () => undefined },
    );
    return { accuracy: (await evaluate(runner, m, data.test)).accuracy, diagnostics };
  } finally {
    await runner.dispose();
  }
}

describe.skipIf(!fs.existsSync(CIFAR_JPG))('a CNN on 10,000 CIFAR-10 photographs, one epoch', () => {
  let frozen: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cifar-cnn-'));
    // 1,000 training and 200 test images per class, unpacked by name rather than all 60,000.
    execFileSync('tar', [
      '-xzf',
      CIFAR_JPG,
      '-C',
      dir,
      '--wildcards',
      'train/*/0[0-9][0-9][0-9].jpg',
      'test/*/0[01]??.jpg',
    ]);
    const source = await readImageFolder(dir);
    data = prepareSplits(source, { validationFraction: 0, standardise: 'per_channel' });
    expect([data.train.size, data.test.size]).toEqual([10_000, 2_000]);
    frozen = (await oneEpoch(frozenHidden(config('bp')))).accuracy;
  }, RUN_TIMEOUT);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    'BP beats the frozen-hidden control',
    async () => {
      const { accuracy } = await oneEpoch(config('bp'));
      expect(frozen).toBeGreaterThan(0.3);
      expect(accuracy).toBeGreaterThan(frozen + MARGIN);
    },
    RUN_TIMEOUT,
  );

  it(
    'DFA learns within reach of the control, its activations bounded',
    async () => {
      const { accuracy, diagnostics } = await oneEpoch(config('dfa'));
      expect(accuracy).toBeGreaterThan(frozen - DFA_SHORTFALL);
      for (const k of [1, 2]) expect(diagnostics.get(`layer${k}.activation_power`)).toBeLessThan(1);
    },
    RUN_TIMEOUT,
  );

  it(
    'EBD records its learned share and feedback alignment for each conv layer',
    async () => {
      const { accuracy, diagnostics } = await oneEpoch(config('ebd', { lambda: 0.99, initScale: 0.001 }));
      expect(accuracy).toBeGreaterThan(0.1);
      for (const k of [1, 2]) {
        const share = diagnostics.get(`layer${k}.learned_share`);
        const feedback = diagnostics.get(`layer${k}.feedback_cosine`);
        const bp = diagnostics.get(`layer${k}.bp_cosine`);
        expect(share, `layer ${k} learned share`).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
        // λ = 0.99 over 312 steps (λᵗ ≈ 0.04) from a small R₀: the learned part dominates by the epoch's end.
        expect(share).toBeGreaterThan(0.5);
        for (const cos of [feedback, bp]) {
          expect(cos).toBeGreaterThanOrEqual(-1);
          expect(cos).toBeLessThanOrEqual(1);
        }
      }
    },
    RUN_TIMEOUT,
  );
});
